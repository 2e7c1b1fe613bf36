from django.urls import path

from apps.evidence import views

app_name = "evidence"
urlpatterns = [
    path("devices/", views.devices, name="devices"),
    path("export/", views.export, name="export"),
]
