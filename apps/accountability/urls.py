from django.urls import path

from apps.accountability import views

app_name = "accountability"
urlpatterns = [
    path("", views.panel, name="panel"),
    path("contests/", views.contest, name="contest-new"),
    path("contests/find/", views.contest_lookup, name="contest-lookup"),
    path("contests/<str:code>/", views.contest_page, name="contest"),
]
