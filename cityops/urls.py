"""URLs: each plugin app's (one with a manifest, apps/core/plugins.py) pages (`<app>/urls.py`, under its
AppConfig's `url_prefix`, by default its label) and REST API (`<app>/api/urls.py`, under /api/v1/) are collected
here, so a new domain adds its URLs without editing this file."""

from importlib.util import find_spec

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.urls.resolvers import URLPattern, URLResolver
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core.plugins import plugin_apps


def _app_urls() -> list[URLPattern | URLResolver]:
    pages: list[URLPattern | URLResolver] = []
    api: list[URLPattern | URLResolver] = []
    for config in plugin_apps():
        if find_spec(f"{config.name}.urls"):
            pages.append(path(getattr(config, "url_prefix", f"{config.label}/"), include(f"{config.name}.urls")))
        if find_spec(f"{config.name}.api") and find_spec(f"{config.name}.api.urls"):
            api.append(path("api/v1/", include(f"{config.name}.api.urls")))
    return pages + api


urlpatterns = [
    # For signed-in staff only (SPECTACULAR_SETTINGS' SERVE_PERMISSIONS): the schema answers a visitor 403, the
    # docs send them to sign in.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script): the CSP allows no inline script.
    path("api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # The apps' URLs after the project's own, so no app's pattern can take over /admin/ or the schema.
    *_app_urls(),
]
# Uploaded media (citizens' and visit photos) are never served as files: only through the apps' views, which
# check who asks (grievances:photo, fieldwork:photo).

# A 500 caused by a service that is down (a middleware loading the session from a restarting database) is
# answered 503 with Retry-After instead (apps/core/outages.py).
handler500 = "apps.core.outages.server_error"
