from django.urls import path

from apps.healthcare import views

app_name = "healthcare"
urlpatterns = [
    path("", views.healthcare_index, name="index"),
]
