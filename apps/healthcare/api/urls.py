from django.urls import path

from apps.healthcare.api import views

app_name = "healthcare-api"
urlpatterns = [
    path("healthcare/snapshots", views.SnapshotIngestApi.as_view(), name="snapshot-ingest"),
    path("healthcare/facilities/", views.FacilityListApi.as_view(), name="facility-list"),
    path("healthcare/nearest", views.NearestCapacityApi.as_view(), name="nearest"),
]
