"""Classification and grading of every stored field, and the masking that follows from it.

Every field of every model carries a `Label` (a test fails when one does not): its grade after GB/T 43697-2024
(general data levels 1–4, important data, core data) and whether it is personal information or sensitive
personal information (PIPL art. 28: ID numbers, health, precise location tracks, minors' data). Apps declare
their labels in their own `classification.py` with `classify("app.Model", {"field other_field": LABEL})`, listed
in `CLASSIFICATION` and declared by their manifest — every field named explicitly, no defaults — and the registry
is read by:

- `mask(label, value)` and `field_view(user, ...)`: what a person sees — the value, or a masked form
  (phone 138****1234, name 张*, e-mail z***@example.com) unless they hold the label's `reveal` permission and
  ask, giving a purpose that is logged (`apps.core.audit.log_personal_read`);
- `ClassifiedSerializerMixin`, `ClassifiedAdminMixin`: the same in REST serializers and the admin;
- `public_value(obj, field)`: the one door to the public (Open311, the tracking page, open data, public pages).
  Each label says how its value may leave (`Public`): never, as it is, as free text with numbers masked, or
  generalised — a position snapped to a 0.001° grid (about 100 m), a typed address replaced by the district and
  street containing the place. A test walks every page and API an anonymous client can open and checks them
  against the labels (tests/governance/test_public_output.py);
- the data stewards' registry page (`/governance/classification/`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Free text is masked in apps/core/masking.py; apps import mask_text from here, with the labels it serves.
from apps.core.masking import mask_text, visible_text
from apps.core.registry import Registry


class Grade(models.TextChoices):
    """GB/T 43697-2024: general data in four levels, important data, core data."""

    GENERAL_1 = "general-1", _("General data, level 1 — may be public")
    GENERAL_2 = "general-2", _("General data, level 2 — internal")
    GENERAL_3 = "general-3", _("General data, level 3 — restricted")
    GENERAL_4 = "general-4", _("General data, level 4 — strictly restricted")
    IMPORTANT = "important", _("Important data")
    CORE = "core", _("Core data")


class Personal(models.TextChoices):
    NO = "", _("not personal information")
    PERSONAL = "personal", _("personal information")
    SENSITIVE = "sensitive", _("sensitive personal information")


class Mask(models.TextChoices):
    NONE = "", _("shown as it is")
    NAME = "name", _("name: first character")
    PHONE = "phone", _("phone: first 3 and last 4 digits")
    EMAIL = "email", _("e-mail: first character and domain")
    TEXT = "text", _("free text: numbers, e-mails and ID numbers masked")
    POINT = "point", _("position: rounded to about 1 km")
    SECRET = "secret", _("never shown")


class Public(models.TextChoices):
    """How a value may appear on a public surface (anonymous pages and APIs), when the surface shows its record
    at all — which records it shows (a public timeline entry, an approved release) is the surface's own rule."""

    NEVER = "", _("not public")
    AS_IS = "as-is", _("public as it is")
    TEXT = "text", _("public with phone numbers, e-mails and ID numbers masked")
    STAFF_TEXT = "staff-text", _("public: staff's words as written, a citizen's with numbers masked")
    POSITION = "position", _("published only generalised: to a 0.001° grid (about 100 m)")
    AREA = "area", _("published only generalised: the district and street containing the place")


@dataclass(frozen=True)
class Label:
    grade: str
    personal: str = Personal.NO
    mask: str = Mask.NONE
    # The permission that lets a person see the value in clear, on request with a purpose (logged). Empty with
    # a mask: nobody sees it in clear in the interface.
    reveal: str = ""
    # Why a personal field is stored unencrypted (e.g. needed for spatial queries); empty for encrypted ones.
    plain_because: str | Promise = ""
    # How the value may leave for the public (`public_value`); general data of level 1 is public as it is.
    public: str = Public.NEVER

    @property
    def is_personal(self) -> bool:
        return bool(self.personal)


# Shorthands for the common labels.
PUBLIC = Label(Grade.GENERAL_1, public=Public.AS_IS)
INTERNAL = Label(Grade.GENERAL_2)
RESTRICTED = Label(Grade.GENERAL_3)
SECRET = Label(Grade.GENERAL_4, mask=Mask.SECRET)


@dataclass(frozen=True)
class FieldLabel:
    model: str  # "app_label.Model", as Django spells it
    field: str
    label: Label

    @property
    def name(self) -> str:
        return f"{self.model}.{self.field}"


