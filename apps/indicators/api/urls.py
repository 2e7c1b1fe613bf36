from django.urls import path

from apps.indicators.api import views

app_name = "indicators-api"
urlpatterns = [
    path("indicators/", views.IndicatorListApi.as_view(), name="indicator-list"),
    path("indicators/<str:code>/series", views.IndicatorSeriesApi.as_view(), name="indicator-series"),
    path("indicators/<str:code>/latest", views.IndicatorLatestApi.as_view(), name="indicator-latest"),
    path("alerts/", views.AlertListApi.as_view(), name="alert-list"),
    path("alerts/<int:pk>/", views.AlertDetailApi.as_view(), name="alert-detail"),
    path("alerts/<int:pk>/acknowledge", views.AlertAcknowledgeApi.as_view(), name="alert-acknowledge"),
    path(
        "alerts/<int:pk>/request-verification",
        views.AlertRequestVerificationApi.as_view(),
        name="alert-request-verification",
    ),
    path("alerts/<int:pk>/resolve", views.AlertResolveApi.as_view(), name="alert-resolve"),
]
