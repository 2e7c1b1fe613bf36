from django.urls import path

from apps.deadlines.api import views

app_name = "deadlines-api"
urlpatterns = [
    path("calendar/<int:year>", views.CalendarYearApi.as_view(), name="calendar-year"),
]
