from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api_views import PermissionApi
from apps.core.errors import ApplicationError
from apps.fieldwork.models import Assignment, Visit
from apps.fieldwork.services import assignments_for_officer, visit_record, visit_review


class AssignmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "kind", "status", "title_zh", "title_en", "alert", "grievance", "region", "lon", "lat",
                  "radius_m", "due_at", "evidence"]  # fmt: skip


class VisitSerializer(serializers.ModelSerializer):
    flags = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = ["uuid", "assignment", "status", "started_at", "ended_at", "received_at", "checkin_lon",
                  "checkin_lat", "checkin_accuracy_m", "people", "notes", "follow_up", "flags", "findings"]  # fmt: skip

    def get_flags(self, visit: Visit) -> list[dict]:
        return [{"code": f.code, "evidence": f.evidence} for f in visit.flags.all()]

    def get_findings(self, visit: Visit) -> list[dict]:
        return [{"alert": f.alert_id, "grievance": f.grievance_id, "indicator": f.indicator, "verdict": f.verdict,
                 "observed_value": f.observed_value, "applied": f.applied} for f in visit.findings.all()]  # fmt: skip


class AssignmentListApi(PermissionApi):
    """The signed-in officer's open assignments: their own and unassigned ones in their regions, soonest due."""

    permissions = ("fieldwork.view_assignment",)

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AssignmentSerializer(assignments_for_officer(user=request.user), many=True).data)


class VisitRecordApi(PermissionApi):
    """Record an in-person visit. Idempotent by the device-made `uuid`: the same visit sent again (a retry, an
    offline queue replayed) answers 200 with the stored visit, never a second one. Photos as base64; their EXIF
    is read for the checks, then removed. Flagged visits wait for review (`status: review`)."""

    permissions = ("fieldwork.add_visit",)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: VisitSerializer, 200: VisitSerializer,
                   400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}')},  # fmt: skip
        examples=[OpenApiExample("a visit", request_only=True, value={
            "uuid": "6f1c1b1e-8c1a-4c53-9a39-1f1f6c3e2d10", "assignment": 12,
            "started_at": "2026-11-29T09:00:00+08:00", "ended_at": "2026-11-29T09:25:00+08:00",
            "sent_at": "2026-11-29T09:26:00+08:00", "checkin": {"lon": 118.78, "lat": 32.06, "accuracy": 12},
            "people": [{"kind": "residents", "count": 3}], "notes": "…",
            "findings": [{"alert": 40, "verdict": "contradicted", "observed_value": 35, "comment": "…"}],
            "photos": [{"name": "street.jpg", "data": "<base64>"}]})],
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ApplicationError("send a JSON object", fields={"body": ["not an object"]})
        recorded = visit_record(officer=request.user, data=request.data)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(VisitSerializer(recorded.visit).data, status=code)


class VisitReviewApi(PermissionApi):
    """A supervisor accepts a flagged visit (its findings count from then on) or rejects it with a reason."""

    permissions = ("fieldwork.review_visit",)

    @extend_schema(request=OpenApiTypes.OBJECT, responses=VisitSerializer)
    def post(self, request: Request, uuid: str) -> Response:
        visit = Visit.objects.filter(uuid=uuid).first() if _is_uuid(uuid) else None
        if visit is None:
            return Response({"detail": "no such visit"}, status=status.HTTP_404_NOT_FOUND)
        decision = request.data.get("decision") if isinstance(request.data, dict) else None
        if decision not in ("accept", "reject"):
            raise ApplicationError("decision is accept or reject", fields={"decision": ["accept or reject"]})
        visit = visit_review(visit=visit, supervisor=request.user, accept=decision == "accept",
                             reason=str(request.data.get("reason", "")))  # fmt: skip
        return Response(VisitSerializer(visit).data)


def _is_uuid(value: str) -> bool:
    import uuid as uuid_module

    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return True
