"""The public truth panel and contests over REST: no sign-in, in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accountability.selectors import contest_by_code, contest_public, panel_region, public_status
from apps.accountability.services import CONTACT_MAX, TEXT_MAX, ContestInput, contest_submit
from apps.core.clients import client_key, rate_limited
from apps.core.parsers import JSONParser
from apps.core.serializers import TextField
from apps.core.throttling import PUBLIC_THROTTLES

VERDICTS = "confirmed, partly, contradicted or could_not_verify (as found on site)"


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(help_text="city, district or street")


class SourceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TrustSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="share of on-site verdicts that agreed (0–1); null: "
                                   "never checked")  # fmt: skip
    level = serializers.CharField(help_text="high, medium, low or unchecked")
    checks = serializers.IntegerField(help_text="decisive on-site verdicts over the last 30 days")


class DiscrepancySerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="which sources disagree")
    region = serializers.CharField()
    since = serializers.DateTimeField()


class OpenContestsSerializer(serializers.Serializer):
    groups = serializers.IntegerField(help_text="places where citizens contest the figure now")
    checking = serializers.IntegerField(help_text="of those, places where an officer has been sent to check")


class MetricSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    value = serializers.FloatField(allow_null=True)
    observed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    source = SourceSerializer(allow_null=True)  # type: ignore[assignment]  # a field named like Field.source
    trust = TrustSerializer(allow_null=True)
    last_checked_on_site = serializers.DateTimeField(allow_null=True)
    last_checked_where = serializers.CharField(allow_null=True)
    last_verdict = serializers.CharField(allow_null=True, help_text=VERDICTS)
    discrepancies = DiscrepancySerializer(many=True)
    open_contests = OpenContestsSerializer()


class ChildStatusSerializer(RegionRefSerializer):
    metrics = MetricSerializer(many=True)


class StatusSerializer(serializers.Serializer):
    region = RegionRefSerializer()
    parent = RegionRefSerializer(allow_null=True)
    metrics = MetricSerializer(many=True)
    children = ChildStatusSerializer(many=True)


class ContestInputSerializer(serializers.Serializer):
    indicator = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="the figure contested (one of the panel's indicator codes)",
    )
    region = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="where: a region code")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90, help_text="or where: a point")
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    report_code = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text="or: the tracking code of a report marked resolved"
    )
    text = TextField(max_length=TEXT_MAX, help_text="what you see")
    contact = TextField(
        required=False,
        allow_blank=True,
        max_length=CONTACT_MAX,
        help_text="a phone number or e-mail, if you wish to be called back (stored encrypted)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat" if "lon" in attrs else "lon": ["give both lat and lon"]})
        return attrs  # fmt: skip


class ContestCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="keep it: the contest's page and GET /api/v1/public/contests/<code>")


class ContestSerializer(serializers.Serializer):
    code = serializers.CharField()
    kind = serializers.ChoiceField(choices=["figure", "resolution"])
    about = serializers.DictField(help_text="{indicator, name} of a figure, or {report, category} of a report: its "
                                  "public number (Open311 service_request_id) and category")  # fmt: skip
    region = RegionRefSerializer(allow_null=True)
    submitted_at = serializers.DateTimeField()
    text = serializers.CharField(help_text="as sent, with phone numbers, e-mails and ID numbers masked")
    state = serializers.ChoiceField(choices=["waiting", "checking", "checked", "expired"])
    verdict = serializers.CharField(allow_null=True, help_text=f"about what is contested: {VERDICTS}")
    checked_at = serializers.DateTimeField(allow_null=True)
    contestants = serializers.IntegerField(allow_null=True, help_text="people contesting the same; null below k")
    contestants_fewer_than = serializers.IntegerField(allow_null=True)


class _PublicApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = PUBLIC_THROTTLES


class StatusApi(_PublicApi):
    @extend_schema(
        parameters=[OpenApiParameter("region", str, description="a district or street code; the city by default")],
        responses={200: StatusSerializer, 404: OpenApiResponse(description="no such region")},
        summary="Every published figure of a place with what backs it: source, trust, on-site checks, "
        "disagreements and open contests; and the same for the places below it",
    )
    def get(self, request: Request) -> Response:
        region = panel_region(request.query_params.get("region"))
        if region is None:
            raise Http404
        return Response(StatusSerializer(public_status(region=region)).data)


class ContestListApi(_PublicApi):
    parser_classes = [JSONParser]  # not form-encoded: no other site's page can post contests for its visitors

    @extend_schema(
        request=ContestInputSerializer,
        responses={201: ContestCodeSerializer, 400: OpenApiResponse(description="what is wrong, by field"),
                   429: OpenApiResponse(description="too many contests from this client in an hour")},
        summary="Say a published figure, or a report marked resolved, does not match what you see",
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        incoming = ContestInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if rate_limited(request, action="accountability.contest", limit=settings.CITYOPS_CONTESTS_PER_HOUR,
                        window_seconds=3600):  # fmt: skip
            return Response({"detail": "too many contests from this connection in an hour"}, status=429)
        data = incoming.validated_data
        contest = contest_submit(data=ContestInput(
            text=data["text"], indicator=data.get("indicator", ""), region=data.get("region", ""),
            lon=data.get("lon"), lat=data.get("lat"), report_code=data.get("report_code", ""),
            contact=data.get("contact", ""), client=client_key(request, purpose="accountability.contest"),
        ))  # fmt: skip
        return Response({"code": contest.code}, status=201)


class ContestDetailApi(_PublicApi):
    @extend_schema(responses={200: ContestSerializer, 404: OpenApiResponse(description="no contest with this code")},
                   summary="A contest: where it stands, and the verdict found on site")  # fmt: skip
    def get(self, request: Request, code: str) -> Response:
        contest = contest_by_code(code)
        if contest is None:
            raise Http404
        return Response(ContestSerializer(contest_public(contest)).data)
