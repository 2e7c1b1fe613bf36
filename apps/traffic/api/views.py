from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.ingest.auth import HasIngestToken, IngestTokenAuthentication
from apps.ingest.services import BatchInvalid, BatchTooLarge, batch_rows
from apps.traffic.services import traffic_readings_ingest


class TrafficReadingIngestApi(APIView):
    """Sensor readings in bulk, from machines holding an ingest token of the sensors' data source."""

    authentication_classes = [IngestTokenAuthentication]
    permission_classes = [HasIngestToken]
    throttle_classes: list = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR},
        responses={
            201: OpenApiResponse(description='{"accepted": n, "duplicates": m}'),
            400: OpenApiResponse(description='{"detail", "errors": [{"index", "field", "message"}]}'),
            413: OpenApiResponse(description="more than 5,000 rows"),
        },
        examples=[
            OpenApiExample(
                "one reading",
                value=[
                    {
                        "sensor": "L-001",
                        "observed_at": "2026-11-29T08:00:00+08:00",
                        "speed_kmh": 42.5,
                        "volume": 31,
                        "occupancy": 18.0,
                    }
                ],  # fmt: skip
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            rows = batch_rows(body=request.body, content_type=request.content_type or "")
            result = traffic_readings_ingest(source=request.auth.source, rows=rows)
        except BatchTooLarge as exc:
            return Response({"detail": exc.message}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except BatchInvalid as exc:
            return Response({"detail": exc.message, "errors": [e.as_dict() for e in exc.errors]}, status=400)
        return Response(result, status=status.HTTP_201_CREATED)
