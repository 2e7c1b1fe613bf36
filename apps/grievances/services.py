"""Grievance use cases: submit (portal, hotline, Open311, field), the status workflow, assignment, replies,
duplicates, escalation, the citizen's rating and reopening. Every change writes a timeline event in the same
transaction and an audit entry for staff actions; reporter data never goes into either."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.core.photos import MAX_PHOTO_BYTES as CORE_MAX_PHOTO_BYTES
from apps.core.photos import Photo
from apps.core.photos import photo_clean as _photo_clean
from apps.core.text import clean_text, text_similarity
from apps.core.workflow import Workflow
from apps.deadlines.services import deadline_pause, deadline_respond, deadline_resume, deadline_start, deadline_stop
from apps.grievances.models import (
    Category,
    CategoryAttribute,
    Grievance,
    GrievanceEvent,
    GrievancePhoto,
    Open311Key,
    RatingExclusion,
)
from apps.regions.geo import distance_m
from apps.regions.selectors import region_for_point

logger = logging.getLogger(__name__)
S = Grievance.Status
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out over the phone
# Citizens' photos: the same limit as field evidence (phones make 3–8 MB photos; some modes far more).
MAX_PHOTO_BYTES = CORE_MAX_PHOTO_BYTES

WORKFLOW = Workflow(
    transitions={
        "accept": ({S.SUBMITTED}, S.ACCEPTED),
        "start": ({S.ACCEPTED, S.ASSIGNED}, S.IN_PROGRESS),
        "resolve": ({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS}, S.RESOLVED),
        "close": ({S.RESOLVED}, S.CLOSED),
        "reject": ({S.SUBMITTED, S.ACCEPTED}, S.REJECTED),
    },
    past={
        "accept": pgettext_lazy("grievance status", "accepted"),
        "start": pgettext_lazy("grievance status", "started"),
        "resolve": pgettext_lazy("grievance status", "resolved"),
        "close": pgettext_lazy("grievance status", "closed"),
        "reject": pgettext_lazy("grievance status", "rejected"),
    },
    refusal=gettext_lazy("A report that is %(status)s cannot be %(done)s."),
)


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _event(grievance: Grievance, kind: str, *, public: bool, actor: Any = None, message: str = "",
           from_status: str = "", to_status: str = "") -> GrievanceEvent:  # fmt: skip
    return GrievanceEvent.objects.create(
        grievance=grievance,
        kind=kind,
        public=public,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        message=message,
        from_status=from_status,
        to_status=to_status,
    )


# --- Submission ---------------------------------------------------------------------------------------------


def attributes_clean(category: Category, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Answers to the category's questions, checked by datatype; (clean answers, errors by attribute code)."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for attribute in category.attributes.all():
        value = raw.get(attribute.code)
        values = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        values = [str(v).strip() for v in values if str(v).strip()]
        if not values:
            if attribute.required:
                errors[attribute.code] = [_("this question needs an answer")]
            continue
        keys = {str(v["key"]) for v in attribute.values}
        kind = attribute.datatype
        D = CategoryAttribute.Datatype
        if kind == D.MULTI:
            unknown = [v for v in values if v not in keys]
            if unknown:
                errors[attribute.code] = [_("not one of the choices: %(values)s") % {"values": ", ".join(unknown)}]
            else:
                clean[attribute.code] = values
            continue
        if len(values) > 1:
            errors[attribute.code] = [_("give one answer")]
            continue
        value = clean_text(values[0])
        if kind == D.SINGLE and value not in keys:
            errors[attribute.code] = [_("not one of the choices: %(values)s") % {"values": value}]
        elif kind == D.NUMBER:
            number, problem = _answer_number(attribute, value)
            if problem:
                errors[attribute.code] = [problem]
            else:
                clean[attribute.code] = number
        elif kind == D.DATETIME:
            try:
                moment = parse_datetime(value)
            except ValueError:
                moment = None
            if moment is None:
                errors[attribute.code] = [_("must be a date and time, e.g. 2026-11-29T08:00")]
            else:
                moment = moment if moment.tzinfo else timezone.make_aware(moment)  # the city's clock
                clean[attribute.code] = moment.isoformat()
        elif kind == D.STRING and len(value) > 200:
            errors[attribute.code] = [_("at most 200 characters")]
        elif len(value) > 4000:
            errors[attribute.code] = [_("at most 4,000 characters")]
        else:
            clean[attribute.code] = value
    unasked = set(raw) - {a.code for a in category.attributes.all()}
    for code in sorted(unasked):
        errors[code] = [_("this category asks no such question")]
    return clean, errors


def _answer_number(attribute: CategoryAttribute, value: str) -> tuple[float | None, str]:
    """(the number, "") or (None, what is wrong with it): finite, within the question's range, whole if asked."""
    try:
        number = float(value)
    except ValueError:
        return None, _("must be a number")
    if not math.isfinite(number):
        return None, _("must be a number")
    if attribute.whole_number and not number.is_integer():
        return None, _("must be a whole number")
    low, high = attribute.minimum, attribute.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        return None, answer_range_text(attribute)
    return (int(number) if attribute.whole_number else number), ""