@dataclass(frozen=True)
class Classification:
    """The labels of some fields of one model; an app's manifest lists its `classification`."""

    model: str
    fields: tuple[FieldLabel, ...]

    def labels(self) -> tuple[FieldLabel, ...]:
        return self.fields


# Every labelled field by "app_label.Model.field"; a field labelled twice stops the start.
label_registry: Registry[FieldLabel] = Registry("field label", key=lambda f: f.name)


def classify(model_label: str, groups: dict[str, Label]) -> Classification:
    """The labels of fields of a model: {"field other_field": label}. Unknown field names and labels that
    contradict themselves are an error at once, so the labels follow the models."""
    from django.apps import apps

    model = apps.get_model(model_label)
    found = []
    for names, label in groups.items():
        for name in names.split():
            try:
                model._meta.get_field(name)
            except FieldDoesNotExist as exc:
                raise ImproperlyConfigured(f"classify({model_label!r}): no field {name!r}") from exc
            if label.is_personal and label.mask == Mask.NONE and label.reveal:
                raise ImproperlyConfigured(f"{model_label}.{name}: a revealable personal field needs a mask")
            if label.grade == Grade.GENERAL_1 and label.public != Public.AS_IS:
                raise ImproperlyConfigured(f"{model_label}.{name}: general data of level 1 is public as it is")
            if label.mask == Mask.SECRET and label.public != Public.NEVER:
                raise ImproperlyConfigured(f"{model_label}.{name}: a secret is never public")
            found.append(FieldLabel(model._meta.label, name, label))
    return Classification(model._meta.label, tuple(found))


def label_for(model: type[models.Model] | models.Model, field: str) -> Label | None:
    entry = label_registry.get(f"{model._meta.label}.{field}")
    return entry.label if entry is not None else None


def labelled_fields(model: type[models.Model]) -> list[str]:
    """Every field that holds data: concrete fields and many-to-many relations (not reverse relations)."""
    return [f.name for f in model._meta.get_fields() if f.concrete or (f.many_to_many and not f.auto_created)]


def registry() -> list[dict[str, Any]]:
    """Every labelled field, for the stewards' page: model, field, verbose name, grade, personal, mask, reveal."""
    from django.apps import apps

    from apps.core.fields import EncryptedTextField

    rows = []
    for model in apps.get_models():
        for name in labelled_fields(model):
            label = label_for(model, name)
            if label is None:
                continue
            field = model._meta.get_field(name)
            rows.append({
                "model": model._meta.label, "model_name": str(model._meta.verbose_name), "field": name,
                "verbose_name": str(getattr(field, "verbose_name", name)), "grade": label.grade,
                "grade_display": Grade(label.grade).label, "personal": label.personal,
                "personal_display": Personal(label.personal).label, "mask": Mask(label.mask).label,
                "reveal": label.reveal, "encrypted": isinstance(field, EncryptedTextField),
                "plain_because": label.plain_because, "public": label.public,
                "public_display": Public(label.public).label,
            })  # fmt: skip
    return rows


# --- Masks ----------------------------------------------------------------------------------------------------


def mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    return "*" * max(len(digits) - 2, 1) + digits[-2:] if digits else ""


