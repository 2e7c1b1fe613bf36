"""The citizen portal (no sign-in, phone first) and the department workbench."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.selectors import user_assigned_region_ids, user_home_region
from apps.core.audit import log_action, purpose_masked
from apps.core.classification import label_for, mask_text, masked_fields, may_reveal, reveal_fields
from apps.core.clients import client_address, rate_limited
from apps.core.decorators import permission_required
from apps.core.errors import ApplicationError
from apps.core.forms import form_apply_errors
from apps.core.i18n import localized
from apps.core.photos import Photo
from apps.core.text import clean_text
from apps.deadlines.selectors import deadline_view, deadlines_for
from apps.grievances.forms import RateForm, ReopenForm, ReportForm, TrackForm, WorkbenchActionForm
from apps.grievances.models import Category, CategoryAttribute, Grievance, GrievanceEvent, GrievancePhoto
from apps.grievances.selectors import (
    DUE_SOON_SHARE,
    NEARBY_RADIUS_M,
    NearbyReport,
    category_stats,
    description_first_line,
    grievance_for_user,
    grievance_public,
    grievance_urgency,
    grievances_for_user,
    grievances_nearby,
    public_reports,
    public_timeline,
    region_chain,
    tracking_code_normalize,
)
from apps.grievances.services import (
    MAX_PHOTO_BYTES,
    WORKFLOW,
    RatingContext,
    duplicates_suggest,
    grievance_assign,
    grievance_citizen_answered,
    grievance_escalate,
    grievance_merge,
    grievance_rate,
    grievance_reopen,
    grievance_reply,
    grievance_submit,
    grievance_transition,
    grievance_wait_for_citizen,
)
from apps.regions.models import Region

FIELD_OF = {"location": "address", "attribute": "category"}


def _over_limit(request: HttpRequest, action: str, per_hour: int) -> bool:
    return rate_limited(request, action=f"grievances.{action}", limit=per_hour, window_seconds=3600)


_normalize = tracking_code_normalize


def _area(request: HttpRequest, *, citizen: bool) -> Region | None:
    """What the pin map first shows: the whole city for citizens and for a department-wide hotline desk, a
    desk's own region when it is narrowed to regions."""
    if citizen or user_assigned_region_ids(user=request.user) is None:
        return Region.objects.filter(parent=None).order_by("code").first()
    return user_home_region(user=request.user)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("name", "phone", "email")
def report(request: HttpRequest) -> HttpResponse:
    """A citizen's report: no sign-in, rate-limited, with a honeypot."""
    return _take_report(request, channel=Grievance.Channel.WEB)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("name", "phone", "email")
@permission_required("grievances.handle_grievance")
def hotline(request: HttpRequest) -> HttpResponse:
    """A call to the 12345 hotline, typed in by staff while the caller is on the line."""
    return _take_report(request, channel=Grievance.Channel.HOTLINE)


def _take_report(request: HttpRequest, *, channel: str) -> HttpResponse:
    categories = list(Category.objects.filter(active=True).prefetch_related("attributes").order_by("order", "code"))
    form = ReportForm(request.POST or None, request.FILES or None)
    status = 200
    citizen = channel == Grievance.Channel.WEB
    if request.method == "POST":
        if citizen and _over_limit(request, "report", settings.CITYOPS_GRIEVANCE_REPORTS_PER_HOUR):
            form.add_error(None, _("Too many reports from this connection in an hour. Please try again later."))
            status = 429
        elif citizen and form.is_valid() and form.cleaned_data["website"]:
            form.add_error(None, _("The report could not be taken."))  # a bot filled the hidden field
            status = 400
        elif form.is_valid():
            data = form.cleaned_data
            category = next(c for c in categories if c.code == data["category"])
            answers = {
                a.code: request.POST.getlist(f"attribute[{a.code}]") if a.datatype == "multivaluelist"
                else request.POST.get(f"attribute[{a.code}]", "")
                for a in category.attributes.all()
            }  # fmt: skip
            upload = data.get("photo")
            photos = [Photo(upload.name, upload.read(MAX_PHOTO_BYTES + 1))] if upload else []
            try:
                grievance = grievance_submit(
                    channel=channel, category=category, description=data["description"],
                    lon=data["lon"], lat=data["lat"], address=data["address"], reporter_name=data["name"],
                    reporter_phone=data["phone"], reporter_email=data["email"], attributes=answers, photos=photos,
                    actor=None if citizen else request.user,
                )  # fmt: skip
            except ApplicationError as exc:
                form_apply_errors(form, exc, aliases=FIELD_OF)
                status = 400
            else:
                return redirect(f"{grievance_url(grievance)}?new=1")
        else:
            status = 400
    return render(
        request,
        "grievances/report.html",
        {
            "form": form,
            "categories": categories,
            "area": _area(request, citizen=citizen),
            "posted": request.POST,
            "hotline": not citizen,
            "strings": {
                "pinned": _("Pinned at %(where)s"),
                "within": _("(within about %(metres)s m)"),
                "locating": _("Locating…"),
                "no_device": _("This device cannot tell its location: tap the map or give the address."),
                "no_fix": _("No location: tap the map or give the address."),
            },
        },
        status=status,
    )


