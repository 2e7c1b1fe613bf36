from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.selectors import regions_scope, user_can_access_region
from apps.core.api_views import default_paginator
from apps.core.errors import ApplicationError
from apps.indicators import selectors
from apps.indicators.alerting import alert_transition
from apps.indicators.api.serializers import (
    AlertFilterSerializer,
    AlertOutputSerializer,
    AlertTransitionInputSerializer,
    LatestInputSerializer,
    SeriesInputSerializer,
    SeriesPointSerializer,
)
from apps.indicators.registry import Indicator, get_indicator
from apps.regions.models import Region

DEFAULT_WINDOW = {"minute": timedelta(hours=6), "hour": timedelta(days=7), "day": timedelta(days=90)}
MAX_POINTS = 10_000


class CSVRenderer(BaseRenderer):
    """Renders a list of flat objects as CSV with a header row (?format=csv)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            # Errors stay JSON, whatever format was asked for: a CSV cell would show Python reprs.
            response["Content-Type"] = "application/json"
            return JSONRenderer().render(data)
        rows = data if isinstance(data, list) else [data]
        out = io.StringIO()
        if rows and isinstance(rows[0], dict):
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        return out.getvalue().encode()


def _indicator(code: str) -> Indicator:
    indicator = get_indicator(code)
    if indicator is None:
        raise Http404
    return indicator


class IndicatorListApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Every registered indicator.")
    def get(self, request: Request) -> Response:
        return Response(selectors.indicator_catalogue())


class IndicatorSeriesApi(APIView):
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(parameters=[SeriesInputSerializer], responses=SeriesPointSerializer(many=True))
    def get(self, request: Request, code: str) -> Response:
        indicator = _indicator(code)
        params = SeriesInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        region = Region.objects.filter(code=params.validated_data["region"]).first()
        if region is None:
            raise ApplicationError("unknown region", fields={"region": ["no region has this code"]})
        if not user_can_access_region(user=request.user, region_id=region.id):
            raise PermissionDenied
        granularity = params.validated_data["granularity"]
        end = params.validated_data.get("end") or timezone.now()
        start = params.validated_data.get("start") or end - DEFAULT_WINDOW[granularity]
        points = selectors.indicator_series(
            indicator=indicator, region_id=region.id, granularity=granularity, start=start, end=end
        )
        if len(points) > MAX_POINTS:
            raise ApplicationError(f"more than {MAX_POINTS} points: narrow the time range or use a coarser granularity")
        return Response(SeriesPointSerializer(points, many=True).data)


class IndicatorLatestApi(APIView):
    @extend_schema(
        parameters=[LatestInputSerializer],
        responses={200: OpenApiTypes.OBJECT},
        description="{region code: {value, severity, stale}} for every region of a level in the user's scope.",
    )
    def get(self, request: Request, code: str) -> Response:
        indicator = _indicator(code)
        params = LatestInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        regions = regions_scope(
            Region.objects.filter(level=params.validated_data["level"]), user=request.user, field="id"
        )
        values = selectors.map_values(indicator_code=indicator.code, region_ids=dict(regions.values_list("id", "code")))
        return Response(values)


class AlertListApi(APIView):
    @extend_schema(parameters=[AlertFilterSerializer], responses=AlertOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = AlertFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        active = {"active": True, "resolved": False, "all": None}[params.validated_data["state"]]
        alerts = selectors.alert_list_for_user(user=request.user, active=active)
        paginator = default_paginator()
        page = paginator.paginate_queryset(alerts, request, view=self)
        return paginator.get_paginated_response(AlertOutputSerializer(page, many=True).data)


class AlertDetailApi(APIView):
    @extend_schema(responses=AlertOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        alert = selectors.alert_get_for_user(user=request.user, pk=pk)
        if alert is None:
            raise Http404
        return Response(AlertOutputSerializer(alert).data)


class AlertTransitionApi(APIView):
    """POST acknowledge / request-verification / resolve, with an optional note."""

    action = ""
    permission = ""

    @extend_schema(request=AlertTransitionInputSerializer, responses=AlertOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        alert = selectors.alert_get_for_user(user=request.user, pk=pk)
        if alert is None:
            raise Http404
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        body = AlertTransitionInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        alert = alert_transition(
            alert=alert, action=self.action, user=request.user, note=body.validated_data.get("note", "")
        )
        return Response(AlertOutputSerializer(alert).data)


class AlertAcknowledgeApi(AlertTransitionApi):
    action, permission = "acknowledge", "indicators.acknowledge_alert"


class AlertRequestVerificationApi(AlertTransitionApi):
    action, permission = "request_verification", "indicators.dispatch_alert"


class AlertResolveApi(AlertTransitionApi):
    action, permission = "resolve", "indicators.resolve_alert"