def answer_range_text(attribute: CategoryAttribute) -> str:
    """The answers a number question takes, in words ("must be from 0 to 1,000,000"); "" for any number."""
    low, high = attribute.minimum, attribute.maximum
    if low is not None and high is not None:
        return _("must be from %(min)s to %(max)s") % {"min": _plain(low), "max": _plain(high)}
    if low is not None:
        return _("must be at least %(min)s") % {"min": _plain(low)}
    if high is not None:
        return _("must be at most %(max)s") % {"max": _plain(high)}
    return ""


def _plain(number: float) -> str:
    return f"{int(number):,}" if number.is_integer() else f"{number:,}"


# What every channel takes (the portal's form, the hotline, Open311: one check, here).
DESCRIPTION_MAX, ADDRESS_MAX, NAME_MAX, PHONE_MAX, EMAIL_MAX = 4000, 200, 100, 20, 200
PHONE = re.compile(r"\+?[\d\s()-]{5,20}")


def reporter_contact_problems(*, name: str, phone: str, email: str) -> dict[str, list[str]]:
    """Problems with a reporter's name, phone and e-mail, by field ("name", "phone", "email")."""
    problems: dict[str, list[str]] = {}
    if len(name) > NAME_MAX:
        problems["name"] = [_("at most %(n)d characters") % {"n": NAME_MAX}]
    if len(phone) > PHONE_MAX:
        problems["phone"] = [_("at most %(n)d characters") % {"n": PHONE_MAX}]
    elif phone and not (PHONE.fullmatch(phone) and phone.isascii()):
        problems["phone"] = [_("digits, spaces, + and - only")]
    if len(email) > EMAIL_MAX:
        problems["email"] = [_("at most %(n)d characters") % {"n": EMAIL_MAX}]
    elif email:
        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = [_("not a valid e-mail address")]
    return problems


