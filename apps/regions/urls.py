from django.urls import path

from apps.regions import views

app_name = "regions"
urlpatterns = [path("", views.region_index, name="index")]
