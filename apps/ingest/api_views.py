"""The one shape of every feed's ingest endpoint: a data source's token, a batch body, 201 or a listed refusal."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ingest.auth import HasIngestToken, IngestTokenAuthentication
from apps.ingest.batches import BatchInvalid, BatchTooLarge


class BatchIngestApi(APIView):
    """A domain's endpoint sets `ingest`, its service: (source, body, content_type) → {"accepted", "duplicates"}.
    Up to 5,000 rows as a JSON array or CSV; a bad row refuses the whole batch, every problem listed."""

    authentication_classes = [IngestTokenAuthentication]
    permission_classes = [HasIngestToken]
    throttle_classes: list = []
    ingest: Callable[..., dict[str, int]]

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR},
        responses={
            201: OpenApiResponse(description='{"accepted": n, "duplicates": m}'),
            400: OpenApiResponse(
                description='{"detail", "errors": [{"index", "field", "message"}]}; only {"detail"} for a body that '
                "is not a batch (not JSON, nested more than 64 levels)"
            ),
            413: OpenApiResponse(description='more than 5,000 rows; or a body over 2.5 MB: {"detail", "limit_bytes"}'),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            result = self.ingest(source=request.auth.source, body=request.body, content_type=request.content_type or "")
        except BatchTooLarge as exc:
            return Response({"detail": exc.message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except BatchInvalid as exc:
            return Response({"detail": exc.message, "errors": [e.as_dict() for e in exc.errors]}, status=400)
        return Response(result, status=status.HTTP_201_CREATED)
