from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.fields import EncryptedTextField
from apps.core.i18n import localized
from apps.core.models import BaseModel


class Department(BaseModel):
    """A government department (bureau, commission): owner of data sources and of grievance categories."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("head"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", help_text=_("Told when the department's work runs late (the deadline policies' ladders)."),
    )  # fmt: skip
    networks = models.TextField(
        _("own networks"),
        blank=True,
        help_text=_(
            "Addresses or networks of the department's own offices, one per line (10.20.0.0/16, 192.0.2.7): a "
            "citizen's rating made from them is not independent and does not count."
        ),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        bad = [line for line in self.networks.split() if network_parse(line) is None]
        if bad:
            raise ValidationError({"networks": _("not an address or network: %(lines)s") % {"lines": ", ".join(bad)}})

    def network_list(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [n for n in (network_parse(line) for line in self.networks.split()) if n is not None]


def network_parse(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


class StaffProfile(BaseModel):
    """Where a staff member works: their regions and departments (their scope)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    regions = models.ManyToManyField(
        "regions.Region",
        verbose_name=_("regions"),
        blank=True,
        related_name="staff_profiles",
        help_text=_(
            "The user sees these regions and everything below them. Empty: the whole city for "
            "command-center staff and data stewards, nothing for other roles."
        ),
    )
    departments = models.ManyToManyField(Department, verbose_name=_("departments"), blank=True, related_name="staff")
    # Personal data: a work mobile for dispatch messages, encrypted at rest.
    phone = EncryptedTextField(_("mobile phone"), blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class LoginThrottle(models.Model):
    """Failed sign-ins counted per key (a hashed username or client address) to lock it for a while.

    Keys are SHA-256 digests: the table holds neither the names people typed nor their addresses.
    """

    class Kind(models.TextChoices):
        USERNAME = "username", _("username")
        ADDRESS = "address", _("client address")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=64)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_start = models.DateTimeField(_("first failure of the window"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("login throttle")
        verbose_name_plural = _("login throttles")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="accounts_login_throttle_unique_key")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key[:12]}"


class TotpDevice(BaseModel):
    """A user's TOTP second factor (RFC 6238). Unconfirmed until the user has entered one valid code."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = EncryptedTextField(_("secret"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The time step of the last accepted code: a code is never accepted twice (replay).
    last_step = models.BigIntegerField(_("last used time step"), default=0)

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return str(self.user)
