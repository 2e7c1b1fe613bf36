from django.urls import path

from apps.environment import views

app_name = "environment"
urlpatterns = [
    path("aqi/", views.public_aqi, name="public-aqi"),
]