def grievance_url(grievance: Grievance) -> str:
    return f"/grievances/t/{grievance.tracking_code}/"


def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    if form.is_valid():
        code = _normalize(form.cleaned_data["code"])
        if Grievance.objects.filter(tracking_code=code).exists():
            return redirect(f"/grievances/t/{code}/")
        form.add_error("code", _("No report has this code. Check it and try again."))
    return render(request, "grievances/track.html", {"form": form}, status=404 if form.errors else 200)


def _public(code: str) -> Grievance:
    grievance = public_reports().select_related("merged_into").filter(tracking_code=_normalize(code)).first()
    if grievance is None:
        raise Http404(_("No report has this code."))
    return grievance


def detail(request: HttpRequest, code: str, *, rate_form: Any = None, reopen_form: Any = None,
           contest_form: Any = None, status: int = 200) -> HttpResponse:  # fmt: skip
    grievance = _public(code)
    reopen_until = grievance.resolved_at + timedelta(days=settings.CITYOPS_GRIEVANCE_REOPEN_DAYS) if (
        grievance.resolved_at) else None  # fmt: skip
    return render(
        request,
        "grievances/detail.html",
        {
            # The page shows the report's public form only; the code is the one the visitor gave.
            "code": grievance.tracking_code,
            "report": grievance_public(grievance),
            "events": public_timeline(grievance),
            # the department asked the reporter something and waits (its clock stopped) for the answer
            "asked": deadline_view(subject="grievance", obj=grievance) if grievance.is_open else None,
            "photos": grievance.photos.filter(public=True),
            "new": request.GET.get("new") == "1",
            # an excluded rating (not independent) leaves the citizen their own
            "can_rate": grievance.status in ("resolved", "closed")
            and (grievance.satisfaction is None or bool(grievance.rating_excluded)),
            "can_reopen": reopen_until is not None and timezone.now() <= reopen_until,
            "reopen_until": reopen_until,
            "rate_form": rate_form or RateForm(),
            "reopen_form": reopen_form or ReopenForm(),
            # a resolution the citizen (or anyone) says does not hold: contested at /public/ (apps/accountability)
            "contest_form": contest_form,
        },
        status=status,
    )


def rating_context(request: HttpRequest) -> RatingContext:
    """Where a rating comes from. Any signed-in session is a staff session: the city's accounts are all staff
    (citizens report, follow and rate without one), so a rating from one is not the citizen's own."""
    return RatingContext(staff_session=request.user.is_authenticated, address=client_address(request))


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    grievance = _public(code)
    form = RateForm(request.POST)
    if _over_limit(request, "rate", 30):
        form.add_error(None, _("Too many attempts from this connection. Please try again later."))
        return detail(request, code, rate_form=form, status=429)
    if form.is_valid():
        try:
            grievance_rate(grievance=grievance, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"],
                           context=rating_context(request))  # fmt: skip
            return redirect(grievance_url(grievance))
        except ApplicationError as exc:
            form_apply_errors(form, exc)
    return detail(request, code, rate_form=form, status=400)


