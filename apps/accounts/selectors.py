"""Scope of a user: which regions and departments they may see. Every list and object fetch that is
region-bound goes through `regions_scope` / `user_can_access_region`."""

from __future__ import annotations

import time
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet

from apps.accounts.models import Department, StaffProfile, TotpDevice
from apps.accounts.roles import CITY_WIDE_ROLES, user_roles
from apps.regions.selectors import region_descendant_ids

M = TypeVar("M", bound=Model)


def user_region_ids(*, user: Any) -> frozenset[int] | None:
    """The ids of the regions the user may see, including everything below them; None means all.

    Superusers see all. A user with assigned regions sees those. Without assigned regions, command-center
    staff and data stewards see the whole city and everyone else sees nothing (safe by default).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_cityops_region_ids", False)
    if cached is not False:
        return cached
    assigned = list(
        StaffProfile.regions.through.objects.filter(staffprofile__user=user).values_list("region_id", flat=True)
    )
    if assigned:
        scope: frozenset[int] | None = frozenset(region_descendant_ids(region_ids=assigned))
    elif user_roles(user) & CITY_WIDE_ROLES:
        scope = None
    else:
        scope = frozenset()
    user._cityops_region_ids = scope
    return scope


def regions_scope(queryset: QuerySet[M], *, user: Any, field: str = "region") -> QuerySet[M]:
    """Filter any queryset with a region foreign key (`field`, may span relations) to the user's scope."""
    region_ids = user_region_ids(user=user)
    if region_ids is None:
        return queryset
    return queryset.filter(**{f"{field}__in": region_ids})


def user_can_access_region(*, user: Any, region_id: int) -> bool:
    region_ids = user_region_ids(user=user)
    return region_ids is None or region_id in region_ids


def user_department_ids(*, user: Any) -> frozenset[int] | None:
    """Departments the user works for; None means all (superusers, city-wide roles without any)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    ids = frozenset(Department.objects.filter(staff__user=user).values_list("id", flat=True))
    if not ids and user_roles(user) & CITY_WIDE_ROLES:
        return None
    return ids


# The session key set once the second factor was given (or set up) in this session.
SECOND_FACTOR_SESSION_KEY = "cityops_2fa"


def second_factor_required(*, user: Any) -> bool:
    """Must this user have a second factor (CITYOPS_TOTP_REQUIRED_ROLES: role names and "superuser")?"""
    required = set(settings.CITYOPS_TOTP_REQUIRED_ROLES)
    return bool(("superuser" in required and user.is_superuser) or user_roles(user) & required)


# When a session was last found to owe nothing (no device, no role that needs one): every request and every
# socket of such a session would otherwise ask the database again; re-checked after NOTHING_OWED_FOR seconds,
# so a user given a role that needs a second factor is sent to set it up within minutes.
NOTHING_OWED_SESSION_KEY = "cityops_2fa_none_at"
NOTHING_OWED_FOR = 300


def second_factor_pending(*, user: Any, session: Any) -> str | None:
    """What a signed-in session still owes: "verify" (a code), "enrol" (set a device up first) or None."""
    if not getattr(user, "is_authenticated", False) or (session is not None and session.get(SECOND_FACTOR_SESSION_KEY)):
        return None
    now = time.time()
    if session is not None and now - float(session.get(NOTHING_OWED_SESSION_KEY) or 0) < NOTHING_OWED_FOR:
        return None
    if TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        return "verify"
    if second_factor_required(user=user):
        return "enrol"
    if session is not None:
        session[NOTHING_OWED_SESSION_KEY] = now
    return None


def totp_device_confirmed(*, user: Any) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
