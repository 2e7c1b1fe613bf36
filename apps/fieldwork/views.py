"""The field app: one page that works without signal (a service worker keeps it, IndexedDB keeps the visits
waiting to upload), and its service worker, served from /field/ so its scope covers the app."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.core.decorators import permission_required
from apps.core.text import parse_id
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


@permission_required("fieldwork.review_visit")
def review_queue(request: HttpRequest) -> HttpResponse:
    """Flagged visits waiting for a supervisor, oldest first, each with its flags' evidence; and below, what the
    officers' visits found (outcomes — never counts of visits or photos)."""
    from django.shortcuts import redirect

    from apps.core.errors import ApplicationError
    from apps.fieldwork.models import Visit
    from apps.fieldwork.selectors import officer_outcomes
    from apps.fieldwork.services import visit_review

    error = ""
    if request.method == "POST":
        visit = Visit.objects.filter(pk=parse_id(request.POST.get("visit")), status=Visit.Status.REVIEW).first()
        if visit is None:
            error = _("That visit is not waiting for review.")
        else:
            try:
                visit_review(visit=visit, supervisor=request.user, accept=request.POST.get("decision") == "accept",
                             reason=request.POST.get("reason", ""))  # fmt: skip
                return redirect("fieldwork:review")
            except ApplicationError as exc:
                error = exc.message
    waiting = (
        Visit.objects.filter(status=Visit.Status.REVIEW)
        .select_related("officer", "assignment", "region")
        .prefetch_related("flags", "findings", "photos")
        .order_by("received_at")
    )
    return render(
        request,
        "fieldwork/review.html",
        {"waiting": waiting, "error": error, "outcomes": officer_outcomes()},
        status=400 if error else 200,
    )


@permission_required("fieldwork.review_visit")
def visit_photo(request: HttpRequest, key: str) -> HttpResponse:
    from django.http import FileResponse

    from apps.fieldwork.models import VisitPhoto

    photo = VisitPhoto.objects.filter(key=key).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
