from django.urls import path

from tests.water import views

app_name = "water"
urlpatterns = [path("", views.water_index, name="index")]
