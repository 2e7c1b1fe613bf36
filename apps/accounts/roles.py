"""Roles are Django groups. Each role's permissions are listed here; a data migration creates them.

Admins are superusers, not a group. Apps added later grant their own permissions to these groups in
their own data migrations (`grant_permissions`).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMAND_CENTER = "command_center", _("Command center")
    FIELD_OFFICER = "field_officer", _("Field officer")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    DATA_STEWARD = "data_steward", _("Data steward")


# Roles that see the whole city unless an administrator narrows them to regions.
CITY_WIDE_ROLES = frozenset({Role.COMMAND_CENTER, Role.DATA_STEWARD})

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COMMAND_CENTER: ["regions.view_region", "accounts.view_department"],
    Role.FIELD_OFFICER: ["regions.view_region"],
    Role.DEPARTMENT_STAFF: ["regions.view_region", "accounts.view_department"],
    Role.DATA_STEWARD: ["regions.view_region", "accounts.view_department", "core.view_auditlog"],
}


_APP_ROLE_PERMISSIONS: list[dict[str, list[str]]] = []


def register_role_permissions(role_permissions: dict[str, list[str]]) -> None:
    """Apps added later declare what each role may do with their models (AppConfig.ready); their data
    migration grants the same dict with `grant_permissions`."""
    if role_permissions not in _APP_ROLE_PERMISSIONS:
        _APP_ROLE_PERMISSIONS.append(role_permissions)


def all_role_permissions() -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {role: list(names) for role, names in ROLE_PERMISSIONS.items()}
    for extra in _APP_ROLE_PERMISSIONS:
        for role, names in extra.items():
            merged.setdefault(role, []).extend(n for n in names if n not in merged[role])
    return merged


def grant_permissions(apps: Any, role_permissions: dict[str, list[str]]) -> None:
    """For data migrations: create the groups if needed and add the named permissions ("app.codename")."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True  # create_permissions skips apps it thinks have no models
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, names in role_permissions.items():
        group, _created = group_model.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".", 1)
            permission = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(permission)


def user_roles(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_cityops_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._cityops_roles = cached
    return cached


def user_has_role(user: Any, *roles: str) -> bool:
    """True for superusers, and for members of any of the roles."""
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    return bool(user_roles(user) & set(roles))
