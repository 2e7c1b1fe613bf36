"""What the review page says about a flagged visit: each authenticity flag as a sentence in the page's language
("Stayed 0 min, less than 5 min"), not its stored evidence ("minutes=0.0, minimum=5").

A flag's evidence may name another visit (a reused photo, copied notes, the previous visit of impossible
travel). `flags_for_viewer` has already blanked those the viewer may not see; here a visible one is named by
its officer and how long before this visit it was, and a reused photo is put next to the earlier one — served,
like every visit photo, through /field/photos/<key>.jpg, whose scope is the same as this page's.

A flag of a kind this module does not know (or evidence in an older shape) still reads as words: a general
sentence saying the checks found something to look at.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from apps.accounts.selectors import regions_scope
from apps.core.photos import hamming
from apps.evidence.keys import key_short
from apps.fieldwork.models import Flag, Visit, VisitPhoto
from apps.fieldwork.selectors import FlagShown, flags_for_viewer
from apps.regions.models import Region


@dataclass(frozen=True)
class FlagWords:
    """One flag as the supervisor reads it: what kind of concern (`label`), what was found (`text`), and for a
    photo flag the photo concerned and, for a reused one the viewer may see, the earlier photo."""

    code: str
    label: str
    text: str
    photo: str = ""
    photo_caption: str = ""
    earlier_photo: str = ""
    earlier_caption: str = ""

    @property
    def heading(self) -> str:
        """The kind of concern as a heading of its own ("Implausibly short stay"), never glued to the sentence."""
        return capfirst(self.label)

    @property
    def sentence(self) -> str:
        """What was found, one sentence of its own: "Stayed 0.3 min, less than 5 min." (停留 0.3 分钟，少于 5 分钟。)"""
        text = self.text.rstrip()
        if not text or text[-1] in ".。!！?？":
            return capfirst(text)
        return pgettext("end of a sentence", "%(sentence)s.") % {"sentence": capfirst(text)}


@dataclass(frozen=True)
class _Other:
    """Another visit a flag names, as far as the review page says it: who made it and when."""

    officer_id: int
    officer: str
    started_at: datetime


@dataclass(frozen=True)
class _Context:
    visit: Visit
    photo_numbers: dict[str, int]  # photo key → its number in the visit (1, 2, …)
    others: dict[str, _Other]  # visit UUID → the visit, for the ones the viewer may see
    regions: dict[str, str]  # region code → name
    earlier_photos: dict[tuple[str, str], VisitPhoto]  # (this photo's key, earlier visit UUID) → nearest photo


def visits_flags_in_words(*, visits: list[Visit], user: Any) -> dict[int, list[FlagWords]]:
    """Each visit's flags in words, by visit id, for this viewer. Visits come with flags and photos prefetched;
    a few queries for the whole page: the other visits named, the region names, the earlier photos."""
    flags = [f for v in visits for f in v.flags.all()]
    shown = iter(flags_for_viewer(flags=flags, user=user))  # another district's visit is not named
    per_visit = {v.pk: [next(shown) for _f in v.flags.all()] for v in visits}
    evidence = [f["evidence"] for rows in per_visit.values() for f in rows]
    others = _others(evidence)
    regions = _region_names(evidence)
    out: dict[int, list[FlagWords]] = {}
    for visit in visits:
        photos = list(visit.photos.all())
        context = _Context(
            visit=visit,
            photo_numbers={p.key: p.index + 1 for p in photos},
            others=others,
            regions=regions,
            earlier_photos=_earlier_photos(visit, photos, per_visit[visit.pk], user=user),
        )
        out[visit.pk] = [flag_in_words(f, context) for f in per_visit[visit.pk]]
    return out


def flag_in_words(shown: FlagShown, context: _Context) -> FlagWords:
    """One flag (as `flags_for_viewer` gives it) in words; an unknown kind, or evidence missing what its kind
    needs, reads as the general sentence."""
    code = str(shown["code"])
    known = code in Flag.Code.values
    label = str(shown["label"]) if known else _("another concern")
    words = _WORDS.get(code)
    try:
        if words is None:
            raise KeyError(code)
        return words(label, dict(shown["evidence"]), context)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, ValidationError):
        # Evidence of another shape than its kind's (an older version's, or a value no check writes: a number too
        # large to print, a date past the calendar): the general sentence, never a failed review page.
        return FlagWords(code=code, label=label, text=_general())


def _general() -> str:
    return _("The automatic checks found something to look at in this visit: read it before you decide.")


# --- one sentence per kind of flag -----------------------------------------------------------------------------


def _short_stay(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    text = _("Stayed %(minutes)s min, less than %(minimum)s min") % {
        "minutes": _number(float(e["minutes"])),
        "minimum": _number(float(e["minimum"])),
    }
    return FlagWords(code=Flag.Code.SHORT_STAY, label=label, text=text)


def _outside_geofence(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    sentences = []
    if e.get("distance_m") is not None:
        sentences.append(
            _("Checked in %(distance)s from the target, outside its %(radius)s circle (position within %(accuracy)s)")
            % {
                "distance": _distance(float(e["distance_m"])),
                "radius": _distance(float(e["radius_m"])),
                "accuracy": _distance(float(e.get("accuracy_m") or 0)),
            }
        )
    if "expected" in e:
        expected = c.regions.get(str(e["expected"]), str(e["expected"]))
        if e.get("region"):
            region = c.regions.get(str(e["region"]), str(e["region"]))
            sentences.append(
                _("Checked in in %(region)s; the assignment is in %(expected)s")
                % {"region": region, "expected": expected}
            )
        else:
            sentences.append(
                _("Checked in outside every region; the assignment is in %(expected)s") % {"expected": expected}
            )
    if not sentences:
        raise KeyError("distance_m")
    return FlagWords(code=Flag.Code.OUTSIDE_GEOFENCE, label=label, text=_sentences(sentences))


def _photo_reused(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    key = str(e["photo"])
    other = c.others.get(str(e.get("earlier_visit") or ""))
    if other is None:
        text = _("Almost the same as a photo of a visit outside your regions")
        earlier, caption = None, ""
    else:
        apart = _apart(c.visit.started_at - other.started_at)
        if other.officer_id == c.visit.officer_id:
            text = _("Almost the same as the officer's own photo from %(apart)s") % {"apart": apart}
        else:
            text = _("Almost the same as a photo %(officer)s took %(apart)s") % {
                "officer": other.officer,
                "apart": apart,
            }
        earlier = c.earlier_photos.get((key, str(e["earlier_visit"])))
        caption = pgettext("photo caption", "%(apart)s, %(officer)s") % {
            "apart": capfirst(apart),
            "officer": other.officer,
        }
    return FlagWords(
        code=Flag.Code.PHOTO_REUSED,
        label=label,
        text=text,
        photo=key,
        photo_caption=pgettext("photo caption", "This visit"),
        earlier_photo=earlier.key if earlier is not None else "",
        earlier_caption=caption if earlier else "",
    )


def _photo_exif_mismatch(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    key = str(e["photo"])
    number = c.photo_numbers.get(key, "?")
    if e.get("taken_at"):
        taken = parse_datetime(str(e["taken_at"]))
        if taken is None:
            raise ValueError(e["taken_at"])
        text = _("Photo %(n)s was taken %(when)s, not during the visit (%(start)s–%(end)s)") % {
            "n": number,
            "when": _when(taken),
            "start": _when(c.visit.started_at),
            "end": date_format(timezone.localtime(c.visit.ended_at), "H:i"),
        }
    else:
        text = _("Photo %(n)s was taken %(distance)s from where the officer checked in") % {
            "n": number,
            "distance": _distance(float(e["distance_m"])),
        }
    if key not in c.photo_numbers:  # shown only when it is one of this visit's photos
        return FlagWords(code=Flag.Code.PHOTO_EXIF_MISMATCH, label=label, text=text)
    return FlagWords(
        code=Flag.Code.PHOTO_EXIF_MISMATCH, label=label, text=text, photo=key, photo_caption=_this_photo(key, c)
    )


def _notes_copied(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    percent = round(float(e["similarity"]) * 100)
    other = c.others.get(str(e.get("earlier_visit") or ""))
    if other is None:
        text = _("The notes are %(percent)s%% the same as the notes of a visit outside your regions")
        text %= {"percent": percent}
    elif other.officer_id == c.visit.officer_id:
        text = _("The notes are %(percent)s%% the same as the officer's own notes from %(apart)s")
        text %= {"percent": percent, "apart": _apart(c.visit.started_at - other.started_at)}
    else:
        text = _("The notes are %(percent)s%% the same as notes %(officer)s wrote %(apart)s")
        text %= {"percent": percent, "officer": other.officer, "apart": _apart(c.visit.started_at - other.started_at)}
    return FlagWords(code=Flag.Code.NOTES_COPIED, label=label, text=text)


def _impossible_travel(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    text = _("%(distance)s from the officer's previous visit in %(span)s: about %(kmh)s km/h") % {
        "distance": _distance(float(e["km"]) * 1000),
        "span": _span(float(e["minutes"])),
        "kmh": _number(float(e["kmh"])),
    }
    if e.get("note"):
        text = _sentences([text, _("the previous visit is outside your regions")])
    return FlagWords(code=Flag.Code.IMPOSSIBLE_TRAVEL, label=label, text=text)


def _clock_skew(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    minutes = float(e["minutes"])
    if minutes >= 0:
        text = _("The phone's clock was %(span)s ahead of the server's") % {"span": _span(minutes)}
    else:
        text = _("The phone's clock was %(span)s behind the server's") % {"span": _span(-minutes)}
    return FlagWords(code=Flag.Code.CLOCK_SKEW, label=label, text=text)


def _unsigned_device(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    key = str(e["key"])
    text = _(
        "Signed with key %(key)s, which no phone registered: the signature cannot be tied to this officer. Ask "
        "the officer which phone they used, and have it registered."
    ) % {"key": key_short(key)}
    return FlagWords(code=Flag.Code.UNSIGNED_DEVICE, label=label, text=text)


def _unsigned(label: str, e: dict[str, Any], c: _Context) -> FlagWords:
    text = _("Not signed on the phone, where this deployment requires signed visits: nothing shows it was made there.")
    return FlagWords(code=Flag.Code.UNSIGNED, label=label, text=text)


_WORDS: dict[str, Callable[[str, dict[str, Any], _Context], FlagWords]] = {
    Flag.Code.UNSIGNED_DEVICE: _unsigned_device,
    Flag.Code.UNSIGNED: _unsigned,
    Flag.Code.SHORT_STAY: _short_stay,
    Flag.Code.OUTSIDE_GEOFENCE: _outside_geofence,
    Flag.Code.PHOTO_REUSED: _photo_reused,
    Flag.Code.PHOTO_EXIF_MISMATCH: _photo_exif_mismatch,
    Flag.Code.NOTES_COPIED: _notes_copied,
    Flag.Code.IMPOSSIBLE_TRAVEL: _impossible_travel,
    Flag.Code.CLOCK_SKEW: _clock_skew,
}


# --- numbers, distances, spans -----------------------------------------------------------------------------------


def _number(value: float) -> str:
    """0.0 → "0", 2.5 → "2.5", 12.0 → "12": no trailing ".0". Not a number, infinite or beyond any measure a
    check writes: ValueError (the flag then reads as the general sentence)."""
    if not math.isfinite(value) or abs(value) >= 1e9:
        raise ValueError(f"not a measure: {value!r}")
    return f"{round(value, 1):g}"


def _distance(metres: float) -> str:
    if metres < 1000:
        return pgettext("distance", "%(n)s m") % {"n": _number(round(metres))}
    return pgettext("distance", "%(n)s km") % {"n": _number(metres / 1000)}


def _span(minutes: float) -> str:
    """A duration in the unit a person would say it in: minutes up to two hours, hours up to two days, days."""
    if minutes < 120:
        return pgettext("duration", "%(n)s min") % {"n": _number(minutes)}
    if minutes < 48 * 60:
        n = round(minutes / 60)
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
    n = round(minutes / 1440)
    return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}


def _apart(delta: timedelta) -> str:
    """How long before (or after) this visit another one was: "3 days earlier", "2 hours later"."""
    minutes = delta.total_seconds() / 60
    if abs(minutes) < 1:
        return _("at the same time")
    span = _span(abs(minutes))
    return (_("%(span)s earlier") if minutes > 0 else _("%(span)s later")) % {"span": span}


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "m-d H:i")


def _sentences(parts: list[str]) -> str:
    return pgettext("between sentences", "; ").join(parts)


def _this_photo(key: str, c: _Context) -> str:
    return _("This visit, photo %(n)s") % {"n": c.photo_numbers.get(key, "?")}


# --- what the page needs to know about other visits -----------------------------------------------------------


def _others(evidence: list[dict[str, Any]]) -> dict[str, _Other]:
    """The other visits the flags still name (the viewer may see them), with their officer and start."""
    uuids = {str(e[k]) for e in evidence for k in ("earlier_visit", "previous_visit") if e.get(k)}
    rows = Visit.objects.filter(uuid__in=uuids).select_related("officer") if uuids else []
    return {str(v.uuid): _Other(v.officer_id, v.officer.get_username(), v.started_at) for v in rows}


def _region_names(evidence: list[dict[str, Any]]) -> dict[str, str]:
    codes = {str(e[k]) for e in evidence for k in ("region", "expected") if e.get(k)}
    return {r.code: r.name for r in Region.objects.filter(code__in=codes)} if codes else {}


def _earlier_photos(
    visit: Visit, photos: list[VisitPhoto], shown: list[FlagShown], *, user: Any
) -> dict[tuple[str, str], VisitPhoto]:
    """For each reused photo whose earlier visit the viewer may see: that visit's photo nearest to it, if the
    photo route would serve it to this viewer (same scope) and retention has not erased it."""
    by_key = {p.key: p for p in photos}
    wanted = [
        (str(f["evidence"]["photo"]), str(f["evidence"]["earlier_visit"]))
        for f in shown
        if f["code"] == Flag.Code.PHOTO_REUSED and f["evidence"].get("earlier_visit") and f["evidence"].get("photo")
    ]
    if not wanted:
        return {}
    candidates = regions_scope(
        VisitPhoto.objects.filter(visit__uuid__in={u for _k, u in wanted}, phash__isnull=False).exclude(image=""),
        user=user,
        field="visit__region",
    ).select_related("visit")
    out: dict[tuple[str, str], VisitPhoto] = {}
    for key, earlier in wanted:
        mine = by_key.get(key)
        theirs = [p for p in candidates if str(p.visit.uuid) == earlier]
        if mine is not None and mine.phash and theirs:
            ours = mine.phash
            # The candidates have a hash (phash__isnull=False above): cast from the nullable field's type.
            out[(key, earlier)] = min(theirs, key=lambda p: hamming(ours, cast(str, p.phash)))
    return out


# --- the rest of the visit ------------------------------------------------------------------------------------


def people_met(visit: Visit) -> list[tuple[str, int]]:
    """Who the officer met, as (who, how many), in the page's language; a kind the app does not name is shown
    as the officer's phone sent it."""
    kinds = {"residents": _("Residents"), "shop_owners": _("Shop owners"), "others": _("Others")}
    rows = [(kinds.get(str(p.get("kind")), str(p.get("kind"))), p.get("count")) for p in visit.people or []]
    return [(who, int(count)) for who, count in rows if isinstance(count, int) and count > 0]


def finding_subject(finding: Any) -> str:
    """What a finding is about, in words: the alert's title, the citizen report (by category and number — its
    tracking code is the reporter's key, not the reviewer's), or the indicator."""
    if finding.alert is not None:
        return _("Alert: %(title)s") % {"title": finding.alert.title}
    if finding.grievance is not None:
        return _("Citizen report no. %(number)s (%(category)s)") % {
            "number": finding.grievance.pk,
            "category": finding.grievance.category.name,
        }
    if finding.indicator:
        from apps.indicators.registry import get_indicator

        indicator = get_indicator(finding.indicator)
        return _("Indicator: %(name)s") % {"name": indicator.name if indicator else finding.indicator}
    return ""
