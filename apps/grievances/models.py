"""Citizen reports (诉求): categories routed to departments with a deadline, the status workflow with a public
and an internal timeline, photos, satisfaction, Open311 API keys.

Personal data — the reporter's name, phone and email — lives only in encrypted fields, is never part of a
public page, an Open311 response, a websocket message or a log line, and is shown to staff only where their
work needs it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.fields import EncryptedTextField
from apps.core.i18n import localized
from apps.core.models import BaseModel


class Category(BaseModel):
    """What a citizen can report; also an Open311 service (`code` is the service_code)."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Also the Open311 service code."))
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_zh = models.CharField(_("description (Chinese)"), max_length=300, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=300, blank=True)
    group_zh = models.CharField(_("group (Chinese)"), max_length=60, blank=True)
    group_en = models.CharField(_("group (English)"), max_length=60, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True, help_text=_("Comma-separated."))
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="categories"
    )
    deadline_hours = models.PositiveIntegerField(
        _("deadline (hours)"), help_text=_("From the report to its resolution.")
    )
    response_hours = models.PositiveIntegerField(
        _("response deadline (hours)"),
        default=24,
        help_text=_("From the report to its acceptance by the department (the 12345 response rate counts it)."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("grievance category")
        verbose_name_plural = _("grievance categories")
        ordering = ["order", "code"]
        constraints = [models.CheckConstraint(condition=Q(deadline_hours__gte=1), name="category_deadline_positive")]

    def __str__(self) -> str:
        return localized(self)

    @property
    def name(self) -> str:
        return localized(self)


class CategoryAttribute(models.Model):
    """An extra question of a category (an Open311 service definition attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("short text")
        NUMBER = "number", _("number")
        DATETIME = "datetime", _("date and time")
        TEXT = "text", _("long text")
        SINGLE = "singlevaluelist", _("one of a list")
        MULTI = "multivaluelist", _("several of a list")

    category = models.ForeignKey(
        Category, verbose_name=_("grievance category"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=40)
    description_zh = models.CharField(_("question (Chinese)"), max_length=200)
    description_en = models.CharField(_("question (English)"), max_length=200)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # [{"key": "deep", "name_zh": "深", "name_en": "deep"}] for the list datatypes
    values = models.JSONField(_("values"), default=list, blank=True)
    # For a number: the answers taken (households affected: a whole number from 0). Empty: any finite number.
    minimum = models.FloatField(_("smallest answer"), null=True, blank=True)
    maximum = models.FloatField(_("largest answer"), null=True, blank=True)
    whole_number = models.BooleanField(_("whole numbers only"), default=False)

    class Meta:
        verbose_name = _("category attribute")
        verbose_name_plural = _("category attributes")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="categoryattribute_unique"),
            # A range that holds at least one answer.
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(minimum__lte=models.F("maximum")),
                name="categoryattribute_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"


class RatingExclusion(models.TextChoices):
    """Why a citizen's rating cannot be independent, so it is left out of the satisfaction rate (and counted)."""

    STAFF_SESSION = "staff_session", _("made from a staff session")
    DEPARTMENT_NETWORK = "department_network", _("made from the department's own network")
    AFTER_STAFF_ACTION = "after_staff_action", _("made within minutes of a staff action on the report")


class Grievance(BaseModel):
    class Channel(models.TextChoices):
        WEB = "web", _("web portal")
        HOTLINE = "hotline", _("12345 hotline")
        OPEN311 = "open311", _("Open311 app")
        FIELD = "field", _("field visit")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("grievance status", "submitted")
        ACCEPTED = "accepted", pgettext_lazy("grievance status", "accepted")
        ASSIGNED = "assigned", pgettext_lazy("grievance status", "assigned")
        IN_PROGRESS = "in_progress", pgettext_lazy("grievance status", "in progress")
        RESOLVED = "resolved", pgettext_lazy("grievance status", "resolved")
        CLOSED = "closed", pgettext_lazy("grievance status", "closed")
        REJECTED = "rejected", pgettext_lazy("grievance status", "rejected")
        MERGED = "merged", pgettext_lazy("grievance status", "merged into another report")

    class Priority(models.TextChoices):
        NORMAL = "normal", pgettext_lazy("grievance priority", "normal")
        HIGH = "high", pgettext_lazy("grievance priority", "high")
        URGENT = "urgent", pgettext_lazy("grievance priority", "urgent")

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True)
    token = models.CharField(_("Open311 token"), max_length=32, unique=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="grievances"
    )
    description = models.TextField(_("description"), max_length=4000)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address of the problem"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Personal data: encrypted at rest, never public.
    reporter_name = EncryptedTextField(_("reporter's name"), blank=True)
    reporter_phone = EncryptedTextField(_("reporter's phone"), blank=True)
    reporter_email = EncryptedTextField(_("reporter's email"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(pgettext_lazy("grievance", "resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.CharField(_("satisfaction comment"), max_length=1000, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    rating_excluded = models.CharField(
        _("rating not independent"), max_length=24, blank=True, choices=RatingExclusion.choices,
        help_text=_("Why the rating does not count in the satisfaction rate (empty: it counts)."),
    )  # fmt: skip
    contradicted_at = models.DateTimeField(
        _("resolution contradicted on site at"), null=True, blank=True,
        help_text=_("When a field check found the resolution untrue: the report was reopened and it counts against "
                    "the department."),
    )  # fmt: skip
    personal_data_erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True,
        help_text=_("After the retention period the reporter's contact and photos are erased, texts masked, the "
                    "place coarsened to about 100 m."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="grievance_status_due_idx"),
            models.Index(fields=["department", "status"], name="grievance_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="grievance_satisfaction_range",
            )
        ]
        permissions = [
            ("handle_grievance", _("Can handle grievances of own department")),
            ("view_reporter_contact", _("Can read a reporter's contact details (each reading logged)")),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    OPEN = (Status.SUBMITTED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class GrievanceEvent(models.Model):
    """One entry of a grievance's timeline; `public` entries are what the citizen sees."""

    scope_region = "grievance__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    class Kind(models.TextChoices):
        CREATED = "created", _("reported")
        STATUS = "status", _("status changed")
        ASSIGNED = "assigned", _("assigned")
        REPLY = "reply", _("reply")
        QUESTION = "question", _("question for the reporter")
        NOTE = "note", _("internal note")
        MERGED = "merged", _("merged")
        ESCALATED = "escalated", _("escalated")
        RATED = "rated", _("rated")
        REOPENED = "reopened", _("reopened")
        PHOTO = "photo", _("photo added")

    grievance = models.ForeignKey(
        Grievance, verbose_name=_("grievance"), on_delete=models.CASCADE, related_name="events"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    public = models.BooleanField(_("public"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    message = models.TextField(_("message"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("grievance event")
        verbose_name_plural = _("grievance events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.kind}"

    # The kinds only the department writes: their messages reach the citizen as written.
    STAFF_KINDS = (Kind.REPLY, Kind.STATUS, Kind.MERGED)

    @property
    def written_by_staff(self) -> bool:
        """A reply, a status note or a merge from the department; not a citizen's reason to reopen or comment."""
        return self.kind in self.STAFF_KINDS


def photo_path(photo: GrievancePhoto, filename: str) -> str:
    """grievances/ab/abcdef….jpg: the photo's random key only. A file name never holds the report's tracking
    code (the reporter's private key), since file names travel (backups, storage listings, logs)."""
    return f"grievances/{photo.key[:2]}/{photo.key}.jpg"


class GrievancePhoto(models.Model):
    """A photo of the problem, re-encoded without any metadata (EXIF time, place, camera) before it is stored:
    the stored copy is the only copy, and it is safe to show publicly."""

    scope_region = "grievance__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    grievance = models.ForeignKey(
        Grievance, verbose_name=_("grievance"), on_delete=models.CASCADE, related_name="photos"
    )
    key = models.CharField(_("file key"), max_length=32, unique=True)
    image = models.FileField(_("image"), upload_to=photo_path)
    width = models.PositiveIntegerField(_("width (px)"))
    height = models.PositiveIntegerField(_("height (px)"))
    public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("grievance photo")
        verbose_name_plural = _("grievance photos")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.key


class Open311Key(BaseModel):
    """An API key for Open311 POST requests. Only its SHA-256 is stored; the key is shown once at creation."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8, help_text=_("The key's first characters, to tell keys apart."))
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ResolutionCheck(BaseModel):
    """An independent check that a report marked resolved really is: a field visit (an officer's verdict on the
    resolution) or a callback to the citizen logged by someone outside the department. Requested for a sample of
    resolved-and-rated reports and for every contested resolution; `fixed` stays empty until it is done."""

    scope_region = "grievance__region"  # the region it belongs to, for scope (apps/accounts/selectors.py)

    class Method(models.TextChoices):
        VISIT = "visit", _("field visit")
        CALLBACK = "callback", _("callback to the citizen")

    class Reason(models.TextChoices):
        SAMPLE = "sample", _("random sample of resolved reports")
        CONTEST = "contest", _("a citizen contested the resolution")

    grievance = models.ForeignKey(
        Grievance, verbose_name=_("grievance"), on_delete=models.CASCADE, related_name="resolution_checks"
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department checked"), on_delete=models.PROTECT, related_name="+",
        help_text=_("The department whose resolution is checked (the report's at the time)."),
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolution checked"), help_text=_("The resolution this check is about."))
    assignment = models.ForeignKey(
        "fieldwork.Assignment", verbose_name=_("field assignment"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    fixed = models.BooleanField(_("fixed"), null=True, blank=True, help_text=_("Empty until the check is done."))
    satisfied = models.BooleanField(
        _("citizen satisfied"), null=True, blank=True, help_text=_("Asked on a callback; empty for a visit.")
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("resolution check")
        verbose_name_plural = _("resolution checks")
        ordering = ["-created_at"]
        permissions = [("log_callback", _("Can call citizens back to check resolutions (outside their department)"))]
        constraints = [
            # one check per resolution and reason: a report resolved again can be checked again
            models.UniqueConstraint(fields=["grievance", "resolved_at", "reason"], name="resolutioncheck_unique")
        ]

    def __str__(self) -> str:
        return f"{self.grievance_id} {self.method} {self.fixed}"

    @property
    def done(self) -> bool:
        return self.fixed is not None
