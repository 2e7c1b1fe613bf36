"""Scope of a user: which regions and departments they may see. The one mechanism every surface goes through.

- A user with assigned regions sees those regions and everything below them; a parent region's own figures
  (a district's for a street officer, the city's for a district's staff) only when they are assigned the parent.
- A user without assigned regions sees the whole city if their role is city-wide by design (`CITY_WIDE_ROLES`:
  the command center and data stewards), and no region at all otherwise (field officers and department staff
  must be given regions; department staff still see their departments' reports, see grievances' selectors).
- Superusers see everything.

Lists and object fetches go through `regions_scope` / `user_can_access_region`; overviews (the wall, the domain
pages) start from `user_home_region`, the user's own "city": a district-scoped wall shows that district.
"""

from __future__ import annotations

import time
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet

from apps.accounts.models import Department, StaffProfile, TotpDevice
from apps.accounts.roles import CITY_WIDE_ROLES, user_roles
from apps.regions.models import Region
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
    if hasattr(user, "_cityops_region_ids"):  # set below, once per user object (a request's)
        cached: frozenset[int] | None = user._cityops_region_ids
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


def user_sees_whole_city(*, user: Any) -> bool:
    """Does the user's scope cover every region (superusers, city-wide roles without assigned regions)? What
    covers the whole city — a city-wide open-data release — is for them only."""
    return user_region_ids(user=user) is None


def user_scope_roots(*, user: Any) -> list[Region]:
    """The highest regions the user sees whole, by code: the top of the hierarchy for users who see everything,
    otherwise their assigned regions that are not inside another one of them. Empty for users who see none."""
    region_ids = user_region_ids(user=user)
    if region_ids is None:
        return list(Region.objects.filter(parent=None).order_by("code"))
    if not region_ids:
        return []
    inside = Region.objects.filter(id__in=region_ids)
    return list(inside.exclude(parent_id__in=region_ids).order_by("depth", "code"))


def user_home_region(*, user: Any, code: str = "") -> Region | None:
    """Where the user's overviews start: the region `code` names if the user sees it, else their first scope root
    (the city for city-wide users). None for a user who sees no region."""
    if code:
        region = Region.objects.filter(code=code).first()
        if region is not None and user_can_access_region(user=user, region_id=region.id):
            return region
    roots = user_scope_roots(user=user)
    return roots[0] if roots else None


def user_assigned_region_ids(*, user: Any) -> frozenset[int] | None:
    """The regions (with everything below them) a user is narrowed to; None when none are assigned. For scopes
    that are not regional in the first place (a department's reports), which regions narrow further."""
    assigned = list(
        StaffProfile.regions.through.objects.filter(staffprofile__user=user).values_list("region_id", flat=True)
    )
    return frozenset(region_descendant_ids(region_ids=assigned)) if assigned else None


def region_field(model: type[Model]) -> str | None:
    """The path from a model to the region its rows belong to ("region", "station__region", …), or None for models
    that belong to no region. Declared on the model as `scope_region`, else its own `region` foreign key."""
    declared = getattr(model, "scope_region", None)
    if declared is not None:
        return declared or None
    try:
        field = model._meta.get_field("region")
    except FieldDoesNotExist:
        return None
    return "region" if field.is_relation and field.related_model is Region else None


def audit_scope(rows: QuerySet[Any], *, user: Any) -> QuerySet[Any]:
    """Audit entries a user may read: everything for those who see the whole city; otherwise the entries about
    objects in their regions (regions themselves, and rows of every model that belongs to a region) and their own
    actions."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Q
    from django.db.models.functions import Cast

    region_ids = user_region_ids(user=user)
    if region_ids is None:
        return rows
    wanted = Q(actor_id=user.pk) | Q(
        target_type=ContentType.objects.get_for_model(Region), target_id__in=[str(i) for i in region_ids]
    )
    for model in apps.get_models():
        field = region_field(model)
        if field is None or model is Region:  # regions: by their ids, above
            continue
        # _default_manager: generic code over any model (every model here has only `objects`).
        inside = model._default_manager.filter(**{f"{field}__in": region_ids}).values_list(Cast("pk", CharField()))
        wanted |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=inside)
    return rows.filter(wanted)


class RegionScopedAdminMixin:
    """The admin narrowed like every other surface: a user with regions lists and opens only rows of their
    regions (models that belong to no region are not narrowed). Every ModelAdmin of a region-bound model uses it
    (tests/core/test_scope_walk.py checks)."""

    def get_queryset(self, request: Any) -> QuerySet[Any]:
        rows = super().get_queryset(request)  # type: ignore[misc]
        field = region_field(rows.model)
        return regions_scope(rows, user=request.user, field=field) if field else rows


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