@transaction.atomic
def grievance_submit(
    *,
    channel: str,
    category: Category,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    attributes: dict[str, Any] | None = None,
    photos: list[Photo] | None = None,
    actor: Any = None,
) -> Grievance:
    """Take a report. Raises ApplicationError with every problem by field, storing nothing, when it cannot."""
    errors: dict[str, list[str]] = {}
    description = clean_text(description)
    address = clean_text(address)
    reporter_name, reporter_phone = clean_text(reporter_name), clean_text(reporter_phone)
    reporter_email = clean_text(reporter_email)
    errors.update(reporter_contact_problems(name=reporter_name, phone=reporter_phone, email=reporter_email))
    if not description:
        errors["description"] = [_("say what the problem is")]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("at most 4,000 characters")]
    if not category.active:
        errors["category"] = [_("this category no longer takes reports")]
    region = None
    if (lon is None) != (lat is None):
        errors["location"] = [_("give both longitude and latitude")]
    elif lon is not None and lat is not None:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors["location"] = [_("not a place on Earth")]
        else:
            region = region_for_point(lon=lon, lat=lat)
            if region is None:
                errors["location"] = [_("this place is outside the city")]
    elif not address.strip():
        errors["location"] = [_("put a pin on the map or give an address")]
    if len(address) > ADDRESS_MAX:
        errors["address"] = [_("at most %(n)d characters") % {"n": ADDRESS_MAX}]
    clean, attribute_errors = attributes_clean(category, attributes or {})
    errors.update({f"attribute[{code}]": messages for code, messages in attribute_errors.items()})
    images = []
    for photo in photos or []:
        try:
            images.append(photo_clean(photo))
        except ApplicationError as exc:
            errors.setdefault("photo", []).append(exc.message)
    if errors:
        raise ApplicationError(_("the report could not be taken"), fields=errors)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                grievance = Grievance.objects.create(
                    tracking_code=_new_code(),
                    token=secrets.token_hex(16),
                    channel=channel,
                    category=category,
                    department=category.department,
                    description=description,
                    attributes=clean,
                    lon=lon,
                    lat=lat,
                    address=address,
                    region=region,
                    reporter_name=reporter_name,
                    reporter_phone=reporter_phone,
                    reporter_email=reporter_email,
                )
            break
        except IntegrityError:  # a tracking code already taken: draw another
            continue
    else:  # pragma: no cover - 32^8 codes
        raise ApplicationError(_("the report could not be taken"))
    deadline_start(subject="grievance", obj=grievance, start=grievance.created_at)  # the citizen's clock
    _event(grievance, GrievanceEvent.Kind.CREATED, public=True, actor=actor, to_status=S.SUBMITTED)
    for image in images:
        _photo_store(grievance, image)
    return grievance


# --- Photos -------------------------------------------------------------------------------------------------


def photo_clean(photo: Photo) -> tuple[bytes, int, int]:
    """The one cleaning of photos (apps/core/photos.py) at the citizens' limit: checked, re-encoded as a JPEG
    without any metadata. Returns (JPEG bytes, width, height)."""
    return _photo_clean(photo, max_bytes=MAX_PHOTO_BYTES)


def _photo_store(grievance: Grievance, image: tuple[bytes, int, int], *, public: bool = True) -> GrievancePhoto:
    content, width, height = image
    photo = GrievancePhoto(grievance=grievance, key=secrets.token_hex(12), width=width, height=height, public=public)
    photo.image.save(f"{photo.key}.jpg", ContentFile(content), save=False)
    photo.save()
    _event(grievance, GrievanceEvent.Kind.PHOTO, public=public)
    return photo


# --- Staff actions ------------------------------------------------------------------------------------------


def _locked(grievance: Grievance) -> Grievance:
    return Grievance.objects.select_for_update().get(pk=grievance.pk)


@transaction.atomic
def grievance_transition(*, grievance: Grievance, action: str, user: Any, message: str = "") -> Grievance:
    """accept / start / resolve / close / reject, with an optional public message to the citizen."""
    grievance = _locked(grievance)
    target = WORKFLOW.target(action=action, status=grievance.status, status_label=grievance.get_status_display())
    message = clean_text(message)
    if action == "reject" and not message.strip():
        raise ApplicationError(_("say why the report is rejected"), fields={"message": [_("required")]})
    now = timezone.now()
    previous = grievance.status
    grievance.status = target
    if target == S.ACCEPTED:
        grievance.accepted_at = now
        deadline_respond(subject="grievance", obj=grievance, at=now)
    if target == S.RESOLVED:
        grievance.resolved_at = now
    if target in (S.CLOSED, S.REJECTED):
        grievance.closed_at = now
    grievance.save()
    _event(grievance, GrievanceEvent.Kind.STATUS, public=True, actor=user, message=message.strip(),
           from_status=previous, to_status=target)  # fmt: skip
    if not grievance.is_open:
        deadline_stop(subject="grievance", obj=grievance, at=now)
        grievance_resolved_alerts(grievance)
    log_action(grievance, f"grievances.grievance.{action}", user=user, data={"from": previous, "to": target})
    return grievance


