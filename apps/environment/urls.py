from django.urls import path

from apps.environment import views

app_name = "environment"
urlpatterns = [
    path("", views.environment_index, name="index"),
    path("aqi/", views.public_aqi, name="public-aqi"),
]
