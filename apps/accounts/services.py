from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from apps.accounts.models import Department, StaffProfile
from apps.accounts.roles import Role, all_role_permissions
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
            "is_staff": superuser,
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
def roles_ensure() -> None:
    """Create any missing role group and permission grant (the data migration's work, repeatable)."""
    for role, names in all_role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".", 1)
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
