from django.urls import path

from apps.regions import views

app_name = "regions"
urlpatterns = [
    path("maps/style.json", views.style, name="basemap-style"),
    path("maps/features.geojson", views.features, name="basemap-features"),
    path("maps/search", views.search, name="basemap-search"),
    path("maps/tiles/<str:z>/<str:x>/<str:y>", views.tile, name="basemap-tile"),
]
