from django.urls import path

from apps.grievances.api import views

app_name = "grievances-api"
urlpatterns = [
    path("grievances/", views.GrievanceListApi.as_view(), name="grievance-list"),
    path("grievances/<str:code>/contact", views.GrievanceContactApi.as_view(), name="grievance-contact"),
    path("public/performance", views.PerformancePublicApi.as_view(), name="performance"),
]
