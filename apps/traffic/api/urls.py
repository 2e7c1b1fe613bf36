from django.urls import path

from apps.traffic.api import views

app_name = "traffic-api"
urlpatterns = [
    path("traffic/readings", views.TrafficReadingIngestApi.as_view(), name="reading-ingest"),
    path("traffic/sensors/", views.SensorListApi.as_view(), name="sensor-list"),
    path("traffic/segments/", views.SegmentListApi.as_view(), name="segment-list"),
    path("traffic/segments/congestion", views.SegmentCongestionApi.as_view(), name="segment-congestion"),
    path("traffic/incidents/", views.IncidentListApi.as_view(), name="incident-list"),
    path("traffic/incidents/<int:pk>/confirm", views.IncidentConfirmApi.as_view(), name="incident-confirm"),
    path("traffic/incidents/<int:pk>/clear", views.IncidentClearApi.as_view(), name="incident-clear"),
    path("traffic/incidents/<int:pk>/dismiss", views.IncidentDismissApi.as_view(), name="incident-dismiss"),
    path(
        "traffic/incidents/<int:pk>/request-verification",
        views.IncidentRequestVerificationApi.as_view(),
        name="incident-request-verification",
    ),
]
