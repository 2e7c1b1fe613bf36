from django.urls import path

from apps.regions.api import views

app_name = "regions-api"
urlpatterns = [
    path("regions/", views.RegionListApi.as_view(), name="region-list"),
    path("regions.geojson", views.RegionGeoJsonApi.as_view(), name="region-geojson"),
    path("regions/lookup", views.RegionLookupApi.as_view(), name="region-lookup"),
    # Also with a trailing slash, like every other path here; documented once.
    path("regions/lookup/", views.RegionLookupSlashApi.as_view()),
    path("regions/<str:code>/", views.RegionDetailApi.as_view(), name="region-detail"),
]
