from django.urls import path

from apps.warnings.api import views

app_name = "warnings-api"
urlpatterns = [
    path("warnings/<int:pk>/approve", views.PublicWarningApproveApi.as_view(), name="publicwarning-approve"),
]
