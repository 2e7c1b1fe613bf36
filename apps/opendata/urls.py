from django.urls import path, re_path

from apps.opendata import views

app_name = "opendata"
urlpatterns = [
    path("", views.index, name="index"),
    path("releases/", views.releases, name="releases"),
    path("releases/<int:pk>/", views.release_detail, name="release"),
    re_path(r"^releases/(?P<pk>[0-9]+)\.(?P<fmt>csv|json|geojson)$", views.release_file, name="release-file"),
    path("<slug:code>/", views.dataset_detail, name="dataset"),
    re_path(r"^(?P<code>[-a-z0-9]+)/(?P<pk>[0-9]+)\.(?P<fmt>csv|json|geojson)$", views.download, name="download"),
]
