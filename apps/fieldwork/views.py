"""The field app: one page that works without signal (a service worker keeps it, IndexedDB keeps the visits
waiting to upload), and its service worker, served from /field/ so its scope covers the app."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.decorators import permission_required
from apps.fieldwork.models import Finding
from apps.regions.models import Region
from apps.regions.svg import regions_map_svg


@permission_required("fieldwork.add_visit")
def field_app(request: HttpRequest) -> HttpResponse:
    city = Region.objects.filter(level=Region.Level.CITY).order_by("code").first()
    parts = [(d.code, d.name, d.geometry) for d in Region.objects.filter(parent=city).order_by("code")] if city else []
    return render(
        request,
        "fieldwork/app.html",
        {
            "map": regions_map_svg(city.geometry, parts, size=400) if city else "",
            "strings": {
                "waiting": _("%(count)s visits waiting to upload"),
                "synced": _("All synced %(time)s"),
                "never": _("Nothing uploaded yet"),
                "offline": _("Offline: visits are kept on this phone and sent when the signal returns."),
                "failed": _("Refused by the server: %(reason)s"),
                "locating": _("Finding your position…"),
                "located": _("Position within %(metres)s m"),
                "no_position": _("No position: go outside or wait, then try again."),
                "saved": _("Saved on this phone."),
                "no_assignments": _("No assignments for you now."),
                "due": _("due %(time)s"),
                "free_visit": _("A visit without an assignment"),
                "verdicts": dict(Finding.Verdict.choices),
            },
        },
    )


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    path = finders.find("js/fieldwork/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/field/"
    return response
