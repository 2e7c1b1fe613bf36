from django.urls import path

from apps.fieldwork import views

app_name = "fieldwork"
urlpatterns = [
    path("", views.field_app, name="app"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("review/", views.review_queue, name="review"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("photos/<str:key>.jpg", views.visit_photo, name="photo"),
]
