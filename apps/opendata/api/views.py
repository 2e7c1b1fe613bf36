"""The public open-data API: datasets with their data dictionary and license, approved releases, their files.

Drafts and withdrawn releases do not exist here (404), whoever asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.api_views import default_paginator
from apps.core.errors import ApplicationError
from apps.core.throttling import PUBLIC_THROTTLES
from apps.opendata import selectors
from apps.opendata.datasets import Dataset, datasets, get_dataset
from apps.opendata.models import Release
from apps.opendata.render import CONTENT_TYPES, FORMATS
from apps.opendata.views import file_response


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["date", "string", "integer", "number"])
    zh = serializers.CharField(help_text="meaning, in Chinese")
    en = serializers.CharField(help_text="meaning, in English")


class LicenseSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="SPDX identifier")
    name = serializers.CharField()
    url = serializers.URLField()
    attribution_zh = serializers.CharField()
    attribution_en = serializers.CharField()


class ReleaseOutputSerializer(serializers.ModelSerializer):
    first_day = serializers.DateField(read_only=True)
    last_day = serializers.DateField(read_only=True, help_text="inclusive")
    k = serializers.SerializerMethodField(help_text="null where the records are not about people")
    files = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["id", "dataset", "first_day", "last_day", "k", "total_records", "released_records",
                  "suppressed_records", "suppressed_cells", "generalised_records", "rows", "max_risk", "mean_risk",
                  "approved_at", "demo", "files"]  # fmt: skip

    @extend_schema_field(OpenApiTypes.INT)
    def get_k(self, release: Release) -> int | None:
        return release.k if release.personal else None

    @extend_schema_field(serializers.DictField(child=serializers.CharField(), help_text="format → URL"))
    def get_files(self, release: Release) -> dict[str, str]:
        return {fmt: reverse("opendata-api:release-file", args=[release.pk, fmt]) for fmt in FORMATS}


class DatasetOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    description_zh = serializers.CharField()
    description_en = serializers.CharField()
    # A declared field named like Field.source: DRF's metaclass takes it out of the class; the stubs cannot know.
    source = serializers.CharField()  # type: ignore[assignment]
    personal = serializers.BooleanField(help_text="records are about people: k-anonymity applies")
    quasi_identifiers = serializers.ListField(child=serializers.CharField())
    count_column = serializers.CharField()
    dictionary = ColumnSerializer(many=True)
    license = LicenseSerializer()
    latest_release = ReleaseOutputSerializer(allow_null=True)


def _dataset_data(dataset: Dataset) -> dict[str, Any]:
    return {**dataset.metadata(), "latest_release": selectors.release_latest_public(dataset=dataset.code)}


def _dataset_or_404(code: str) -> Dataset:
    dataset = get_dataset(code)
    if dataset is None:
        raise Http404
    return dataset


class _PublicOpenDataApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = PUBLIC_THROTTLES


class DatasetListApi(_PublicOpenDataApi):
    @extend_schema(responses=DatasetOutputSerializer(many=True), summary="Open datasets, each with its latest "
                   "approved release, data dictionary and license")  # fmt: skip
    def get(self, request: Request) -> Response:
        return Response(DatasetOutputSerializer([_dataset_data(d) for d in datasets()], many=True).data)


class DatasetDetailApi(_PublicOpenDataApi):
    @extend_schema(responses={200: DatasetOutputSerializer, 404: OpenApiResponse(description="unknown dataset")})
    def get(self, request: Request, code: str) -> Response:
        return Response(DatasetOutputSerializer(_dataset_data(_dataset_or_404(code))).data)


class DatasetReleaseListApi(_PublicOpenDataApi):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # drf-spectacular documents the paged response by it

    @extend_schema(responses={200: ReleaseOutputSerializer(many=True), 404: OpenApiResponse(description="unknown "
                   "dataset")}, summary="A dataset's approved releases, newest period first")  # fmt: skip
    def get(self, request: Request, code: str) -> Response:
        _dataset_or_404(code)
        paginator = default_paginator()
        page = paginator.paginate_queryset(selectors.releases_public(dataset=code), request, view=self)
        return paginator.get_paginated_response(ReleaseOutputSerializer(page, many=True).data)


class ReleaseDetailApi(_PublicOpenDataApi):
    @extend_schema(responses={200: ReleaseOutputSerializer, 404: OpenApiResponse(description="no approved release")})
    def get(self, request: Request, pk: int) -> Response:
        release = selectors.release_get_public(pk=pk)
        if release is None:
            raise Http404
        return Response(ReleaseOutputSerializer(release).data)


class _AnyAccept(BaseContentNegotiation):
    """The file's type is chosen by the URL, so a client asking for text/csv or application/geo+json is served
    (DRF would answer 406: none of its renderers makes those)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = list(renderers)[0]
        return renderer, renderer.media_type


class ReleaseFileApi(_PublicOpenDataApi):
    content_negotiation_class = _AnyAccept

    @extend_schema(
        parameters=[OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS))],
        responses={
            (200, CONTENT_TYPES["csv"].split(";")[0]): OpenApiResponse(OpenApiTypes.STR, description="CSV"),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="rows with metadata"),
            (200, "application/geo+json"): OpenApiResponse(OpenApiTypes.OBJECT, description="FeatureCollection"),
            400: OpenApiResponse(description="unknown format"),
            404: OpenApiResponse(description="no approved release"),
        },
        summary="A release's file: csv, json or geojson",
    )
    def get(self, request: Request, pk: int, fmt: str) -> HttpResponse:
        if fmt not in FORMATS:
            raise ApplicationError(f"Unknown format; one of {', '.join(FORMATS)}.", fields={"fmt": list(FORMATS)})
        release = selectors.release_get_public(pk=pk)
        if release is None:
            raise Http404
        return file_response(release, fmt)