@transaction.atomic
def grievance_assign(*, grievance: Grievance, assignee: Any, user: Any) -> Grievance:
    grievance = _locked(grievance)
    if not grievance.is_open:
        raise ApplicationError(_("only an open report can be assigned"), fields={"status": [grievance.status]})
    if not assignee.is_active:
        raise ApplicationError(_("this account is disabled"), fields={"assignee": [_("disabled")]})
    previous = grievance.status
    grievance.assigned_to = assignee
    if grievance.status in (S.SUBMITTED, S.ACCEPTED):
        grievance.status = S.ASSIGNED
        grievance.accepted_at = grievance.accepted_at or timezone.now()
    grievance.save()
    _event(grievance, GrievanceEvent.Kind.ASSIGNED, public=False, actor=user, message=assignee.get_username(),
           from_status=previous, to_status=grievance.status)  # fmt: skip
    if previous != grievance.status:
        _event(grievance, GrievanceEvent.Kind.STATUS, public=True, from_status=previous, to_status=grievance.status)
    log_action(grievance, "grievances.grievance.assign", user=user, data={"assignee": assignee.pk})
    return grievance


@transaction.atomic
def grievance_reply(*, grievance: Grievance, user: Any, message: str, public: bool) -> GrievanceEvent:
    message = clean_text(message)
    if not message:
        raise ApplicationError(_("write something first"), fields={"message": [_("required")]})
    if not (grievance.is_open or grievance.status == S.RESOLVED):
        closed = _("this report is %(status)s: no more replies") % {"status": grievance.get_status_display()}
        raise ApplicationError(closed, fields={"status": [grievance.status]})
    if len(message) > 4000:
        raise ApplicationError(_("at most 4,000 characters"), fields={"message": [_("too long")]})
    kind = GrievanceEvent.Kind.REPLY if public else GrievanceEvent.Kind.NOTE
    event = _event(grievance, kind, public=public, actor=user, message=message)
    grievance.save(update_fields=["updated_at"])  # a new public note: Open311 clients poll updated_datetime
    log_action(grievance, "grievances.grievance.reply", user=user, data={"public": public})
    return event


@transaction.atomic
def grievance_wait_for_citizen(*, grievance: Grievance, user: Any, message: str) -> Grievance:
    """Ask the citizen something (a public reply) and stop the clock until they answer, where the category's
    deadline policy says waiting for the citizen does not count. Raises ApplicationError otherwise."""
    from apps.deadlines.models import Deadline

    grievance = _locked(grievance)
    message = clean_text(message).strip()
    if not grievance.is_open:
        raise ApplicationError(_("only an open report waits for its citizen"), fields={"status": [grievance.status]})
    if not message:
        raise ApplicationError(_("say what you need from the citizen"), fields={"message": [_("required")]})
    if len(message) > DESCRIPTION_MAX:
        raise ApplicationError(_("at most 4,000 characters"), fields={"message": [_("at most 4,000 characters")]})
    clock = Deadline.objects.filter(subject="grievance", object_id=grievance.pk, stopped_at=None).first()
    if clock is None or clock.policy is None or not clock.policy.pauses_for_citizen:
        raise ApplicationError(_("this category's deadline policy does not stop the clock for the citizen"))
    if clock.paused_at is not None:
        raise ApplicationError(_("the clock already waits for the citizen"))
    _event(grievance, GrievanceEvent.Kind.QUESTION, public=True, actor=user, message=message)
    _event(grievance, GrievanceEvent.Kind.NOTE, public=False, actor=user,
           message=_("Clock stopped: waiting for the citizen's answer."))  # fmt: skip
    deadline_pause(subject="grievance", obj=grievance)
    log_action(grievance, "grievances.grievance.wait", user=user)
    return grievance


