from django.urls import path

from apps.accountability.api import views

app_name = "accountability-api"
urlpatterns = [
    path("public/status", views.StatusApi.as_view(), name="status"),
    path("public/contests", views.ContestListApi.as_view(), name="contest-list"),
    path("public/contests/<str:code>", views.ContestDetailApi.as_view(), name="contest-detail"),
]
