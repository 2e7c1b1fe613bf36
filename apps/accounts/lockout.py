"""Sign-in lockout: repeated failures lock the username (and, at a higher count, the client address).

A locked key refuses every attempt, right or wrong, until the lock ends; the message is the same whether
the account exists or not. Failed second-factor codes count as failures of the username too. Counters
live in the database (LoginThrottle), so they hold across processes and restarts.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from apps.accounts.models import LoginThrottle
from apps.core.audit import log_action

Key = tuple[str, str]


def _keys(*, username: str, address: str) -> list[Key]:
    """Keyed digests (not reversible without SECRET_KEY): the table holds no names or addresses."""
    normalised = username.strip().casefold()
    return [
        (
            LoginThrottle.Kind.USERNAME,
            salted_hmac("cityops.lockout.username", normalised, algorithm="sha256").hexdigest(),
        ),
        (LoginThrottle.Kind.ADDRESS, salted_hmac("cityops.lockout.address", address, algorithm="sha256").hexdigest()),
    ]


def _limit(kind: str) -> int:
    if kind == LoginThrottle.Kind.USERNAME:
        return settings.CITYOPS_LOGIN_MAX_FAILURES
    return settings.CITYOPS_LOGIN_MAX_FAILURES_PER_ADDRESS


def _window() -> timedelta:
    return timedelta(minutes=settings.CITYOPS_LOGIN_LOCK_MINUTES)


def login_locked(*, username: str, address: str) -> bool:
    """True while the username or the address is locked; each such attempt is audit-logged (no name, no address)."""
    keys = _keys(username=username, address=address)
    locked = [
        row
        for row in LoginThrottle.objects.filter(locked_until__gt=timezone.now(), key__in=[key for _kind, key in keys])
        if (row.kind, row.key) in keys
    ]
    if locked:
        log_action(None, "accounts.login.locked", data={"by": sorted(row.kind for row in locked)})
    return bool(locked)


@transaction.atomic
def login_failure_record(*, username: str, address: str) -> bool:
    """Count a failed password or second-factor code; returns True if it locked the username or address.

    A lock starts when a key reaches its limit within the window and lasts one window; the count then restarts.
    """
    now = timezone.now()
    locked_by = []
    for kind, key in _keys(username=username, address=address):
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            kind=kind, key=key, defaults={"window_start": now}
        )
        if row.window_start <= now - _window():
            row.failures, row.window_start = 0, now
        row.failures += 1
        if row.failures >= _limit(kind):
            row.failures, row.window_start, row.locked_until = 0, now, now + _window()
            locked_by.append(kind)
        row.save()
    if locked_by:
        log_action(None, "accounts.login.locked", data={"by": sorted(locked_by), "started": True})
    return bool(locked_by)


def login_success_record(*, username: str) -> None:
    """A correct sign-in clears the username's failures (not the address's: one good account must not hide
    a password spray from the same address)."""
    (kind, key), _address = _keys(username=username, address="")
    LoginThrottle.objects.filter(kind=kind, key=key).delete()