@require_POST
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    grievance = _public(code)
    form = ReopenForm(request.POST)
    if _over_limit(request, "reopen", 10):
        form.add_error(None, _("Too many attempts from this connection. Please try again later."))
        return detail(request, code, reopen_form=form, status=429)
    if form.is_valid():
        try:
            grievance_reopen(grievance=grievance, reason=form.cleaned_data["reason"])
            return redirect(grievance_url(grievance))
        except ApplicationError as exc:
            form_apply_errors(form, exc)
    return detail(request, code, reopen_form=form, status=400)


def photo(request: HttpRequest, key: str) -> FileResponse:
    """A photo: public ones for anyone, others for the staff handling the report."""
    found = GrievancePhoto.objects.select_related("grievance").filter(key=key).first()
    if found is None:
        raise Http404
    if not found.public and grievance_for_user(user=request.user, code=found.grievance.tracking_code) is None:
        raise Http404
    response = FileResponse(found.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400" if found.public else "private, no-store"
    return response


# --- Workbench ----------------------------------------------------------------------------------------------


def _workbench_rows(request: HttpRequest) -> dict[str, Any]:
    """The inbox as filtered by the query string (state, category, district, code), and its whole scope."""
    rows = grievances_for_user(user=request.user)
    now = timezone.now()
    state = request.GET.get("state", "open")
    if state == "open":
        rows = rows.filter(status__in=Grievance.OPEN)
    elif state == "overdue":
        rows = rows.filter(status__in=Grievance.OPEN, due_at__lt=now)
    elif state == "mine":
        mine = cast(User, request.user)  # the workbench's views require a permission: signed in
        rows = rows.filter(status__in=Grievance.OPEN, assigned_to=mine)
    scope = rows
    category = request.GET.get("category", "")
    if category:
        rows = rows.filter(category__code=category)
    district = _workbench_districts(request.user).filter(code=request.GET.get("region", "")).first()
    if district is not None:
        rows = rows.filter(region__path__startswith=district.path)
    code = request.GET.get("q", "").strip()
    if code:
        rows = rows.filter(tracking_code__icontains=code.upper())
    return {"rows": rows.order_by("due_at", "created_at"), "scope": scope, "now": now, "state": state,
            "category": category, "district": district, "q": code}  # fmt: skip


def _workbench_districts(user: Any) -> Any:
    """The districts to filter the inbox by: those the user is narrowed to, or every one for a department-wide desk."""
    districts = Region.objects.filter(level=Region.Level.DISTRICT).order_by("code")
    narrowed = user_assigned_region_ids(user=user)
    return districts if narrowed is None else districts.filter(id__in=narrowed)


def _inbox_rows(rows: Any, *, now: Any) -> list[Grievance]:
    """The first 200 rows, each with its description's first line (masked) and how urgent it is, in words."""
    shown = list(rows[:200])
    clocks = deadlines_for(subject="grievance", ids=[g.pk for g in shown])
    for g in shown:
        g.deadline = clocks.get(g.pk)
        g.first_line = description_first_line(g.description)
        g.urgency = grievance_urgency(g, now=now)  # a report waiting for its citizen has no due time: neither
        g.due_note = _due_note(g, urgency=g.urgency, now=now)
    return shown


def _due_note(grievance: Grievance, *, urgency: str, now: Any) -> str:
    if urgency == "overdue":
        return _("overdue by %(span)s") % {"span": _span(now - grievance.due_at)}
    if urgency == "due_soon":
        return _("%(span)s left") % {"span": _span(grievance.due_at - now)}
    return ""


def _span(delta: timedelta) -> str:
    """A stretch of time as a desk says it: minutes up to two hours, then hours, from two days on days."""
    minutes = max(round(delta.total_seconds() / 60), 0)
    if minutes < 120:
        return pgettext("duration", "%(n)s min") % {"n": minutes}
    if minutes < 48 * 60:
        return ngettext("%(n)s hour", "%(n)s hours", round(minutes / 60)) % {"n": round(minutes / 60)}
    return ngettext("%(n)s day", "%(n)s days", round(minutes / 1440)) % {"n": round(minutes / 1440)}


@permission_required("grievances.handle_grievance")
def workbench(request: HttpRequest) -> HttpResponse:
    found = _workbench_rows(request)
    rows, scope, district, now = found["rows"], found["scope"], found["district"], found["now"]
    return render(
        request,
        "grievances/workbench.html",
        {
            **found,
            "rows": _inbox_rows(rows, now=now),
            "due_soon_percent": round(DUE_SOON_SHARE * 100),
            "total": rows.count(),
            "categories": Category.objects.filter(active=True),
            "districts": _workbench_districts(request.user),
            "stats": category_stats(
                scope if district is None else scope.filter(region__path__startswith=district.path), now=now
            ),
            "may_reveal": _may_read_contact(request.user),
            "purposes": contact_purposes(),
            "export_query": request.GET.urlencode(),
        },
    )


EXPORT_LIMIT = 5000


def _spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet program would run as a formula (a name typed as "=HYPERLINK(…)") is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_http_methods(["GET", "POST"])
@permission_required("grievances.handle_grievance")
def workbench_export(request: HttpRequest) -> HttpResponse:
    """The filtered inbox as CSV (UTF-8 with BOM, for spreadsheet programs). GET: the reporter's contact
    masked. POST with a purpose (and the permission to read contacts): in clear, the export logged with its
    purpose and the reports it contains."""
    import csv

    found = _workbench_rows(request)
    rows = list(found["rows"].select_related("category", "department", "region")[:EXPORT_LIMIT])
    clear = False
    if request.method == "POST":
        if not _may_read_contact(request.user):
            raise PermissionDenied
        purpose = _stated_purpose(request)
        if not purpose:
            return HttpResponse(_("Say why the export needs the reporters' contacts."), status=400,
                                content_type="text/plain; charset=utf-8")  # fmt: skip
        log_action(None, "grievances.grievance.export_personal", user=request.user,
                   data={"fields": CONTACT, "purpose": purpose_masked(purpose), "count": len(rows),
                         "records": [g.pk for g in rows]})  # fmt: skip
        clear = True
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="grievances.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    out = csv.writer(response)
    out.writerow(["number", "tracking_code", "category", "department", "region", "status", "priority", "created_at",
                  "due_at", "resolved_at", "satisfaction", *CONTACT])  # fmt: skip
    for g in rows:
        contact = {n: getattr(g, n) for n in CONTACT} if clear else masked_fields(g, CONTACT)
        cells = [g.pk, g.tracking_code, g.category.code, g.department.code if g.department else "",
                 g.region.code if g.region else "", g.status, g.priority, g.created_at.isoformat(),
                 g.due_at.isoformat() if g.due_at else "", g.resolved_at.isoformat() if g.resolved_at else "",
                 g.satisfaction or "", *(contact[n] for n in CONTACT)]  # fmt: skip
        out.writerow([_spreadsheet_safe(cell) for cell in cells])
    return response


def _staff_grievance(request: HttpRequest, code: str) -> Grievance:
    grievance = grievance_for_user(user=request.user, code=_normalize(code))
    if grievance is None:
        raise Http404(_("No report with this code in your department and regions."))
    return grievance


CONTACT = ["reporter_name", "reporter_phone", "reporter_email"]


def contact_purposes() -> list[tuple[str, str]]:
    return [
        ("callback", _("Call the reporter back about the report")),
        ("clarify", _("Ask for details the report lacks (place, time)")),
        ("outcome", _("Tell the reporter the outcome")),
        ("other", _("Another reason (say which)")),
    ]


def _may_read_contact(user: Any) -> bool:
    return all(may_reveal(user, label_for(Grievance, n)) for n in CONTACT)


def _stated_purpose(request: HttpRequest) -> str:
    """The purpose chosen in a contact form ("callback", "other: …"); "" when none was properly given."""
    choice, detail = request.POST.get("purpose", ""), clean_text(request.POST.get("detail", ""))[:150]
    if choice not in dict(contact_purposes()) or (choice == "other" and not detail):
        return ""
    return f"{choice}: {detail}" if detail else choice


@permission_required("grievances.handle_grievance")
def workbench_by_number(request: HttpRequest, pk: int) -> HttpResponse:
    """A report by its number, for links that leave the page (notifications, e-mail): they name no tracking code,
    the citizen's key. Scoped as the workbench; 404 outside it."""
    grievance = grievances_for_user(user=request.user).filter(pk=pk).first()
    if grievance is None:
        raise Http404(_("No report with this code in your department and regions."))
    return redirect(f"/grievances/workbench/{grievance.tracking_code}/")


@permission_required("grievances.handle_grievance")
def workbench_detail(
    request: HttpRequest,
    code: str,
    *,
    error: str = "",
    status: int = 200,
    revealed: dict[str, Any] | None = None,
    typed: dict[str, str] | None = None,
) -> HttpResponse:
    """A report for the department. The reporter's contact is masked (张* · 138****1234); staff allowed to read
    it ask with a purpose, and each reading is logged (`contact` below)."""
    grievance = _staff_grievance(request, code)
    now = timezone.now()
    nearby = grievances_nearby(grievance=grievance, user=request.user, now=now)
    colleagues = (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__departments=grievance.department_id)
        .order_by("username")
    )
    response = render(
        request,
        "grievances/workbench_detail.html",
        {
            "g": grievance,
            "place": region_chain(grievance.region),
            **_citizens_words(grievance, clear=revealed is not None),
            "photos": grievance.photos.all(),
            "duplicates": (
                duplicates_suggest(grievance=grievance, scope=grievances_for_user(user=request.user))
                if grievance.is_open
                else []
            ),
            "colleagues": colleagues,
            "contact": revealed or masked_fields(grievance, CONTACT),
            "revealed": revealed is not None,
            # what was typed into the form whose action was refused, shown again in it
            "typed": typed or {},
            "may_reveal": _may_read_contact(request.user),
            "purposes": contact_purposes(),
            "has_contact": bool(grievance.reporter_name or grievance.reporter_phone or grievance.reporter_email),
            "error": error,
            "now": now,
            "nearby": nearby,
            "nearby_radius_m": NEARBY_RADIUS_M,
            "map_data": _report_map(grievance, nearby),
            "deadline": deadline_view(subject="grievance", obj=grievance),
            "can_reject": grievance.status in WORKFLOW.transitions["reject"][0],
            "can_close": grievance.status in WORKFLOW.transitions["close"][0],
        },
        status=status,
    )
    if revealed is not None:
        response["Cache-Control"] = "private, no-store"
    return response