@transaction.atomic
def grievance_citizen_answered(*, grievance: Grievance, user: Any, message: str = "") -> Grievance:
    """The citizen answered (on the hotline, in person): the clock runs again with the time it had left."""
    from apps.deadlines.models import Deadline

    grievance = _locked(grievance)
    message = clean_text(message).strip()
    if len(message) > DESCRIPTION_MAX:
        raise ApplicationError(_("at most 4,000 characters"), fields={"message": [_("at most 4,000 characters")]})
    waiting = Deadline.objects.filter(subject="grievance", object_id=grievance.pk, stopped_at=None,
                                      paused_at__isnull=False).exists()  # fmt: skip
    if not waiting:
        raise ApplicationError(_("the report is not waiting for its citizen"), fields={"status": [grievance.status]})
    deadline_resume(subject="grievance", obj=grievance)
    note = _("The citizen answered; the clock runs again.")
    _event(
        grievance, GrievanceEvent.Kind.NOTE, public=False, actor=user, message=f"{note}\n{message}" if message else note
    )
    log_action(grievance, "grievances.grievance.resume", user=user)
    return grievance


@transaction.atomic
def grievance_merge(*, duplicate: Grievance, into: Grievance, user: Any) -> Grievance:
    """Close `duplicate` as merged into `into`; its citizen follows the other report from then on."""
    if duplicate.pk == into.pk:
        raise ApplicationError(_("a report cannot be merged into itself"), fields={"into": [_("the same report")]})
    locked = {
        g.pk: g for g in Grievance.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
    }
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    if not duplicate.is_open:
        raise ApplicationError(_("only an open report can be merged"), fields={"status": [duplicate.status]})
    if into.status in (S.MERGED, S.REJECTED):
        message = _("cannot merge into a report that is %(status)s") % {"status": into.get_status_display()}
        raise ApplicationError(message, fields={"into": [into.status]})
    previous = duplicate.status
    duplicate.status = S.MERGED
    duplicate.merged_into = into
    duplicate.closed_at = timezone.now()
    duplicate.save()
    _event(duplicate, GrievanceEvent.Kind.MERGED, public=True, actor=user, message=f"#{into.pk}",
           from_status=previous, to_status=S.MERGED)  # fmt: skip
    _event(into, GrievanceEvent.Kind.MERGED, public=False, actor=user, message=duplicate.tracking_code)
    deadline_stop(subject="grievance", obj=duplicate)
    grievance_resolved_alerts(duplicate)
    log_action(duplicate, "grievances.grievance.merge", user=user, data={"into": into.pk})
    return duplicate


@transaction.atomic
def grievance_escalate(*, grievance: Grievance, user: Any = None, reason: str = "") -> Grievance:
    """One level up: higher priority, an internal note, and an alert on the wall."""
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert

    grievance = _locked(grievance)
    if not grievance.is_open:
        raise ApplicationError(_("only an open report can be escalated"), fields={"status": [grievance.status]})
    now = timezone.now()
    grievance.escalation_level += 1
    grievance.escalated_at = now
    grievance.priority = Grievance.Priority.URGENT if grievance.escalation_level > 1 else Grievance.Priority.HIGH
    grievance.save()
    overdue = grievance.due_at is not None and grievance.due_at < now
    note = reason or (_("Past its due time") if overdue else _("Escalated"))
    _event(grievance, GrievanceEvent.Kind.ESCALATED, public=False, actor=user, message=note)
    category = grievance.category
    alert_raise(
        kind=Alert.Kind.GRIEVANCE_OVERDUE,
        severity=Alert.Severity.CRITICAL if grievance.escalation_level > 1 else Alert.Severity.WARNING,
        region=grievance.region,
        indicator="grievances.overdue",  # whose ground truth the field's verdicts on it count for
        subject=f"grievance:{grievance.pk}",
        title_zh=f"诉求{'超期' if overdue else '升级'}：{category.name_zh} #{grievance.pk}",
        title_en=f"Grievance {'overdue' if overdue else 'escalated'}: {category.name_en} #{grievance.pk}",
        details={"grievance": grievance.pk, "level": grievance.escalation_level},
        at=now,
    )
    log_action(grievance, "grievances.grievance.escalate", user=user, data={"level": grievance.escalation_level})
    return grievance


def grievance_resolved_alerts(grievance: Grievance) -> None:
    """When a report leaves the open states, its overdue alert resolves."""
    from apps.indicators.alerting import alert_auto_resolve
    from apps.indicators.models import Alert

    for alert in Alert.objects.filter(kind=Alert.Kind.GRIEVANCE_OVERDUE, subject=f"grievance:{grievance.pk}").exclude(
        status=Alert.Status.RESOLVED
    ):
        alert_auto_resolve(alert=alert, reason=grievance.status)


