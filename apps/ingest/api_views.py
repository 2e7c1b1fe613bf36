"""The one shape of every feed's ingest endpoint: a data source's token, a batch body, 201 or a listed refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ingest.auth import HasIngestToken, IngestTokenAuthentication
from apps.ingest.batches import BatchInvalid, BatchTooLarge
from apps.ingest.models import IngestToken

# The body's media types a batch comes in. Anything else — a form or a multipart upload above all, which Django
# reads into fields and files before the view could read the body — is a 415 that says what to send.
BATCH_MEDIA_TYPES = frozenset({"application/json", "text/csv"})


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
            415: OpenApiResponse(description='{"detail"}: the body is neither application/json nor text/csv'),
        },
    )
    def post(self, request: Request) -> Response:
        media_type = (request.content_type or "").split(";", 1)[0].strip().lower()
        if media_type not in BATCH_MEDIA_TYPES:
            detail = _("Send the batch as the body itself, with Content-Type application/json or text/csv.")
            return Response({"detail": detail}, status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
        token = cast(IngestToken, request.auth)  # HasIngestToken let only those in
        try:
            result = self.ingest(source=token.source, body=request.body, content_type=request.content_type or "")
        except BatchTooLarge as exc:
            return Response({"detail": exc.message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except BatchInvalid as exc:
            return Response({"detail": exc.message, "errors": [e.as_dict() for e in exc.errors]}, status=400)
        return Response(result, status=status.HTTP_201_CREATED)
