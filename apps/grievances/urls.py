from django.urls import path, re_path

from apps.grievances import performance_views, views
from apps.grievances.open311 import views as open311

app_name = "grievances"
urlpatterns = [
    path("grievances/", views.report, name="report"),
    path("grievances/track/", views.track, name="track"),
    path("grievances/t/<str:code>/", views.detail, name="detail"),
    path("grievances/t/<str:code>/rate", views.rate, name="rate"),
    path("grievances/t/<str:code>/reopen", views.reopen, name="reopen"),
    path("grievances/photos/<str:key>.jpg", views.photo, name="photo"),
    # 接诉即办 rates, claimed and verified, for everyone; the callback desk of the independent checks
    path("public/performance/", performance_views.performance, name="performance"),
    path("grievances/checks/", performance_views.callbacks, name="callbacks"),
    path("grievances/checks/<int:pk>/", performance_views.callback, name="callback"),
    path("grievances/checks/<int:pk>/contact", performance_views.callback_contact, name="callback-contact"),
    path("grievances/workbench/", views.workbench, name="workbench"),
    path("grievances/workbench/new/", views.hotline, name="hotline"),
    path("grievances/workbench/export.csv", views.workbench_export, name="workbench-export"),
    path("grievances/workbench/n/<int:pk>/", views.workbench_by_number, name="workbench-number"),
    path("grievances/workbench/<str:code>/", views.workbench_detail, name="workbench-detail"),
    path("grievances/workbench/<str:code>/contact", views.workbench_contact, name="workbench-contact"),
    path("grievances/workbench/<str:code>/<str:action>", views.workbench_action, name="workbench-action"),
    # Open311 GeoReport v2
    path("open311/v2/", open311.root, name="open311-root"),
    re_path(r"^open311/v2/discovery\.(?P<fmt>xml|json)$", open311.discovery, name="open311-discovery"),
    re_path(r"^open311/v2/services\.(?P<fmt>xml|json)$", open311.services, name="open311-services"),
    re_path(r"^open311/v2/services/(?P<service_code>[^/]+)\.(?P<fmt>xml|json)$", open311.service_definition,
            name="open311-service"),
    re_path(r"^open311/v2/requests\.(?P<fmt>xml|json)$", open311.requests_view, name="open311-requests"),
    re_path(r"^open311/v2/requests/(?P<service_request_id>[^/]+)\.(?P<fmt>xml|json)$", open311.request_detail,
            name="open311-request"),
    re_path(r"^open311/v2/tokens/(?P<token>[^/]+)\.(?P<fmt>xml|json)$", open311.token_detail, name="open311-token"),
]  # fmt: skip
