from django.urls import path

from apps.opendata.api import views

app_name = "opendata-api"
urlpatterns = [
    path("open-data/datasets", views.DatasetListApi.as_view(), name="dataset-list"),
    path("open-data/datasets/<slug:code>", views.DatasetDetailApi.as_view(), name="dataset-detail"),
    path("open-data/datasets/<slug:code>/releases", views.DatasetReleaseListApi.as_view(), name="release-list"),
    path("open-data/releases/<int:pk>", views.ReleaseDetailApi.as_view(), name="release-detail"),
    path("open-data/releases/<int:pk>/files/<str:fmt>", views.ReleaseFileApi.as_view(), name="release-file"),
]
