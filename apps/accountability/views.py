"""The public truth panel (/public/), a contest's page, and taking a contest from a form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from apps.accountability.forms import ContestForm, ContestLookupForm
from apps.accountability.selectors import contest_by_code, contest_public, panel_region, public_status
from apps.accountability.services import ContestInput, contest_submit
from apps.core.clients import client_key, rate_limited
from apps.core.errors import ApplicationError
from apps.core.forms import form_apply_errors

# What an officer found about a published figure: "confirmed" means the figure matched the place (the citizens'
# contest was not borne out), "contradicted" that it was wrong there.
VERDICT_WORDS = {
    "confirmed": gettext_lazy("the figure matched the place"),
    "partly": gettext_lazy("the figure was partly wrong"),
    "contradicted": gettext_lazy("the figure was wrong here"),
    "could_not_verify": gettext_lazy("could not be told on site"),
}
# About a resolution: "confirmed" means it was fixed.
RESOLUTION_WORDS = {
    "confirmed": gettext_lazy("fixed"),
    "contradicted": gettext_lazy("not fixed"),
}


@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    return _panel(request)


def _panel(request: HttpRequest, *, form: ContestForm | None = None, status: int = 200) -> HttpResponse:
    code = request.GET.get("region") or (form.data.get("region") if form is not None else None)
    region = panel_region(code)
    if region is None and form is not None:
        region = panel_region(None)  # a refused form about an unknown place: its errors on the city's panel
    if region is None:
        raise Http404(_("no such region"))
    data = public_status(region=region)
    for metric in [*data["metrics"], *(m for child in data["children"] for m in child["metrics"])]:
        metric["verdict_text"] = VERDICT_WORDS.get(metric["last_verdict"] or "", "")
    return render(
        request,
        "accountability/panel.html",
        {
            "status": data,
            "form": form,
            "open_indicator": form.data.get("indicator") if form is not None else None,
            "k": settings.CITYOPS_OPEN_DATA_K,
            "lookup": ContestLookupForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def contest(request: HttpRequest) -> HttpResponse:
    """A contest from a form: of a figure on the panel, or of a resolution on the tracking page. A GET here (the
    language switched on a refused form's page) goes to the panel."""
    if request.method == "GET":
        return redirect("accountability:panel")
    form = ContestForm(request.POST)
    status = 400
    if rate_limited(request, action="accountability.contest", limit=settings.CITYOPS_CONTESTS_PER_HOUR,
                    window_seconds=3600):  # fmt: skip
        form.add_error(None, _("Too many contests from this connection in an hour. Please try again later."))
        status = 429
    elif form.is_valid() and form.cleaned_data["website"]:
        form.add_error(None, _("The contest could not be taken."))  # a bot filled the hidden field
    elif form.is_valid():
        data = form.cleaned_data
        sender = client_key(request, purpose="accountability.contest")
        try:
            taken = contest_submit(data=ContestInput(text=data["text"], indicator=data["indicator"],
                                                     region=data["region"], report_code=data["report_code"],
                                                     contact=data["contact"],
                                                     client=sender))  # fmt: skip
            return redirect(f"{reverse('accountability:contest', args=[taken.code])}?new=1")
        except ApplicationError as exc:
            form_apply_errors(form, exc, aliases={"lat": "region", "lon": "region"})
    if form.data.get("report_code"):
        return _report_page_with(request, form, status)
    return _panel(request, form=form, status=status)


def _report_page_with(request: HttpRequest, form: ContestForm, status: int) -> HttpResponse:
    from apps.grievances.views import detail

    try:
        return detail(request, form.data.get("report_code", ""), contest_form=form, status=status)
    except Http404:  # no such report: the errors on the panel, with what was typed
        return _panel(request, form=form, status=status)


LOOKUPS_PER_MINUTE = 60  # a contest's page by its code: enough for a person, slow for guessing codes


def _guessing(request: HttpRequest) -> bool:
    return rate_limited(request, action="accountability.lookup", limit=LOOKUPS_PER_MINUTE, window_seconds=60)


@require_http_methods(["GET"])
def contest_page(request: HttpRequest, code: str) -> HttpResponse:
    if _guessing(request):
        return HttpResponse(_("Too many requests from this connection. Please try again in a minute."), status=429,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    found = contest_by_code(code)
    if found is None:
        raise Http404(_("no contest with this code"))
    shown: dict[str, Any] = contest_public(found)
    return render(
        request,
        "accountability/contest.html",
        {
            "contest": shown,
            "verdict_text": (RESOLUTION_WORDS if shown["kind"] == "resolution" else VERDICT_WORDS).get(
                shown["verdict"] or "", ""
            ),
            "submitted": found.created_at,
            "new": request.GET.get("new") == "1",
        },  # fmt: skip
    )


@require_GET
def contest_lookup(request: HttpRequest) -> HttpResponse:
    if _guessing(request):
        return HttpResponse(_("Too many requests from this connection. Please try again in a minute."), status=429,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    form = ContestLookupForm(request.GET)
    found = contest_by_code(form.cleaned_data["code"]) if form.is_valid() else None
    if found is not None:
        return redirect("accountability:contest", code=found.code)
    return redirect(f"{reverse('accountability:panel')}?unknown=1")