def _report_map(grievance: Grievance, nearby: list[NearbyReport]) -> dict[str, Any] | None:
    """What the report page's map shows (static/js/grievances/workbench_detail.js): the report's place and the
    open reports near it, by code, category and status only."""
    if grievance.lon is None or grievance.lat is None:
        return None
    markers = [
        {"lon": n.lon, "lat": n.lat, "code": n.code, "label": f"{n.category} · {n.status_display}"} for n in nearby
    ]
    strings = {"this_report": _("This report"), "map_label": _("Map of the report's place and open reports nearby")}
    return {
        "lon": grievance.lon,
        "lat": grievance.lat,
        "radius_m": NEARBY_RADIUS_M,
        "nearby": markers,
        "strings": strings,
    }


# What a citizen wrote on the timeline (the department's replies, notes and status changes are its own).
CITIZENS_EVENTS = (GrievanceEvent.Kind.RATED, GrievanceEvent.Kind.REOPENED)


def _citizens_words(grievance: Grievance, *, clear: bool) -> dict[str, Any]:
    """The description, the answers to the category's questions and the timeline, for the workbench. A number or
    e-mail a citizen wrote into any of them is as personal as the contact fields: masked, in clear only with
    the contact, read for a stated purpose (logged)."""

    def shown(text: str) -> str:
        return text if clear else mask_text(text)

    answers = [(a, grievance.attributes.get(a.code)) for a in grievance.category.attributes.all()]
    events = grievance.events.select_related("actor").order_by("created_at", "id")
    return {
        "description": shown(grievance.description),
        "answers": [(a, shown(_answer_text(a, v))) for a, v in answers if v not in (None, "", [])],
        "events": [(e, shown(e.message) if e.kind in CITIZENS_EVENTS else e.message) for e in events],
    }


