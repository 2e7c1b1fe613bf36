"""Sign-in forms with the lockout, for the site's login page and the admin's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.lockout import login_failure_record, login_locked, login_success_record
from apps.accounts.selectors import totp_device_confirmed
from apps.core.clients import client_address

LOCKED_MESSAGE = _(
    "Too many failed sign-in attempts. Signing in is paused for %(minutes)s minutes; try again later or ask "
    "an administrator."
)


def locked_error() -> ValidationError:
    return ValidationError(LOCKED_MESSAGE, code="locked", params={"minutes": settings.CITYOPS_LOGIN_LOCK_MINUTES})


class LockoutMixin:
    """A locked username or address is refused before its password is checked; failures are counted."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        if username and login_locked(username=username, address=address):
            raise locked_error()
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except ValidationError as exc:
            if exc.code == "invalid_login" and login_failure_record(username=username, address=address):
                raise locked_error() from None
            raise
        # With a second factor still to come, failures count on until the code too is right: otherwise a
        # known password would reset the count between guesses at the code.
        if not totp_device_confirmed(user=self.get_user()):  # type: ignore[attr-defined]
            login_success_record(username=username)
        return cleaned


class LockoutAuthenticationForm(LockoutMixin, AuthenticationForm):
    pass


class LockoutAdminAuthenticationForm(LockoutMixin, AdminAuthenticationForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )
