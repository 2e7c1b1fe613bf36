from django.urls import path

from apps.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("", views.field_app, name="app"),
    path("sw.js", views.service_worker, name="service-worker"),
]
