from django.urls import path

from apps.environment.api import views

app_name = "environment-api"
urlpatterns = [
    path("environment/aqi", views.AqiCalculatorApi.as_view(), name="aqi"),
    path("environment/readings", views.ReadingIngestApi.as_view(), name="reading-ingest"),
]