def _answer_text(attribute: CategoryAttribute, value: Any) -> str:
    """An answer as the page's language reads it: a choice by its name ("大"), not the key stored ("large")."""
    names = {str(choice.get("key")): choice for choice in attribute.values if isinstance(choice, dict)}
    items = value if isinstance(value, list) else [value]
    return ", ".join(localized(names[str(item)]) if str(item) in names else str(item) for item in items)


@require_POST
@permission_required("grievances.handle_grievance")
def workbench_contact(request: HttpRequest, code: str) -> HttpResponse:
    """Read the reporter's contact in clear, for a stated purpose; the reading is logged (who, which report,
    which fields, when, why). Without the permission: 403; without a purpose: the page again with an error."""
    grievance = _staff_grievance(request, code)
    if not _may_read_contact(request.user):
        raise PermissionDenied
    purpose = _stated_purpose(request)
    if not purpose:
        return workbench_detail(request, code, error=_("Say why you need the reporter's contact."), status=400)
    revealed = reveal_fields(grievance, CONTACT, user=request.user, purpose=purpose)
    return workbench_detail(request, code, revealed=revealed)


# Actions that end a report for the citizen, and what is said when their confirmation box was not ticked.
CONFIRMED_ACTIONS = {
    "reject": lambda: _("Tick the box to confirm that the report is rejected."),
    "close": lambda: _("Tick the box to confirm that the report is closed."),
}


