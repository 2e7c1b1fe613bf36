from django.urls import path

from apps.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("wall/", views.wall, name="wall"),
    path("regions/", views.region_index, name="region-index"),
    path("regions/<str:code>/", views.region_page, name="region"),
]