# --- The citizen after resolution ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingContext:
    """Where a citizen's rating came from, as the request tells it: a signed-in staff session, and the client's
    address (apps/core/clients.py client_address). The simulator and tests say it directly."""

    staff_session: bool = False
    address: str = ""


def rating_exclusion(*, grievance: Grievance, context: RatingContext, now: datetime) -> str:
    """Why a rating cannot be independent (a RatingExclusion value), or "" when it counts: made from a staff
    session, from the department's own network, or within CITYOPS_RATING_AFTER_STAFF_MINUTES of something a
    signed-in staff member did on the report (any timeline entry with an actor: a reply, a status change, a
    note, an assignment). Citizens have no accounts, so an entry with an actor is always staff."""
    if context.staff_session:
        return RatingExclusion.STAFF_SESSION
    if _address_in(context.address, grievance.department.network_list()):
        return RatingExclusion.DEPARTMENT_NETWORK
    since = now - timedelta(minutes=settings.CITYOPS_RATING_AFTER_STAFF_MINUTES)
    if grievance.events.filter(actor__isnull=False, created_at__gte=since).exists():
        return RatingExclusion.AFTER_STAFF_ACTION
    return ""


def _address_in(address: str, networks: list[Any]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == network.version and ip in network for network in networks)


@transaction.atomic
def grievance_rate(
    *, grievance: Grievance, score: int, comment: str = "", context: RatingContext | None = None
) -> Grievance:
    """The citizen's stars for a resolved report, which closes it. A rating that cannot be independent
    (rating_exclusion) is kept — the citizen sees it — but marked, so it does not count in the satisfaction
    rate and is counted as excluded. A share of rated reports is sampled for an independent check
    (resolution_check_sample); that failing never loses the rating."""
    grievance = _locked(grievance)
    if grievance.status not in (S.RESOLVED, S.CLOSED):
        raise ApplicationError(_("a report can be rated once it is resolved"), fields={"score": [grievance.status]})
    now = timezone.now()
    excluded = rating_exclusion(grievance=grievance, context=context or RatingContext(), now=now)
    # A rating that did not count (made from a staff session, the department's network, minutes after a staff
    # action) does not take the citizen's own away: an independent one replaces it. Any other second one is refused.
    if grievance.satisfaction is not None and (excluded or not grievance.rating_excluded):
        raise ApplicationError(_("this report has been rated already"), fields={"score": [_("rated")]})
    if score not in range(1, 6):
        raise ApplicationError(_("give 1 to 5 stars"), fields={"score": [_("1 to 5")]})
    if len(comment) > 1000:
        raise ApplicationError(_("at most 1,000 characters"), fields={"comment": [_("too long")]})
    previous = grievance.status
    grievance.satisfaction = score
    grievance.satisfaction_comment = comment.strip()
    grievance.rated_at = now
    grievance.rating_excluded = excluded
    grievance.status = S.CLOSED
    grievance.closed_at = grievance.closed_at or now
    grievance.save()
    _event(grievance, GrievanceEvent.Kind.RATED, public=True, message=f"{score}/5 {comment.strip()}".strip(),
           from_status=previous, to_status=S.CLOSED)  # fmt: skip
    resolution_check_sample(grievance)
    return grievance


def resolution_check_sampled(grievance: Grievance) -> bool:
    """Is this report in the CITYOPS_RESOLUTION_CHECK_SHARE sample? Chosen by a hash of its number, so the same
    report always gets the same answer and nobody — the department included — can steer it."""
    share = settings.CITYOPS_RESOLUTION_CHECK_SHARE
    return share > 0 and _draw(grievance, "sample") < share * 1000


def _draw(grievance: Grievance, salt: str) -> int:
    """A number from 0 to 999 for the report, keyed by SECRET_KEY: stable for the report, but a department cannot
    compute from report numbers which of its reports will be checked (and give those special care)."""
    digest = salted_hmac(f"resolution-check:{salt}", str(grievance.pk), algorithm="sha256").hexdigest()
    return int(digest[:8], 16) % 1000


