"""The field app: one page that works without signal (a service worker keeps it, IndexedDB keeps the visits
waiting to upload), and its service worker, served from /field/ so its scope covers the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import never_cache

from apps.accounts.selectors import user_home_region
from apps.core.decorators import permission_required
from apps.core.photos import MAX_PHOTO_BYTES
from apps.core.text import clean_text, parse_id
from apps.fieldwork.inputs import MAX_PHOTOS
from apps.fieldwork.models import Assignment, Finding, Flag, Visit
from apps.regions.models import Region
from apps.regions.svg import region_map_svg

if TYPE_CHECKING:
    from apps.fieldwork.review import FlagWords


def _bounds(regions: list[Region]) -> list[float] | None:
    """[west, south, east, north] around the regions' boundaries; None when they have none."""
    points = [
        point
        for region in regions
        for polygon in (
            (region.geometry or {}).get("coordinates", [])
            if (region.geometry or {}).get("type") == "MultiPolygon"
            else [(region.geometry or {}).get("coordinates", [])]
        )
        for ring in polygon
        for point in ring
    ]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs), max(ys)]


def _area(user: Any) -> tuple[Region | None, list[float] | None]:
    """The officer's own area: their assigned regions (the outline map of the first, the home map fitted to all
    of them); an officer without assigned regions, the city."""
    from apps.accounts.models import StaffProfile

    assigned = list(Region.objects.filter(pk__in=StaffProfile.regions.through.objects.filter(
        staffprofile__user=user).values("region_id")).order_by("depth", "code"))  # fmt: skip
    if assigned:
        return user_home_region(user=user) or assigned[0], _bounds(assigned)
    city = list(Region.objects.filter(parent=None).order_by("code"))
    return (city[0] if city else None), _bounds(city)


def _plural(singular: str, plural: str) -> list[str]:
    """[one, other] for the field app (app.js `counted`): the forms for 1 and for more, in the page's language."""
    return [ngettext(singular, plural, 1), ngettext(singular, plural, 2)]


