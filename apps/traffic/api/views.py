from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api_views import PermissionApi, default_paginator
from apps.core.serializers import TextField
from apps.indicators.models import DataSource
from apps.ingest.api_views import BatchIngestApi
from apps.ingest.schema import batch_request
from apps.regions.models import Region
from apps.traffic import selectors
from apps.traffic.incidents import incident_request_verification, incident_transition
from apps.traffic.models import RoadSegment, TrafficIncident, TrafficSensor
from apps.traffic.services import READING_COLUMNS, traffic_readings_ingest


@extend_schema_view(
    post=extend_schema(
        request=batch_request(row="TrafficReadingRow", columns=READING_COLUMNS),
        examples=[
            OpenApiExample(
                "one reading",
                request_only=True,
                value={
                    "sensor": "L-001",
                    "observed_at": "2026-11-29T08:00:00+08:00",
                    "speed_kmh": 42.5,
                    "volume": 31,
                    "occupancy": 18.0,
                },
            )
        ],
    )
)
class TrafficReadingIngestApi(BatchIngestApi):
    """Sensor readings in bulk, from machines holding an ingest token of the sensors' data source."""

    ingest = staticmethod(traffic_readings_ingest)


class VerificationSerializer(serializers.Serializer):
    alert = serializers.IntegerField(source="id")
    status = serializers.CharField()
    requested_at = serializers.DateTimeField(source="verification_requested_at")
    verified_at = serializers.DateTimeField()


class IncidentOutputSerializer(serializers.ModelSerializer):
    segment: serializers.SlugRelatedField[RoadSegment] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    verification = VerificationSerializer(source="verification_alert", read_only=True, allow_null=True)

    class Meta:
        model = TrafficIncident
        fields = ["id", "kind", "severity", "status", "source", "lon", "lat", "segment", "region", "description",
                  "reported_at", "confirmed_at", "cleared_at", "verification"]  # fmt: skip


class SensorOutputSerializer(serializers.ModelSerializer):
    segment: serializers.SlugRelatedField[RoadSegment] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Named like Field.source (the stubs type it); DRF's metaclass takes declared fields out of the class.
    source: serializers.SlugRelatedField[DataSource] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )

    class Meta:
        model = TrafficSensor
        fields = ["code", "kind", "lon", "lat", "segment", "source", "region"]


class SegmentOutputSerializer(serializers.ModelSerializer):
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = RoadSegment
        fields = ["code", "name_zh", "name_en", "road_class", "free_flow_kmh", "geometry", "region"]


class IncidentFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["open", "all"], default="open")


def _page(
    view: APIView, request: Request, queryset: QuerySet[Any], serializer: type[serializers.BaseSerializer[Any]]
) -> Response:
    paginator = default_paginator()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class IncidentListApi(PermissionApi):
    permissions = ("traffic.view_trafficincident",)

    @extend_schema(parameters=[IncidentFilterSerializer], responses=IncidentOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = IncidentFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        incidents = selectors.incident_list_for_user(
            user=request.user, open_only=params.validated_data["state"] == "open"
        )
        return _page(self, request, incidents, IncidentOutputSerializer)


class IncidentTransitionApi(PermissionApi):
    permissions = ("traffic.change_trafficincident",)
    action = ""

    @extend_schema(request=None, responses=IncidentOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        incident = selectors.incident_list_for_user(user=request.user, open_only=False).filter(pk=pk).first()
        if incident is None:
            raise Http404
        incident = incident_transition(incident=incident, action=self.action, user=request.user)
        return Response(IncidentOutputSerializer(incident).data)


class IncidentConfirmApi(IncidentTransitionApi):
    action = "confirm"


class IncidentClearApi(IncidentTransitionApi):
    action = "clear"


class IncidentDismissApi(IncidentTransitionApi):
    action = "dismiss"


class NoteSerializer(serializers.Serializer):
    note = TextField(max_length=500, required=False, allow_blank=True, default="")


class IncidentRequestVerificationApi(PermissionApi):
    """Send an incident to the field officers of its area, to be checked in person."""

    permissions = ("traffic.change_trafficincident", "indicators.dispatch_alert")

    @extend_schema(request=NoteSerializer, responses=IncidentOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        incident = selectors.incident_list_for_user(user=request.user, open_only=False).filter(pk=pk).first()
        if incident is None:
            raise Http404
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = incident_request_verification(incident=incident, user=request.user, note=body.validated_data["note"])
        return Response(IncidentOutputSerializer(incident).data)


class SensorListApi(PermissionApi):
    permissions = ("traffic.view_trafficsensor",)

    @extend_schema(responses=SensorOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _page(
            self, request, selectors.sensor_list_for_user(user=request.user).order_by("code"), SensorOutputSerializer
        )


class SegmentListApi(PermissionApi):
    permissions = ("traffic.view_roadsegment",)

    @extend_schema(responses=SegmentOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return _page(
            self, request, selectors.segment_list_for_user(user=request.user).order_by("code"), SegmentOutputSerializer
        )


class SegmentCongestionApi(PermissionApi):
    permissions = ("traffic.view_roadsegment",)

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="{segment: {index, band, speed_kmh, at}} now.")
    def get(self, request: Request) -> Response:
        return Response(selectors.segment_congestion(user=request.user))