def resolution_check_method(grievance: Grievance) -> str:
    """How a sampled report is checked: a field visit needs a place on the map and an officer covering it, a
    callback a phone number. With both, a third are visited (by another hash of the number): a callback costs
    minutes, a visit an officer's trip, and a visit sees what a pressed citizen may not say. With neither, ""
    (it cannot be checked)."""
    from apps.fieldwork.services import officers_for_region
    from apps.grievances.models import ResolutionCheck

    callback = bool(grievance.reporter_phone)
    visit = grievance.region is not None and bool(officers_for_region(grievance.region))
    if visit and callback:
        visit = _draw(grievance, "method") < 333
    if visit:
        return ResolutionCheck.Method.VISIT
    if callback:
        return ResolutionCheck.Method.CALLBACK
    # nobody covers the place yet: the visit waits for an officer who will
    return ResolutionCheck.Method.VISIT if grievance.region_id is not None else ""


def resolution_check_sample(grievance: Grievance) -> None:
    """Ask for the independent check of a sampled rated report, in a savepoint: a failure (no officer to send,
    say) is logged and leaves the rating and everything else as it was."""
    from apps.grievances.verification import resolution_check_request

    method = resolution_check_method(grievance) if resolution_check_sampled(grievance) else ""
    if not method:
        return
    try:
        with transaction.atomic():
            resolution_check_request(grievance=grievance, reason="sample", method=method)
    except Exception:  # any failure: the rating stands, the sample misses one report (logged, no personal data)
        logger.warning("resolution check of report %s could not be requested", grievance.pk, exc_info=True)


@transaction.atomic
def grievance_reopen(*, grievance: Grievance, reason: str) -> Grievance:
    """The citizen says it was not really fixed: back to work with a new deadline, within the allowed days."""
    grievance = _locked(grievance)
    reason = (reason or "").strip()
    if grievance.status not in (S.RESOLVED, S.CLOSED) or grievance.resolved_at is None:
        raise ApplicationError(_("only a resolved report can be reopened"), fields={"status": [grievance.status]})
    days = settings.CITYOPS_GRIEVANCE_REOPEN_DAYS
    if timezone.now() - grievance.resolved_at > timedelta(days=days):
        message = _("a report can be reopened within %(days)s days of its resolution; please report it again")
        raise ApplicationError(message % {"days": days}, fields={"status": [_("too late")]})
    if not reason:
        raise ApplicationError(_("say what is still wrong"), fields={"reason": [_("required")]})
    return reopened(grievance, message=reason)


def reopened(grievance: Grievance, *, message: str, actor: Any = None) -> Grievance:
    """Back to work with a new deadline (the citizen said so, or a field check contradicted the resolution); the
    rating of the resolution that did not hold is set aside. `grievance` is locked by the caller."""
    previous = grievance.status
    grievance.status = S.ASSIGNED if grievance.assigned_to_id else S.ACCEPTED
    grievance.reopened_count += 1
    grievance.resolved_at = grievance.closed_at = None
    grievance.satisfaction = None
    grievance.satisfaction_comment = ""
    grievance.rated_at = None
    grievance.rating_excluded = ""
    grievance.save()
    deadline_start(subject="grievance", obj=grievance)  # a new clock, under the category's policy
    _event(grievance, GrievanceEvent.Kind.REOPENED, public=True, actor=actor, message=message[:4000],
           from_status=previous, to_status=grievance.status)  # fmt: skip
    return grievance


# --- Duplicates ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    grievance: Grievance
    score: float
    distance_m: float | None
    similarity: float
    hours_apart: float