@permission_required("fieldwork.add_visit")
def field_app(request: HttpRequest) -> HttpResponse:
    home, bounds = _area(request.user)  # the officer's own area, not the whole city
    return render(
        request,
        "fieldwork/app.html",
        {
            "map": region_map_svg(home, size=400),
            "strings": {
                "area_bounds": bounds,  # the home map opens on these
                "flag_names": dict(Flag.Code.choices),
                "review_flags": _("Held for review: %(flags)s"),
                "list_separator": pgettext("list separator", ", "),
                "no_assignment": _("No assignment"),
                "chip_offline": _("Offline"),
                "chip_offline_waiting": _("Offline · %(count)s waiting"),
                "waiting": _plural("%(count)s visit waiting to upload", "%(count)s visits waiting to upload"),
                "synced": _("All synced %(time)s"),
                "never": _("Nothing uploaded yet"),
                "offline": _("Offline: visits are kept on this phone and sent when the signal returns."),
                "failed": _("Refused by the server: %(reason)s"),
                "locating": _("Finding your position…"),
                "located": _("Position within %(metres)s m"),
                "no_position": _("No position: go outside or wait, then try again."),
                "no_assignments": _("No assignments for you now."),
                "due": _("due %(time)s"),
                "free_visit": _("A visit without an assignment"),
                "free_hint": _("No assignment: the place is where you check in."),
                "evidence": _("Evidence needed: %(text)s"),
                "kinds": dict(Assignment.Kind.choices),
                "verdicts": dict(Finding.Verdict.choices),
                "refused_count": _("%(count)s refused: see below"),
                "signed_out": _("Signed out: sign in again to send."),
                "next_try": _("next try %(time)s"),
                "to_send": _("Waiting to send"),
                "on_server": _("On the server"),
                "photos_progress": _("%(done)s of %(total)s photos uploaded"),
                "photo_refused": _("Photo %(n)s refused: %(reason)s"),
                "photo_too_big": _("%(name)s is larger than %(limit)s MB"),
                "photo_n": _("Photo %(n)s"),
                "photo_count": _plural("%(count)s photo", "%(count)s photos"),
                "edit": _("Edit"),
                "discard": _("Discard"),
                "discard_photo": _("Discard this photo"),
                "remove": _("Remove"),
                "confirm_discard": _("Discard this visit from the phone? It has not reached the server."),
                "confirm_discard_draft": _("Discard this unfinished visit and its photos from the phone?"),
                "sent_notice": _("Received by the server, with its photos."),
                "status_labels": dict(Visit.Status.choices),
                "max_photo_bytes": MAX_PHOTO_BYTES,
                "max_photos": MAX_PHOTOS,
                # whose records the phone shows, resumes and uploads (a shared phone keeps each officer's apart)
                "user_id": request.user.pk,
                "others_waiting": _plural(
                    "%(count)s record of another person waits on this phone for them to upload",
                    "%(count)s records of another person wait on this phone for them to upload",
                ),
                # one step per screen
                "steps": {
                    "target": pgettext("field app step", "Target"),
                    "checkin": pgettext("field app step", "Check in"),
                    "finding": pgettext("field app step", "Finding"),
                    "people": _("People met"),
                    "notes": _("Notes"),
                    "photos": _("Photos"),
                    "review": _("Review and save"),
                },
                "step_of": _("Step %(n)s of %(total)s · %(name)s"),
                "back": _("Back"),
                "to_list": _("My assignments"),
                "change": pgettext("field app", "Change"),
                "no_checkin": _("Not checked in yet: a visit needs your position."),
                "no_verdict": _("No verdict chosen"),
                "measured": _("measured %(value)s"),
                "people": {"residents": _("Residents"), "shop_owners": _("Shop owners"), "others": _("Others")},
                "nobody": _("Nobody noted"),
                "contact_given": _("a contact to call back"),
                "notes_label": _("What you saw and heard"),
                "follow_up_label": _("What happens next"),
                "no_photos": _("No photos"),
                "draft_line": _("stopped at: %(step)s · %(time)s · %(photos)s photos"),
                "resume": _("Continue"),
                "map_label": _("Map of your area with your assignments"),
                "map_target": _("Map: where %(title)s is"),
                "you_are_here": _("You are here"),
                # after saving, and the visit list
                "saved_title": _("Saved on this phone — will upload"),
                "uploaded": pgettext("field app", "Uploaded"),
                "attention": _("Needs your attention"),
                "chip_waiting": _("%(count)s to upload"),
                "chip_refused": _("%(count)s need you"),
                "chip_synced": _("✓ %(time)s"),
                "no_visits": _("No visits in the last 30 days."),
                "device_unavailable": _(
                    "This page is not on a secure connection (HTTPS), so this phone cannot sign visits. Visits are "
                    "still saved and sent. Tell your administrator."
                ),
                "device_later": _("This phone is not registered: visits saved here are not signed."),
                "signed_on_phone": _("signed on this phone"),
                "not_signed": _("not signed"),
                "device_none": _(
                    "Register this phone to sign your visits. Each visit you save here is signed with a key made on "
                    "this phone, so an inspector can check that the record was made here and not changed since. The "
                    "key never leaves the phone."
                ),
                "device_pending": _(
                    "Signing key %(key)s made on this phone: it is registered as soon as there is signal. Visits are "
                    "signed already."
                ),
                "device_registered": _("This phone signs your visits (key %(key)s)."),
                "device_revoked": _(
                    "This phone's key was revoked on %(date)s: it signs nothing more. Register this phone again to "
                    "sign your visits."
                ),
                "device_refused": _("The server did not register this phone's key: %(reason)s"),
                "visit_states": {
                    "uploaded": _("Uploaded — waiting for its photos"),
                    "accepted": pgettext("field visit state", "Accepted"),
                    "review": _("Flagged for review"),
                    "rejected": _("Rejected: %(reason)s"),
                },
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


@dataclass(frozen=True)
class _Review:
    """What the review page shows beside a waiting visit."""

    contact: str  # the people's contact in clear, just read for a stated purpose; "" otherwise
    flags: list[FlagWords]  # in words; another district's visit is not named
    people_met: list[tuple[str, int]]
    findings: list[tuple[Finding, str]]  # each with what it is about
    signature: str  # "signed on device X (registered 12-01), countersigned 12-06 10:42" (apps/evidence)
    signature_warn: bool  # not signed, or by a key nobody registered


@permission_required("fieldwork.review_visit")
def review_queue(request: HttpRequest) -> HttpResponse:
    """Flagged visits waiting for a supervisor, oldest first, each with its flags' evidence; and below, what the
    officers' visits found (outcomes — never counts of visits or photos)."""
    from django.shortcuts import redirect

    from apps.accounts.selectors import regions_scope
    from apps.core.errors import ApplicationError
    from apps.fieldwork.forms import ReviewDecisionForm
    from apps.fieldwork.models import Visit
    from apps.fieldwork.review import finding_subject, people_met, visits_flags_in_words
    from apps.fieldwork.selectors import officer_outcomes
    from apps.fieldwork.services import visit_review

    # Visits in the supervisor's regions only: the queue, the decisions and the contacts read.
    reviewable = regions_scope(Visit.objects.filter(status=Visit.Status.REVIEW), user=request.user)
    error = ""
    revealed: dict[int, str] = {}
    if request.method == "POST":
        form = ReviewDecisionForm(request.POST)
        decided = form.cleaned_data if form.is_valid() else None
        visit = reviewable.filter(pk=decided["visit"]).first() if decided else None
        if visit is None or decided is None:
            error = _("That visit is not waiting for review.")
        elif decided["decision"] == "contact":
            # A supervisor reads the contact an officer noted, for a stated purpose; the reading is logged.
            from apps.core.classification import reveal_fields

            purpose = clean_text(decided["purpose"])[:150]
            if not purpose:
                error = _("Say why you need the contact.")
            else:
                revealed[visit.pk] = reveal_fields(visit, ["people_contact"], user=request.user, purpose=purpose)[
                    "people_contact"
                ]
        else:
            try:
                accept = decided["decision"] == "accept"
                visit_review(visit=visit, supervisor=request.user, accept=accept, reason=decided["reason"])
                return redirect("fieldwork:review")
            except ApplicationError as exc:
                error = exc.message
    visits = list(
        reviewable.select_related("officer", "assignment", "region")
        .prefetch_related("flags", "findings__alert", "findings__grievance__category", "photos")
        .order_by("received_at")
    )
    from apps.evidence.models import VisitSeal
    from apps.evidence.selectors import seal_in_words, seal_warns
    from apps.evidence.services import signing_required

    seals = {s.visit_id: s for s in VisitSeal.objects.filter(visit__in=visits).select_related("device")}
    words = visits_flags_in_words(visits=visits, user=request.user)  # another district's visit is not named
    waiting = []  # (visit, what the page shows beside it)
    for v in visits:
        findings = [(f, finding_subject(f)) for f in v.findings.all()]
        seal = seals.get(v.pk)
        signature = seal_in_words(seal)
        review = _Review(revealed.get(v.pk, ""), words[v.pk], people_met(v), findings, signature, seal_warns(seal))
        waiting.append((v, review))
    return render(
        request,
        "fieldwork/review.html",
        {
            "waiting": waiting,
            "error": error,
            "outcomes": officer_outcomes(),
            "incomplete": _incomplete(request.user),
            "signing_required": signing_required(),
        },
        status=400 if error else 200,
    )


def _incomplete(user: Any) -> list[Any]:
    """Visits in the supervisor's regions still waiting for photos from the phone: nothing to decide yet, but
    seen, with how many photos arrived and the flags the presence checks already raised."""
    from django.db.models import Count, Q

    from apps.accounts.selectors import regions_scope

    visits = regions_scope(Visit.objects.filter(status=Visit.Status.WAITING), user=user)
    visits = visits.annotate(
        photos_declared=Count("photos"), photos_arrived=Count("photos", filter=Q(photos__received_at__isnull=False))
    )
    return list(visits.select_related("officer", "region").prefetch_related("flags").order_by("received_at")[:100])


@permission_required("fieldwork.review_visit")
def visit_photo(request: HttpRequest, key: str) -> FileResponse:
    from apps.accounts.selectors import regions_scope
    from apps.fieldwork.models import VisitPhoto

    # A supervisor sees the photos of visits in their regions (as the review queue), and none erased by retention.
    photo = regions_scope(VisitPhoto.objects.filter(key=key), user=request.user, field="visit__region").first()
    if photo is None or not photo.image:
        raise Http404
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("fieldwork.add_assignment")
def dispatch(request: HttpRequest) -> HttpResponse:
    """The dispatcher's desk: plan visits to a community, hand open assignments to an officer, and see per data
    source and per district how much of what the screen said was checked on site."""
    from django.shortcuts import redirect

    from apps.accounts.selectors import regions_scope
    from apps.core.errors import ApplicationError
    from apps.core.forms import form_apply_errors
    from apps.fieldwork.forms import PlanForm, ReassignForm
    from apps.fieldwork.models import Assignment
    from apps.fieldwork.selectors import ground_by_region_for_user, ground_by_source
    from apps.fieldwork.services import assignment_reassign, assignments_plan, field_officers, officers_for_region

    officers = field_officers()
    by_name = {o.username: o for o in officers}
    form = PlanForm(user=request.user, officers=officers)
    error, status = "", 200
    if request.method == "POST" and request.POST.get("action") == "plan":
        form = PlanForm(request.POST, user=request.user, officers=officers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = assignments_plan(
                    region=Region.objects.get(code=data["region"]), user=request.user, due_at=data["due_at"],
                    evidence=data["evidence"], assignee=by_name.get(data["assignee"]), weeks=data["weeks"],
                )  # fmt: skip
                return redirect(f"{request.path}?planned={len(made)}")
            except ApplicationError as exc:
                form_apply_errors(form, exc)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "reassign":
        handed = ReassignForm(request.POST)
        handed_to = handed.cleaned_data if handed.is_valid() else None
        assignment = (
            regions_scope(Assignment.objects.filter(status=Assignment.Status.OPEN), user=request.user)
            .filter(pk=handed_to["assignment"])
            .first()
            if handed_to
            else None
        )
        name = handed_to["assignee"] if handed_to else ""
        if assignment is None:
            error = _("That assignment is not open in your regions.")
        elif name and name not in by_name:
            error = _("No such field officer.")
        else:
            try:
                assignment_reassign(assignment=assignment, assignee=by_name.get(name), user=request.user)
                return redirect(f"{request.path}#assignments")
            except ApplicationError as exc:
                error = "; ".join(m for messages in (exc.fields or {}).values() for m in messages) or exc.message
        status = 400
    open_assignments = list(
        regions_scope(Assignment.objects.filter(status=Assignment.Status.OPEN), user=request.user)
        .select_related("region", "assignee", "recheck_of")
        .order_by("due_at")[:200]
    )
    covering: dict[int, list[Any]] = {}
    assignments = []  # (assignment, the officers it may be handed to)
    for a in open_assignments:
        if a.region_id not in covering:
            covering[a.region_id] = officers_for_region(a.region, officers=officers)
        candidates = [o for o in covering[a.region_id] if not (a.recheck_of and a.recheck_of.officer_id == o.pk)]
        assignments.append((a, candidates))
    return render(
        request,
        "fieldwork/dispatch.html",
        {
            "form": form, "error": error, "planned": parse_id(request.GET.get("planned")),
            "assignments": assignments, "sources": ground_by_source(),
            "regions": ground_by_region_for_user(user=request.user),
        },
        status=status,
    )  # fmt: skip
