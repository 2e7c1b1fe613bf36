from django.urls import path

from apps.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.centre, name="centre"),
    path("read-all/", views.mark_all_read, name="read-all"),
    path("settings/", views.preferences, name="preferences"),
    path("<int:pk>/read/", views.mark_read, name="read"),
]