def duplicates_suggest(*, grievance: Grievance, scope: Any = None, radius_m: float = 300,
                       window: timedelta = timedelta(days=7), limit: int = 5) -> list[Candidate]:  # fmt: skip
    """Earlier or later reports of the same category nearby in space and time, most alike first, among the
    reports in `scope` (the staff member's; all when None)."""
    start, end = grievance.created_at - window, grievance.created_at + window
    pool = (
        (Grievance.objects.all() if scope is None else scope)
        .filter(category=grievance.category, created_at__gte=start, created_at__lte=end)
        .exclude(pk=grievance.pk)
        .exclude(status__in=[S.MERGED, S.REJECTED])
    )
    candidates = []
    for other in pool[:200]:
        distance = None
        if grievance.lon is not None and grievance.lat is not None and other.lon is not None and other.lat is not None:
            distance = distance_m(grievance.lon, grievance.lat, other.lon, other.lat)
            if distance > radius_m:
                continue
        elif not (grievance.address and other.address and text_similarity(grievance.address, other.address) > 0.6):
            continue
        similarity = text_similarity(grievance.description[:500], other.description[:500])
        hours = abs((other.created_at - grievance.created_at).total_seconds()) / 3600
        place = 1 - (distance / radius_m) if distance is not None else 0.5
        score = 0.5 * similarity + 0.3 * place + 0.2 * (1 - hours / (window.total_seconds() / 3600))
        if score >= 0.35:
            candidates.append(Candidate(other, round(score, 3), distance, round(similarity, 3), round(hours, 1)))
    return sorted(candidates, key=lambda c: -c.score)[:limit]


# --- Open311 keys -------------------------------------------------------------------------------------------


def open311_key_create(*, name: str) -> tuple[str, Open311Key]:
    """A new API key; returns (the key — shown once, only its hash is kept —, the record)."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("give the key a name"), fields={"name": [_("required")]})
    if Open311Key.objects.filter(name=name).exists():
        raise ApplicationError(_("a key named %(name)s exists") % {"name": name}, fields={"name": [_("taken")]})
    key = secrets.token_urlsafe(24)
    record = Open311Key.objects.create(name=name, prefix=key[:6], key_hash=_key_hash(key))
    return key, record


def open311_key_check(key: str) -> Open311Key | None:
    if not key:
        return None
    record = Open311Key.objects.filter(key_hash=_key_hash(key), active=True).first()
    if record is not None and (
        record.last_used_at is None or timezone.now() - record.last_used_at > timedelta(minutes=1)
    ):
        Open311Key.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# --- Retention ------------------------------------------------------------------------------------------------


def grievances_erase_personal_data(cutoff: datetime) -> int:
    """Reports finished before `cutoff` (closed, resolved, rejected or merged): the reporter's contact and the
    photos erased, texts masked (numbers, e-mails, ID numbers), the typed address dropped and the point
    rounded to about 100 m. Category, place (region), times, status and rating stay for the statistics."""
    from django.db.models import Q

    from apps.core.classification import mask_text

    finished = (
        Q(status=Grievance.Status.CLOSED, closed_at__lt=cutoff)
        | Q(status=Grievance.Status.RESOLVED, resolved_at__lt=cutoff)
        | Q(status__in=[Grievance.Status.REJECTED, Grievance.Status.MERGED], updated_at__lt=cutoff)
    )
    done = 0
    for grievance in Grievance.objects.filter(finished, personal_data_erased_at__isnull=True).iterator(chunk_size=200):
        with transaction.atomic():
            for photo in grievance.photos.all():
                photo.image.delete(save=False)
                photo.delete()
            for event in grievance.events.exclude(message=""):
                masked = mask_text(event.message)
                if masked != event.message:
                    GrievanceEvent.objects.filter(pk=event.pk).update(message=masked)
            Grievance.objects.filter(pk=grievance.pk).update(
                reporter_name="", reporter_phone="", reporter_email="", address="",
                description=mask_text(grievance.description),
                satisfaction_comment=mask_text(grievance.satisfaction_comment),
                attributes={k: mask_text(v) if isinstance(v, str) else v for k, v in grievance.attributes.items()},
                lon=round(grievance.lon, 3) if grievance.lon is not None else None,
                lat=round(grievance.lat, 3) if grievance.lat is not None else None,
                personal_data_erased_at=timezone.now(),
            )  # fmt: skip
        done += 1
    return done
