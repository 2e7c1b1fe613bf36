from django.urls import path

from apps.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
    path("classification/", views.classification, name="classification"),
    path("audit/", views.audit, name="audit"),
]
