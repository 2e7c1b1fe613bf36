"""The visit upload as typed, frozen values, and the one parser that makes them from the device's JSON.

`VisitInputSerializer` is both the OpenAPI description of `POST /api/v1/fieldwork/visits` and its parser:
`visit_input_parse` runs it and gives a `VisitInput`, or raises ApplicationError with one message per field
(`photos[1]`, `findings[0]`: one per row of those lists), worded as the field app shows them. What needs the
database or the officer (their assignment, the region of the check-in, the alerts and reports a finding
names) is checked by `visit_record`, which takes the `VisitInput`.

Choices the old hand checks left open, made here:
- An empty value (`""`, `null`, `{}`, `[]`) is the field left out: required fields say "required", optional
  ones take their default.
- Text fields take JSON strings only (a number for `notes` is refused, as `people_contact` always was), at
  most the length the field app's form allows; longer is refused, not cut.
- Number fields take JSON numbers or numeric strings (as `float()` did for positions and `observed_value`);
  whole-number fields take a number with no fraction (`3`, `3.0`, `"3"`), never `true`.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.errors import ApplicationError
from apps.core.serializers import TextField
from apps.fieldwork.models import Finding

MAX_PHOTOS = 10  # declared per visit
# What one visit can hold: a finding per alert, report or indicator the visit checked, a row per kind of person met.
# A bound keeps one upload from holding the database (40,000 findings took 17 s and stopped the live tick).
MAX_FINDINGS = 50
MAX_PEOPLE = 20
MAX_ID = 10**12 - 1  # a database id as a device may send it (larger: no such row, and no overflow in SQL)
DEVICE_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)  # outside these no working phone's clock (year 1 at +14:00
DEVICE_LATEST = datetime(2100, 1, 1, tzinfo=UTC)  # cannot even be stored): refused, not stored


# --- The typed visit ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    lon: float
    lat: float
    accuracy_m: float


@dataclass(frozen=True)
class PersonCount:
    kind: str
    count: int


@dataclass(frozen=True)
class FindingInput:
    """A verdict on an alert, a report (database ids, checked by the service) or an indicator (its code)."""

    verdict: str
    alert: int | None = None
    grievance: int | None = None
    indicator: str = ""
    observed_value: float | None = None
    comment: str = ""


@dataclass(frozen=True)
class PhotoDeclared:
    index: int
    sha256: str  # lower-case hex of the original bytes
    name: str = ""


@dataclass(frozen=True)
class VisitInput:
    """A visit as the device sent it, every field checked for form; texts without control characters."""

    uuid: uuid_module.UUID
    started_at: datetime
    ended_at: datetime
    checkin: Position
    officer: int | None = None  # who started it on the device (older apps do not say)
    assignment: int | None = None
    sent_at: datetime | None = None
    checkout: Position | None = None
    people: tuple[PersonCount, ...] = ()
    people_contact: str = ""
    notes: str = ""
    follow_up: str = ""
    findings: tuple[FindingInput, ...] = ()
    photos: tuple[PhotoDeclared, ...] = ()


# --- Messages -----------------------------------------------------------------------------------------------


class _Message:
    """An error message translated when it is shown (in the request's language). DRF `.format()`s its messages
    with the field's limits; ours carry their own numbers and some have braces, so formatting leaves them be."""

    def __init__(self, words: Callable[[], str]) -> None:
        self._words = words

    def format(self, *args: object, **kwargs: object) -> str:
        return self._words()

    def __str__(self) -> str:
        return self._words()


def _all(words: Callable[[], str], *codes: str) -> dict[str, Any]:
    """One message for every way a field can be wrong."""
    message = _Message(words)
    keys = (
        "required",
        "null",
        "invalid",
        "blank",
        "max_length",
        "min_value",
        "max_value",
        "max_string_length",
        "overflow",
        "not_a_list",
        "invalid_choice",
        "empty",
        *codes,
    )
    return dict.fromkeys(keys, message)


def _messages(**words: Callable[[], str]) -> dict[str, Any]:
    """Messages for some ways a field can be wrong, by code (`required=…`), each translated when shown."""
    return {code: _Message(say) for code, say in words.items()}


def _text_of_at_most(n: int) -> Callable[[], str]:
    return lambda: _("text of at most %(n)d characters") % {"n": n}


# --- Fields -------------------------------------------------------------------------------------------------


class _IdField(serializers.IntegerField):
    """A database id; anything that cannot be one gets the field's single message."""

    def __init__(self, words: Callable[[], str], **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, error_messages=_all(words), **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class _DeviceTimeField(serializers.DateTimeField):
    """The device's clock with its zone, 1900–2099 (a time without a zone is refused, never assumed)."""

    def __init__(self, **kwargs: Any) -> None:
        messages = _all(lambda: _("a date and time with a time zone, e.g. 2026-11-29T08:00:00+08:00"))
        messages.update(
            {
                "required": _Message(lambda: _("required")),
                "null": _Message(lambda: _("required")),
                "implausible": _Message(lambda: _("a date between 1900 and 2099")),
            }
        )
        super().__init__(error_messages=messages, **kwargs)

    def to_internal_value(self, value: Any) -> datetime:
        try:
            moment = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.fail("invalid")
        try:
            plausible = DEVICE_EARLIEST <= moment < DEVICE_LATEST
        except OverflowError:  # year 1 at +14:00 is before year 1 in UTC
            plausible = False
        if not plausible:
            self.fail("implausible")
        return moment


class _DeviceUuidField(serializers.UUIDField):
    def to_internal_value(self, data: Any) -> uuid_module.UUID:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return uuid_module.UUID(data)
        except ValueError:
            self.fail("invalid")


class _Sha256Field(serializers.CharField):
    """64 hexadecimal digits, either case; kept in lower case."""

    def to_internal_value(self, data: Any) -> str:
        digest = data.lower() if isinstance(data, str) else ""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            self.fail("invalid")
        return digest


# --- Serializers: the schema and the parser -----------------------------------------------------------------


def _position_messages() -> dict[str, Any]:
    """Malformed: give lon, lat and accuracy; out of range: not a position on Earth."""
    off_earth = _Message(lambda: _("not a position on Earth"))
    return {**_all(lambda: _("give lon, lat and accuracy (metres)")), "min_value": off_earth, "max_value": off_earth}


class VisitPositionSerializer(serializers.Serializer):
    default_error_messages = _all(lambda: _("give lon, lat and accuracy (metres)"))
    lon = serializers.FloatField(min_value=-180, max_value=180, error_messages=_position_messages())
    lat = serializers.FloatField(min_value=-90, max_value=90, error_messages=_position_messages())
    accuracy = serializers.FloatField(
        min_value=0,
        max_value=99_999,
        required=False,
        default=0,
        help_text="metres",
        error_messages=_position_messages(),
    )

    def validate(self, attrs: dict[str, Any]) -> Position:
        return Position(lon=attrs["lon"], lat=attrs["lat"], accuracy_m=attrs["accuracy"])


_PEOPLE = _all(lambda: _('a list of {"kind", "count"}'))


class VisitPersonCountSerializer(serializers.Serializer):
    default_error_messages = _PEOPLE
    kind = TextField(max_length=40, error_messages=_PEOPLE)
    count = serializers.IntegerField(min_value=0, max_value=9999, error_messages=_PEOPLE)

    def validate(self, attrs: dict[str, Any]) -> PersonCount:
        return PersonCount(kind=attrs["kind"], count=attrs["count"])


_VERDICT = _all(lambda: _("verdict is one of %(v)s") % {"v": ", ".join(Finding.Verdict.values)})


class VisitFindingSerializer(serializers.Serializer):
    default_error_messages = _VERDICT
    verdict = serializers.ChoiceField(choices=Finding.Verdict.choices, error_messages=_VERDICT)
    alert = _IdField(lambda: _("no such alert in your regions"), required=False, allow_null=True)
    grievance = _IdField(lambda: _("no such report in your regions"), required=False, allow_null=True)
    indicator = TextField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
        error_messages=_all(_text_of_at_most(64)),
        help_text="an indicator's code",
    )
    observed_value = serializers.FloatField(
        required=False, allow_null=True, error_messages=_all(lambda: _("observed_value must be a number"))
    )
    comment = TextField(
        max_length=1000, required=False, allow_blank=True, allow_null=True, error_messages=_all(_text_of_at_most(1000))
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("observed_value") == "":
            data = {**data, "observed_value": None}  # the app's empty number input
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> FindingInput:
        if attrs.get("alert") is None and attrs.get("grievance") is None and not attrs.get("indicator"):
            raise serializers.ValidationError(_("say what it is about: an alert, a report or an indicator"))
        return FindingInput(
            verdict=attrs["verdict"],
            alert=attrs.get("alert"),
            grievance=attrs.get("grievance"),
            indicator=attrs.get("indicator") or "",
            observed_value=attrs.get("observed_value"),
            comment=attrs.get("comment") or "",
        )


class VisitPhotoDeclaredSerializer(serializers.Serializer):
    default_error_messages = _all(lambda: _("index is a whole number from 0 to %(max)s") % {"max": MAX_PHOTOS - 1})
    index = serializers.IntegerField(min_value=0, max_value=MAX_PHOTOS - 1, error_messages=default_error_messages)
    sha256 = _Sha256Field(
        help_text="SHA-256 of the photo's original bytes, hex",
        error_messages=_all(lambda: _("sha256 is the SHA-256 of the photo's bytes, 64 hexadecimal digits")),
    )
    name = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        error_messages=_all(lambda: _("name is text of at most 200 characters")),
    )

    def validate(self, attrs: dict[str, Any]) -> PhotoDeclared:
        return PhotoDeclared(index=attrs["index"], sha256=attrs["sha256"], name=attrs.get("name", ""))


class VisitSignatureSerializer(serializers.Serializer):
    """Read by apps.evidence.inputs.signed_visit_parse (its checks and messages); described here for the schema."""

    alg = serializers.ChoiceField(choices=["ES256"], help_text="ECDSA P-256 with SHA-256")
    key = serializers.CharField(max_length=64, help_text="the registered key's fingerprint: SHA-256 of its DER, hex")
    value = serializers.CharField(max_length=100, help_text="the signature, r ‖ s (64 bytes) in base64")


class VisitInputSerializer(serializers.Serializer):
    """The visit as the device sends it; `visit_input_parse` makes it a `VisitInput`."""

    # A key whose value is one of these is taken as left out (the field app sends "" and null for nothing).
    EMPTY: tuple[object, ...] = (None, "", {}, [])

    uuid = _DeviceUuidField(
        help_text="made by the device: the same visit sent again is stored once",
        error_messages=_all(lambda: _("the device's UUID for this visit")),
    )
    officer = serializers.IntegerField(
        required=False,
        allow_null=True,
        error_messages=_all(lambda: _("not the signed-in officer")),
        help_text="the user id of the officer who started the visit on the device; refused (400) when it is not "
        "the signed-in user. Optional: a visit without it is the signed-in officer's",
    )
    assignment = _IdField(lambda: _("not one of your assignments"), required=False, allow_null=True)
    started_at = _DeviceTimeField(help_text="device clock, with its zone; 1900–2099")
    ended_at = _DeviceTimeField(help_text="not before started_at")
    sent_at = _DeviceTimeField(required=False, allow_null=True)
    checkin = VisitPositionSerializer(error_messages=_messages(required=lambda: _("required: the device's position")))
    checkout = VisitPositionSerializer(required=False, allow_null=True)
    people: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=VisitPersonCountSerializer(),
        required=False,
        max_length=MAX_PEOPLE,
        error_messages={**_PEOPLE, **_messages(max_length=lambda: _("at most %(n)s rows") % {"n": MAX_PEOPLE})},
    )
    people_contact = TextField(
        max_length=500,
        required=False,
        allow_blank=True,
        error_messages=_all(lambda: _("text of at most 500 characters")),
    )
    notes = TextField(max_length=4000, required=False, allow_blank=True, error_messages=_all(_text_of_at_most(4000)))
    follow_up = TextField(
        max_length=2000, required=False, allow_blank=True, error_messages=_all(_text_of_at_most(2000))
    )
    findings: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=VisitFindingSerializer(),
        required=False,
        max_length=MAX_FINDINGS,
        error_messages={
            **_all(lambda: _("a list")),
            **_messages(max_length=lambda: _("at most %(n)s findings") % {"n": MAX_FINDINGS}),
        },
    )
    photos: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=VisitPhotoDeclaredSerializer(),
        required=False,
        max_length=MAX_PHOTOS,
        error_messages={
            **_all(lambda: _('a list of {"index", "sha256", "name"}; each photo is uploaded on its own')),
            **_messages(max_length=lambda: _("at most %(n)s photos") % {"n": MAX_PHOTOS}),
        },
        help_text="declared here, each uploaded on its own (PUT …/photos/<index>)",
    )

    format = serializers.CharField(
        required=False,
        help_text="cityops-visit/1 when the visit is signed",
    )
    signature = VisitSignatureSerializer(
        required=False,
        help_text="the phone's signature of the canonical JSON of this body without signature, sent_at and "
        "people_contact",
    )

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = {key: value for key, value in data.items() if not any(value == e for e in self.EMPTY)}
            data.pop("signature", None)  # checked by apps.evidence.inputs.signed_visit_parse, with its own words
            data.pop("format", None)
        return super().to_internal_value(data)

    def validate_photos(self, photos: list[PhotoDeclared]) -> list[PhotoDeclared]:
        """Each index and each photo once; a repeat is named by its row."""
        rows: list[dict[str, list[str]]] = []
        for position, photo in enumerate(photos):
            earlier = photos[:position]
            if any(p.index == photo.index for p in earlier):
                rows.append({"index": [_("index %(index)s twice") % {"index": photo.index}]})
            elif any(p.sha256 == photo.sha256 for p in earlier):
                rows.append({"sha256": [_("the same photo twice")]})
            else:
                rows.append({})
        if any(rows):
            raise serializers.ValidationError(rows)
        return photos

    def validate(self, attrs: dict[str, Any]) -> VisitInput:
        if attrs["ended_at"] < attrs["started_at"]:
            raise serializers.ValidationError({"ended_at": [_("before the start")]})
        return VisitInput(
            uuid=attrs["uuid"],
            officer=attrs.get("officer"),
            assignment=attrs.get("assignment"),
            started_at=attrs["started_at"],
            ended_at=attrs["ended_at"],
            sent_at=attrs.get("sent_at"),
            checkin=attrs["checkin"],
            checkout=attrs.get("checkout"),
            people=tuple(attrs.get("people", ())),
            people_contact=attrs.get("people_contact", ""),
            notes=attrs.get("notes", ""),
            follow_up=attrs.get("follow_up", ""),
            findings=tuple(attrs.get("findings", ())),
            photos=tuple(attrs.get("photos", ())),
        )


