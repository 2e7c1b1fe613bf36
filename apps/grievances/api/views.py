"""The department's reports for other systems: the workbench's scope, the reporter's contact masked; reading
it in clear is a request of its own, with a purpose, logged."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import Department
from apps.core.api_views import PermissionApi
from apps.core.classification import ClassifiedSerializerMixin, reveal_fields
from apps.core.errors import ApplicationError
from apps.core.serializers import TextField
from apps.grievances.models import Category, Grievance
from apps.grievances.selectors import grievance_for_user, grievances_for_user
from apps.regions.models import Region

CONTACT = ["reporter_name", "reporter_phone", "reporter_email"]
LIMIT = 500


class GrievanceSerializer(ClassifiedSerializerMixin, serializers.ModelSerializer):
    number = serializers.IntegerField(source="pk")
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department: serializers.SlugRelatedField[Department] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region: serializers.SlugRelatedField[Region] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Grievance
        fields = ["number", "tracking_code", "channel", "category", "department", "region", "description", "address",
                  "lon", "lat", "status", "priority", "created_at", "due_at", "resolved_at", "satisfaction",
                  *CONTACT]  # fmt: skip


class GrievanceListApi(PermissionApi):
    """The signed-in staff member's reports (their departments, narrowed to their regions), newest first, at
    most 500; `?status=open` for the open ones. The reporter's contact is masked (张* · 138****1234)."""

    permissions = ("grievances.handle_grievance",)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", *Grievance.Status.values])],
        responses=GrievanceSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = grievances_for_user(user=request.user).order_by("-created_at")
        wanted = request.query_params.get("status", "")
        if wanted == "open":
            rows = rows.filter(status__in=Grievance.OPEN)
        elif wanted in Grievance.Status.values:
            rows = rows.filter(status=wanted)
        elif wanted:
            raise ApplicationError("unknown status", fields={"status": ["open or a status of a report"]})
        return Response(GrievanceSerializer(rows[:LIMIT], many=True).data)


class ContactRequestSerializer(serializers.Serializer):
    purpose = TextField(max_length=200, help_text="why the contact is needed; logged with the reading")


class GrievanceContactApi(PermissionApi):
    """The reporter's contact in clear, for a stated purpose; the reading is logged (who, which report, which
    fields, when, why). 403 without `grievances.view_reporter_contact`."""

    permissions = ("grievances.handle_grievance", "grievances.view_reporter_contact")

    @extend_schema(
        request=ContactRequestSerializer,
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description='{"detail", "errors"}'),
            404: OpenApiResponse(description="no such report in your scope"),
        },  # fmt: skip
    )
    def post(self, request: Request, code: str) -> Response:
        grievance = grievance_for_user(user=request.user, code=code.strip().upper())
        if grievance is None:
            return Response({"detail": "no such report in your scope"}, status=status.HTTP_404_NOT_FOUND)
        body = ContactRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contact = reveal_fields(grievance, CONTACT, user=request.user, purpose=body.validated_data["purpose"])
        response = Response({"number": grievance.pk, **contact})
        response["Cache-Control"] = "private, no-store"
        return response
