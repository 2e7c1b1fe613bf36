from django.urls import path

from apps.evidence.api import views

app_name = "evidence-api"
urlpatterns = [
    path("evidence/devices", views.DeviceRegisterApi.as_view(), name="device-register"),
    path("evidence/devices/mine", views.DeviceListMineApi.as_view(), name="device-list-mine"),
    path("evidence/server-key", views.ServerKeyApi.as_view(), name="server-key"),
    path("evidence/verifier", views.VerifierApi.as_view(), name="verifier"),
]
