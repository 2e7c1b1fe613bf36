from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api_views import PermissionApi
from apps.core.errors import ApplicationError
from apps.healthcare.selectors import NEEDS, facilities_nearest, facility_states
from apps.healthcare.services import SNAPSHOT_COLUMNS, healthcare_snapshots_ingest
from apps.ingest.api_views import BatchIngestApi
from apps.ingest.schema import batch_request


@extend_schema_view(
    post=extend_schema(
        request=batch_request(row="HealthcareSnapshotRow", columns=SNAPSHOT_COLUMNS),
        examples=[
            OpenApiExample(
                "a hospital",
                request_only=True,
                value={
                    "facility": "HF-T01",
                    "observed_at": "2026-11-29T08:00:00+08:00",
                    "beds_occupied": 1710,
                    "icu_occupied": 71,
                    "er_waiting": 18,
                    "er_wait_minutes": 52,
                    "fever_clinic_visits": 64,
                },
            )
        ],
    )
)
class SnapshotIngestApi(BatchIngestApi):
    """Facilities' capacity snapshots in bulk, from machines holding an ingest token of the facilities' data
    source. Up to 5,000 rows as a JSON array or CSV; idempotent on (facility, observed_at). Aggregate counts
    only: `fever_clinic_visits` is the local day's visits so far. Occupied never above capacity."""

    ingest = staticmethod(healthcare_snapshots_ingest)


class NearestQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    need = serializers.ChoiceField(choices=list(NEEDS), default="er")
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class NearestCapacityApi(PermissionApi):
    """Where can a patient go now: the nearest facilities (straight-line distance) with an emergency department
    reporting (`need=er`), a free ICU bed (`icu`) or a free bed (`bed`). Facilities not reporting in the last
    two hours are left out and counted in `not_reporting`."""

    permissions = ("healthcare.view_facility",)

    @extend_schema(
        parameters=[NearestQuerySerializer],
        responses={
            200: OpenApiResponse(
                description='{"need", "point", "facilities": [{code, name_zh, name_en, kind, lon, lat, '
                "distance_km, beds_free, icu_free, er_waiting, er_wait_minutes, observed_at, ...}], "
                '"not_reporting"}'
            ),
            400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}'),
        },
    )
    def get(self, request: Request) -> Response:
        query = NearestQuerySerializer(data=request.query_params)
        if not query.is_valid():
            fields = {name: [str(m) for m in messages] for name, messages in query.errors.items()}
            raise ApplicationError(_("the point or the need is not valid"), fields=fields)
        return Response(facilities_nearest(user=request.user, **query.validated_data))


class FacilityListApi(PermissionApi):
    """Every facility in the caller's regions with its capacity and its latest snapshot (`fresh`: reported in the
    last two hours)."""

    permissions = ("healthcare.view_facility",)

    @extend_schema(responses={200: OpenApiResponse(description="[{code, name_zh, name_en, kind, beds, ...}]")})
    def get(self, request: Request) -> Response:
        return Response([state.as_dict() for state in facility_states(user=request.user)])
