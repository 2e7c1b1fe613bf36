from django.urls import path

from apps.environment.api import views

app_name = "environment-api"
urlpatterns = [
    path("environment/aqi", views.AqiCalculatorApi.as_view(), name="aqi"),
]