def mask_name(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if value.isascii():  # "Jane Doe" → "J*** D**"
        return " ".join(part[0] + "*" * (len(part) - 1) for part in value.split())
    return value[0] + "*" * (len(value) - 1)


def mask_email(value: str) -> str:
    local, _at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask(label: Label | None, value: Any) -> Any:
    """The masked form of a value under its label (unchanged for unmasked labels and empty values)."""
    if label is None or label.mask == Mask.NONE or value in (None, ""):
        return value
    if label.mask == Mask.SECRET:
        return "••••"
    if label.mask == Mask.POINT:
        return round(float(value), 2)
    text = str(value)
    return {Mask.NAME: mask_name, Mask.PHONE: mask_phone, Mask.EMAIL: mask_email, Mask.TEXT: mask_text}[
        Mask(label.mask)
    ](text)


# --- What leaves for the public -------------------------------------------------------------------------------

POSITION_DECIMALS = 3  # a 0.001° grid: about 111 m north–south and 94 m east–west at 32°N


class NotPublic(LookupError):
    """A public surface asked for a field whose label keeps it from the public."""


def public_position(value: float | None) -> float | None:
    """A coordinate on the public grid (0.001°, about 100 m): the stretch of street, not the doorway."""
    return None if value is None else round(float(value), POSITION_DECIMALS)


def public_area(region: Any) -> str:
    """The district and street containing a place ("东湖区 · 七星街道"), read upwards from its region (a
    community's name is left out: too close); "" without a region. Walks `parent`: a caller listing many
    records selects `region__parent__parent` with them."""
    from apps.regions.models import Region

    names = []
    while region is not None and region.level != Region.Level.CITY:
        if region.level in (Region.Level.STREET, Region.Level.DISTRICT):
            names.append(region.name)
        if region.level == Region.Level.DISTRICT:
            break
        region = region.parent
    return " · ".join(reversed(names))


def public_value(obj: models.Model, field: str) -> Any:
    """A field's value in the form its label lets it leave for the public: the one door every public surface
    (Open311, the tracking page, open data, public pages) goes through, so the labels alone decide. Raises
    NotPublic for a field that may not leave at all.

    STAFF_TEXT reads the record's `written_by_staff`; AREA reads the record's `region` (where it was placed).
    """
    label = label_for(obj, field)
    rule = label.public if label is not None else Public.NEVER
    if rule == Public.NEVER:
        raise NotPublic(f"{obj._meta.label}.{field} is not public")
    value = getattr(obj, field)
    if rule == Public.TEXT or (rule == Public.STAFF_TEXT and not getattr(obj, "written_by_staff", False)):
        return _text_masked(value)
    if rule == Public.STAFF_TEXT:  # a department's words as written, but nothing that draws nothing
        return visible_text(value or "")
    if rule == Public.POSITION:
        return public_position(value)
    if rule == Public.AREA:
        return public_area(getattr(obj, "region", None))
    return value


def _text_masked(value: Any) -> Any:
    """Free text masked; a JSON field's texts masked inside it (the answers to a category's questions)."""
    if isinstance(value, dict):
        return {key: _text_masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_masked(item) for item in value]
    return mask_text(value or "") if value is None or isinstance(value, str) else value


def may_reveal(user: Any, label: Label | None) -> bool:
    """Whether the user may ask to see this field in clear (the reading is then logged with a purpose)."""
    if label is None or label.mask == Mask.NONE:
        return True
    return bool(label.reveal and getattr(user, "is_authenticated", False) and user.has_perm(label.reveal))


def masked_fields(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """{field: masked value} for the named fields of an object."""
    return {name: mask(label_for(obj, name), getattr(obj, name)) for name in fields}


def reveal_fields(obj: models.Model, fields: list[str], *, user: Any, purpose: str) -> dict[str, Any]:
    """The named fields in clear for a person allowed to see them, the reading logged with its purpose;
    PermissionError when the user may not or no purpose is given."""
    from apps.core.audit import log_personal_read

    purpose = (purpose or "").strip()
    if not purpose:
        raise PermissionError("a purpose is required to read personal data")
    if not all(may_reveal(user, label_for(obj, name)) for name in fields):
        raise PermissionError("not allowed to read these fields")
    log_personal_read(obj, fields=fields, purpose=purpose, user=user)
    return {name: getattr(obj, name) for name in fields}


class ClassifiedSerializerMixin:
    """For ModelSerializers: personal fields leave masked, whoever asks; reading them in clear is a separate,
    logged request with a purpose (an endpoint of its own)."""

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]
        for name in list(data):
            label = label_for(instance, name)
            if label is not None and label.mask:
                data[name] = mask(label, data[name])
        return data


class ClassifiedAdminMixin:
    """For ModelAdmins: masked fields are never in forms or lists; the admin shows their masked form."""

    model: type[models.Model]  # the ModelAdmin's

    def get_exclude(self, request: Any, obj: Any = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])  # type: ignore[misc]
        return excluded + self._masked_names(self.model)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return fields + ["masked_personal_data"]

    @staticmethod
    def _masked_names(model: type[models.Model]) -> list[str]:
        return [n for n in labelled_fields(model) if (label_for(model, n) or PUBLIC).mask]

    def masked_personal_data(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "—"
        shown = [f"{obj._meta.get_field(n).verbose_name}: {mask(label_for(obj, n), getattr(obj, n)) or '—'}"
                 for n in self._masked_names(type(obj))]  # fmt: skip
        return " · ".join(shown) or "—"

    masked_personal_data.short_description = _("personal data (masked)")  # type: ignore[attr-defined]