@require_POST
@permission_required("grievances.handle_grievance")
def workbench_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    grievance = _staff_grievance(request, code)
    form = WorkbenchActionForm(request.POST)
    form.is_valid()  # an invalid field is left out of cleaned_data: the action refuses without it
    posted = form.cleaned_data
    message = posted.get("message") or ""
    try:
        if action in CONFIRMED_ACTIONS and not posted.get("confirm"):
            # The danger zone's actions end the report for the citizen: the form's box must be ticked.
            raise ApplicationError(CONFIRMED_ACTIONS[action]())
        if action in ("accept", "start", "resolve", "close", "reject"):
            grievance_transition(grievance=grievance, action=action, user=request.user, message=message)
        elif action == "assign":
            colleagues = get_user_model().objects.filter(staff_profile__departments=grievance.department_id)
            assignee = colleagues.filter(pk=posted["assignee"]).first() if posted.get("assignee") else None
            if assignee is None:
                raise ApplicationError(_("choose a colleague of the department"))
            grievance_assign(grievance=grievance, assignee=assignee, user=request.user)
        elif action == "reply":
            grievance_reply(grievance=grievance, user=request.user, message=message, public=bool(posted.get("public")))
        elif action == "field-check":
            from apps.fieldwork.services import assignment_for_grievance

            assignment_for_grievance(grievance=grievance, user=request.user)
        elif action == "escalate":
            grievance_escalate(grievance=grievance, user=request.user, reason=message)
        elif action == "wait":
            grievance_wait_for_citizen(grievance=grievance, user=request.user, message=message)
        elif action == "resume":
            grievance_citizen_answered(grievance=grievance, user=request.user, message=message)
        elif action == "merge":
            into = grievance_for_user(user=request.user, code=_normalize(posted.get("into") or ""))
            if into is None:
                raise ApplicationError(_("no report with that code in your scope"))
            grievance_merge(duplicate=grievance, into=into, user=request.user)
        else:
            raise Http404
    except ApplicationError as exc:
        typed = {"action": action, "message": request.POST.get("message", ""), "into": request.POST.get("into", "")}
        return workbench_detail(request, code, error=exc.message, status=400, typed=typed)
    except PermissionDenied:
        raise
    return redirect(f"/grievances/workbench/{grievance.tracking_code}/")
