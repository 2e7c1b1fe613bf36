from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.roles import Role
from apps.accounts.selectors import regions_scope
from apps.core.api_views import PermissionApi
from apps.core.classification import ClassifiedSerializerMixin
from apps.core.errors import ApplicationError
from apps.fieldwork.models import Assignment, Visit
from apps.fieldwork.selectors import ground_by_region_for_user, ground_by_source
from apps.fieldwork.services import (
    assignment_reassign,
    assignments_for_officer,
    assignments_plan,
    visit_record,
    visit_review,
)
from apps.regions.models import Region


@extend_schema_field(OpenApiTypes.STR)
class _OfficerField(serializers.SlugRelatedField):
    def get_queryset(self) -> Any:
        return get_user_model().objects.filter(is_active=True, groups__name=Role.FIELD_OFFICER).distinct()


class PlanSerializer(serializers.Serializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          help_text="a community or street code")  # fmt: skip
    due_at = serializers.DateTimeField()
    weeks = serializers.IntegerField(min_value=1, max_value=12, default=1)
    evidence = serializers.CharField(max_length=300, required=False, allow_blank=True)
    assignee = _OfficerField(
        slug_field="username",
        required=False,
        allow_null=True,
        help_text="a field officer's username; left out: the least busy officer of the area",
    )


class AssigneeSerializer(serializers.Serializer):
    assignee = _OfficerField(slug_field="username", allow_null=True)


class AssignmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "kind", "status", "title_zh", "title_en", "alert", "grievance", "region", "lon", "lat",
                  "radius_m", "due_at", "evidence", "assignee"]  # fmt: skip

    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)


class VisitSerializer(ClassifiedSerializerMixin, serializers.ModelSerializer):
    """Positions leave rounded to about 1 km (an officer's movements are a location track)."""

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
    """GET: the signed-in officer's open assignments — their own and unassigned ones in their regions, soonest
    due. POST (dispatchers, `fieldwork.add_assignment`): planned visits to a community or street — one, or one
    a week for `weeks` weeks — for the named officer, or the least busy officer covering it."""

    permissions = ("fieldwork.view_assignment",)

    @extend_schema(responses=AssignmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(AssignmentSerializer(assignments_for_officer(user=request.user), many=True).data)

    @extend_schema(
        request=PlanSerializer,
        responses={
            201: AssignmentSerializer(many=True),
            400: OpenApiResponse(description='{"detail", "errors": {field: [message]}}'),
        },  # fmt: skip
    )
    def post(self, request: Request) -> Response:
        if not request.user.has_perm("fieldwork.add_assignment"):
            self.permission_denied(request)
        plan = PlanSerializer(data=request.data)
        plan.is_valid(raise_exception=True)
        data = plan.validated_data
        made = assignments_plan(region=data["region"], user=request.user, due_at=data["due_at"],
                                evidence=data.get("evidence", ""), assignee=data.get("assignee"),
                                weeks=data.get("weeks", 1))  # fmt: skip
        return Response(AssignmentSerializer(made, many=True).data, status=status.HTTP_201_CREATED)


class AssigneeApi(PermissionApi):
    """Hand an open assignment to an officer covering its region (`{"assignee": "username"}`), or back to the
    area's pool (`{"assignee": null}`)."""

    permissions = ("fieldwork.change_assignment",)

    @extend_schema(request=AssigneeSerializer, responses={200: AssignmentSerializer, 404: OpenApiTypes.OBJECT})
    def post(self, request: Request, pk: int) -> Response:
        assignment = regions_scope(Assignment.objects.all(), user=request.user).filter(pk=pk).first()
        if assignment is None:
            return Response({"detail": "no such assignment in your regions"}, status=status.HTTP_404_NOT_FOUND)
        body = AssigneeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = assignment_reassign(assignment=assignment, assignee=body.validated_data["assignee"],
                                         user=request.user)  # fmt: skip
        return Response(AssignmentSerializer(assignment).data)


class GroundApi(PermissionApi):
    """Screen against ground over the last 30 days: per data source (alerts, share verified in person, median
    hours to verify, contradiction rate, trust score, days since a check) and per district (the same, days
    since the last accepted visit, screen-only)."""

    permissions = ("fieldwork.view_visit",)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response({"sources": ground_by_source(), "regions": ground_by_region_for_user(user=request.user)})


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
        visits = regions_scope(Visit.objects.filter(uuid=uuid), user=request.user) if _is_uuid(uuid) else None
        visit = visits.first() if visits is not None else None
        if visit is None:
            return Response({"detail": "no such visit in your regions"}, status=status.HTTP_404_NOT_FOUND)
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
