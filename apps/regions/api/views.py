from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.api_views import default_paginator
from apps.core.throttling import PUBLIC_THROTTLES
from apps.regions import selectors
from apps.regions.api.serializers import (
    RegionListFilterSerializer,
    RegionLookupInputSerializer,
    RegionOutputSerializer,
)


class _PublicRegionApi(APIView):
    """Administrative boundaries are public reference data: the citizen portal's map uses them too."""

    permission_classes = [AllowAny]
    throttle_classes = PUBLIC_THROTTLES
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS  # drf-spectacular documents the paged response by it


class RegionListApi(_PublicRegionApi):
    @extend_schema(parameters=[RegionListFilterSerializer], responses=RegionOutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        filters = RegionListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        regions = selectors.region_list(
            level=filters.validated_data.get("level"), parent_code=filters.validated_data.get("parent")
        )
        paginator = default_paginator()
        page = paginator.paginate_queryset(regions, request, view=self)
        return paginator.get_paginated_response(RegionOutputSerializer(page, many=True).data)


class RegionDetailApi(_PublicRegionApi):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="The region as a GeoJSON Feature.")
    def get(self, request: Request, code: str) -> Response:
        region = selectors.region_get(code=code)
        if region is None:
            raise Http404
        return Response(selectors.region_feature(region), content_type="application/geo+json")


class RegionGeoJsonApi(_PublicRegionApi):
    @extend_schema(
        parameters=[RegionListFilterSerializer],
        responses={200: OpenApiTypes.OBJECT},
        description="A GeoJSON FeatureCollection of simplified boundaries for maps.",
    )
    def get(self, request: Request) -> Response:
        filters = RegionListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        collection = selectors.region_feature_collection(
            level=filters.validated_data.get("level"), parent_code=filters.validated_data.get("parent")
        )
        return Response(collection, content_type="application/geo+json")


class RegionLookupApi(_PublicRegionApi):
    @extend_schema(
        parameters=[RegionLookupInputSerializer],
        responses={
            200: RegionOutputSerializer,
            404: OpenApiResponse(description="no region contains the point"),
        },
        description="The deepest region containing the point (WGS84), with its ancestors.",
    )
    def get(self, request: Request) -> Response:
        point = RegionLookupInputSerializer(data=request.query_params)
        point.is_valid(raise_exception=True)
        region = selectors.region_for_point(lon=point.validated_data["lon"], lat=point.validated_data["lat"])
        if region is None:
            return Response({"detail": "No region contains this point."}, status=404)
        body = RegionOutputSerializer(region).data
        body["ancestors"] = RegionOutputSerializer(selectors.region_ancestors(region=region), many=True).data
        return Response(body)


@extend_schema_view(get=extend_schema(exclude=True))
class RegionLookupSlashApi(RegionLookupApi):
    """The same lookup at regions/lookup/ (documented once, at regions/lookup)."""
