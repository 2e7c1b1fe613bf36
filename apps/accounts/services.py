from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from apps.accounts import totp
from apps.accounts.models import Department, StaffProfile, TotpDevice
from apps.accounts.roles import Role
from apps.core.audit import log_action
from apps.core.errors import ApplicationError
from apps.regions.models import Region


@transaction.atomic
def department_upsert(*, code: str, name_zh: str, name_en: str) -> Department:
    department, _created = Department.objects.update_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en}
    )
    return department


@transaction.atomic
def staff_user_upsert(
    *,
    username: str,
    password: str,
    roles: Sequence[str],
    region_codes: Sequence[str] = (),
    department_codes: Sequence[str] = (),
    first_name: str = "",
    last_name: str = "",
    superuser: bool = False,
    actor: Any = None,
) -> Any:
    """Create or update a staff account with its roles and scope; set its password.

    Raises ApplicationError (nothing written) for an unknown role, region or department. Idempotent.
    Logs `accounts.user.upsert`.
    """
    unknown_roles = set(roles) - set(Role.values)
    if unknown_roles:
        raise ApplicationError(f"unknown roles: {', '.join(sorted(unknown_roles))}", fields={"roles": ["unknown"]})
    regions = list(Region.objects.filter(code__in=region_codes))
    departments = list(Department.objects.filter(code__in=department_codes))
    missing = (set(region_codes) - {r.code for r in regions}) | (set(department_codes) - {d.code for d in departments})
    if missing:
        raise ApplicationError(f"unknown regions or departments: {', '.join(sorted(missing))}")
    user, _created = get_user_model().objects.update_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            # The admin site: administrators, and data stewards (categories, keys, the audit trail, the registry,
            # each as far as their permissions go).
            "is_staff": superuser or Role.DATA_STEWARD in roles,
            "is_superuser": superuser,
            "is_active": True,
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    user.groups.set(Group.objects.filter(name__in=roles))
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    profile.regions.set(regions)
    profile.departments.set(departments)
    log_action(
        user,
        "accounts.user.upsert",
        user=actor,
        data={
            "roles": sorted(roles),
            "regions": sorted(region_codes),
            "departments": sorted(department_codes),
        },
    )
    return user


@transaction.atomic
# --- Two-factor (TOTP) ----------------------------------------------------------------------------------


@transaction.atomic
def totp_device_start(*, user: Any) -> TotpDevice:
    """The user's unconfirmed device with a fresh secret, or the pending one (a reload keeps the QR code valid).

    Raises ApplicationError if the user already has a confirmed device (replacing it needs an admin reset).
    """
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise ApplicationError("two-factor authentication is already set up for this account")
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=totp.secret_generate())
    return device


@transaction.atomic
def totp_device_confirm(*, user: Any, code: str) -> bool:
    """Confirm the pending device with a first valid code. Logs `accounts.totp.enrol`. False for a wrong code."""
    matched = _totp_device_match(user=user, code=code, confirmed=False)
    if matched is None:
        return False
    device, step = matched
    device.confirmed_at, device.last_step = timezone.now(), step
    device.save(update_fields=["confirmed_at", "last_step", "updated_at"])
    log_action(user, "accounts.totp.enrol", user=user)
    return True


@transaction.atomic
def totp_verify(*, user: Any, code: str) -> bool:
    """Check a code against the user's confirmed device; each time step's code is accepted once (no replay)."""
    matched = _totp_device_match(user=user, code=code, confirmed=True)
    if matched is None:
        return False
    device, step = matched
    device.last_step = step
    device.save(update_fields=["last_step", "updated_at"])
    return True


def _totp_device_match(*, user: Any, code: str, confirmed: bool) -> tuple[TotpDevice, int] | None:
    """The user's confirmed (or pending) device, locked for update, and the time step the code matches after the
    device's last used one; None when there is no such device or the code matches no unused step."""
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=not confirmed).first()
    if device is None:
        return None
    step = totp.matching_step(device.secret, code, after_step=device.last_step)
    return None if step is None else (device, step)


@transaction.atomic
def totp_device_reset(*, user: Any, actor: Any) -> None:
    """Remove the user's device (lost phone) and end their sessions: they enrol again at the next sign-in.

    Logs `accounts.totp.reset`. Idempotent.
    """
    TotpDevice.objects.filter(user=user).delete()
    user_sessions_end(user=user)
    log_action(user, "accounts.totp.reset", user=actor)


@transaction.atomic
def totp_device_set(*, user: Any, secret: str) -> TotpDevice:
    """For the demo only: give the user a confirmed device with a known secret. Idempotent."""
    device, _created = TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now()}
    )
    return device


# --- Sessions -------------------------------------------------------------------------------------------


@transaction.atomic
def user_sessions_end(*, user: Any) -> int:
    """Delete every session of the user and, once committed, close their open websockets in every process.

    Returns the number of sessions deleted. Reads each live session (there are few in an operations center).
    """
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    from apps.accounts.sockets import user_sockets_close

    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    Session.objects.filter(session_key__in=keys).delete()
    user_sockets_close(user_ids=[user.pk])
    return len(keys)


@transaction.atomic
def user_deactivate(*, user: Any, actor: Any = None) -> None:
    """Disable the account, end all its sessions and close its websockets. Logs `accounts.user.deactivate`."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    user_sessions_end(user=user)
    log_action(user, "accounts.user.deactivate", user=actor)
