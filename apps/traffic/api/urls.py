from django.urls import path

from apps.traffic.api import views

app_name = "traffic-api"
urlpatterns = [path("traffic/readings", views.TrafficReadingIngestApi.as_view(), name="reading-ingest")]
