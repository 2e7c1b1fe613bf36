from django.urls import path

from apps.traffic import views

app_name = "traffic"
urlpatterns = [path("", views.traffic_index, name="index")]
