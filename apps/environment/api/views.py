from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.environment.aqi import STANDARDS, AqiInputError, aqi, standard_for
from apps.environment.services import READING_COLUMNS, environment_readings_ingest
from apps.ingest.api_views import BatchIngestApi
from apps.ingest.schema import batch_request

KEYS = sorted({key for standard in STANDARDS.values() for key in standard.keys})


class AqiCalculatorApi(APIView):
    """The AQI of given concentrations by a standard — public, no sign-in.

    Each standard takes the keys it defines (China: µg/m³, CO mg/m³; US EPA: O3 and CO ppm, SO2 and NO2 ppb,
    PM µg/m³). `aqi` is null where the standard says not to publish (HJ 633-2026: a pollutant missing and
    the index not above 100); the IAQIs are there regardless.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "standard", str, enum=sorted(STANDARDS), description="default: the Chinese standard in force today"
            ),
            *[OpenApiParameter(key, OpenApiTypes.NUMBER, required=False) for key in KEYS],
        ],
        responses={
            200: OpenApiResponse(
                description='{"standard", "aqi", "iaqi": {key: value}, "primary_pollutants", "level", "category", '
                '"color", "advice"}'
            ),
            400: OpenApiResponse(description='{"detail", "errors": {name: [message]}}'),
        },
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        standard = params.get("standard") or standard_for(timezone.now())
        values = {key: params.get(key) for key in params if key != "standard"}
        problems: dict[str, list[str]] = {}
        if standard not in STANDARDS:
            problems["standard"] = [_("unknown standard; one of %(codes)s") % {"codes": ", ".join(sorted(STANDARDS))}]
        else:
            for key, value in values.items():  # every problem at once, not the first
                try:
                    aqi(standard, {key: value})
                except AqiInputError as exc:
                    problems.setdefault(exc.field, []).append(str(exc))
        if not values and not problems:
            keys = ", ".join(sorted(STANDARDS[standard].keys))
            problems["concentrations"] = [_("give at least one of %(keys)s") % {"keys": keys}]
        if problems:
            raise ApplicationError(_("these concentrations cannot be indexed"), fields=problems)
        result = aqi(standard, values)
        return Response(result.as_dict(translation.get_language() or "zh-hans"))


@extend_schema_view(post=extend_schema(request=batch_request(row="EnvironmentReadingRow", columns=READING_COLUMNS)))
class ReadingIngestApi(BatchIngestApi):
    """Station hourly means in bulk (air and noise), from machines holding an ingest token of the stations'
    data source. Up to 5,000 rows as a JSON array or CSV; idempotent on (station, observed_at)."""

    ingest = staticmethod(environment_readings_ingest)
