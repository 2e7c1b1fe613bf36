"""The department's reports for other systems: the workbench's scope, the reporter's contact masked; reading
it in clear is a request of its own, with a purpose, logged."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Department
from apps.core.api_views import PermissionApi
from apps.core.classification import ClassifiedSerializerMixin, reveal_fields
from apps.core.errors import ApplicationError
from apps.core.serializers import TextField
from apps.core.throttling import ClientAnonThrottle
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


# --- 接诉即办 rates, public -------------------------------------------------------------------------------


def _count(n: int, k: int) -> int | None:
    return n if n >= k else None


class PublicRateSerializer(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True, help_text="share of 1; null when computed from fewer than k, or "
                                  "when either side of it is 1 to k-1 people")  # fmt: skip
    numerator = serializers.IntegerField(allow_null=True, help_text="null with the rate")
    denominator = serializers.IntegerField(allow_null=True, help_text="null: fewer than k")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        k = instance.k
        shown = instance.value is not None
        return {
            "rate": round(instance.value, 4) if shown else None,
            "numerator": instance.numerator if shown else None,  # shown: both sides are 0 or at least k
            "denominator": _count(instance.denominator, k),
        }


class PublicMeasureSerializer(serializers.Serializer):
    claimed = PublicRateSerializer()
    verified = PublicRateSerializer(allow_null=True, help_text="null: not checked independently (响应率)")
    gap = serializers.FloatField(allow_null=True, help_text="claimed minus verified; null unless both are shown")
    flagged = serializers.BooleanField(help_text="the gap is at least CITYOPS_PERFORMANCE_GAP_FLAG")


class PublicUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True, help_text="by verified 解决率; null: unranked")
    unranked_because = serializers.CharField(help_text='"" or "few_checks": fewer than k independent checks done')
    reports = serializers.SerializerMethodField(help_text="null: fewer than k")
    response = PublicMeasureSerializer()
    resolution = PublicMeasureSerializer()
    satisfaction = PublicMeasureSerializer()
    excluded_ratings = serializers.SerializerMethodField(
        help_text="ratings left out as not independent, by reason (staff_session, department_network, "
        "after_staff_action); null: fewer than k"
    )
    checks_done = serializers.SerializerMethodField(help_text="independent checks done; null: fewer than k")
    checks_pending = serializers.SerializerMethodField(help_text="independent checks waiting; null: fewer than k")

    def _k(self) -> int:
        k: int = self.context["k"]
        return k

    def get_reports(self, unit: Any) -> int | None:
        return _count(unit.reports, self._k())

    def get_excluded_ratings(self, unit: Any) -> dict[str, int | None]:
        return {reason: _count(n, self._k()) for reason, n in unit.excluded.items()}

    def get_checks_done(self, unit: Any) -> int | None:
        return _count(unit.checks_done, self._k())

    def get_checks_pending(self, unit: Any) -> int | None:
        return _count(unit.checks_pending, self._k())


class PerformanceOutputSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, the city's local month the reports were made in")
    k = serializers.IntegerField(help_text="counts below k are null, rates from fewer than k reports null")
    gap_flag = serializers.FloatField()
    check_share = serializers.FloatField(help_text="the share of rated reports checked independently")
    ranking = serializers.CharField()
    definitions = serializers.DictField(child=serializers.CharField())
    departments = PublicUnitSerializer(many=True)
    streets = PublicUnitSerializer(many=True)


class PerformancePublicApi(APIView):
    """接诉即办 rates of one month, per department and per street: 响应率, 解决率, 满意率 as claimed and as
    verified by independent checks, the gap, ratings excluded as not independent; ranked by verified rates.
    Public, no personal data; counts below k (CITYOPS_OPEN_DATA_K) are null."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAnonThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM; default: this month", required=False)],
        responses={200: PerformanceOutputSerializer, 400: OpenApiResponse(description='{"detail", "errors": '
                                                                                      '{"month": [message]}}')},
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        from apps.grievances.performance import MonthError, definitions, month_parse
        from apps.grievances.performance_views import performance_cached

        try:
            month = month_parse(request.query_params.get("month"))
        except MonthError as exc:
            raise ApplicationError(str(exc), fields={"month": [str(exc)]}) from None
        data = performance_cached(month)
        texts = definitions()
        body = {
            "month": f"{month:%Y-%m}",
            "k": data.k,
            "gap_flag": settings.CITYOPS_PERFORMANCE_GAP_FLAG,
            "check_share": settings.CITYOPS_RESOLUTION_CHECK_SHARE,
            "ranking": texts.pop("ranking"),
            "definitions": texts,
            "departments": data.departments,
            "streets": data.streets,
        }
        return Response(PerformanceOutputSerializer(body, context={"k": data.k}).data)
