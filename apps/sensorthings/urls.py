from django.urls import re_path

from apps.sensorthings import views

app_name = "sensorthings"
urlpatterns = [
    re_path(r"^$", views.StaApi.as_view(), name="root"),
    re_path(r"^(?P<resource>.+)$", views.StaApi.as_view(), name="resource"),
]
