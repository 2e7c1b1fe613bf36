from django.urls import path

from tests.water.api import views

app_name = "water-api"
urlpatterns = [path("water/readings", views.ReadingIngestApi.as_view(), name="reading-ingest")]