# Lists whose problems are named by row (`photos[1]`); every other field gets one message for all of it.
_BY_ROW = ("findings", "photos")


def visit_input_parse(data: object) -> VisitInput:
    """The device's JSON as a VisitInput. Raises ApplicationError with one message per field at fault."""
    if not isinstance(data, Mapping):
        raise ApplicationError("send a JSON object", fields={"body": ["not an object"]})
    serializer = VisitInputSerializer(data=data)
    if not serializer.is_valid():
        raise ApplicationError(_("the visit could not be recorded"), fields=field_messages(serializer.errors))
    visit: VisitInput = serializer.validated_data
    return visit


def field_messages(errors: Mapping[str, Any]) -> dict[str, list[str]]:
    """DRF's nested errors as {field: [message]}: the first message of each field, or of each row of a list
    named in _BY_ROW (DRF gives a list's row errors by index, its whole-list errors under `non_field_errors`)."""
    out: dict[str, list[str]] = {}
    for name, detail in errors.items():
        rows = _rows(detail) if name in _BY_ROW else {}
        if rows:
            out.update({f"{name}[{i}]": [_first(row)] for i, row in sorted(rows.items()) if row})
        else:
            out[name] = [_first(detail)]
    return out


def _rows(detail: Any) -> dict[int, Any]:
    if isinstance(detail, Mapping) and all(isinstance(key, int) for key in detail):
        return dict(detail)
    if isinstance(detail, list) and detail and not isinstance(detail[0], str):
        return dict(enumerate(detail))
    return {}


def _first(detail: Any) -> str:
    if isinstance(detail, Mapping):
        return next((_first(value) for value in detail.values() if value), "")
    if isinstance(detail, list):
        return next((_first(value) for value in detail if value), "")
    return str(detail)
