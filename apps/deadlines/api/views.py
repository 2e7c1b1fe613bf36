"""The working calendar over REST: a year's holidays and make-up working days (public: the State Council's
arrangement), in the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.core.throttling import PUBLIC_THROTTLES
from apps.deadlines.selectors import calendar_year

FIRST_YEAR, LAST_YEAR = 2000, 2100


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class CalendarYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    announced = serializers.BooleanField(help_text="false: no arrangement yet, Monday to Friday are counted "
                                         "(deadlines in this year are provisional)")  # fmt: skip
    # the JSON key "source" (a declared field may shadow Field.source: DRF collects declared fields first)
    source = serializers.CharField(allow_null=True, help_text="package (chinese-calendar) or announcement (admin)")  # type: ignore[assignment]  # fmt: skip
    notice = serializers.CharField(help_text="the announcement it was entered from, if given")
    working_hours = serializers.CharField(help_text="office hours of a working day, in the city's time zone")
    working_days = serializers.IntegerField(help_text="working days in the year as the calendar counts them")
    holidays = DaySerializer(many=True, help_text="days off (including weekend days of a holiday)")
    workdays = DaySerializer(many=True, help_text="weekend days worked instead (调休上班)")


class CalendarYearApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = PUBLIC_THROTTLES

    @extend_schema(responses=CalendarYearSerializer, summary="A year of the working calendar")
    def get(self, request: Request, year: int) -> Response:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ApplicationError(
                f"the calendar covers {FIRST_YEAR} to {LAST_YEAR}", fields={"year": [f"{year} is out of range"]}
            )
        return Response(CalendarYearSerializer(calendar_year(year=year)).data)
