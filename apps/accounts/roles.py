"""Roles are Django groups. What each role may do is declared in the apps' manifests (`roles`: the accounts app's
own grants are ROLE_PERMISSIONS below) and granted after every migrate by `roles_sync`, a post_migrate handler.

Admins are superusers, not a group.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
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


def roles_sync(*, sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Create any missing role group and grant what the manifests say: the `post_migrate` handler, after every
    migrate and after a test's flush (Django sends post_migrate then too). Django sends it once per app, in
    INSTALLED_APPS order, each app's permissions made on its turn: the grants wait for the last app's turn.
    Grants only: a permission an administrator added to a group stays. A permission a manifest names that does
    not exist is an error."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    from apps.core.plugins import role_permission_registry, role_permissions

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not None and with_models and sender is not with_models[-1]:
        return
    permissions = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, names in role_permissions().items():
        missing = [name for name in names if name not in permissions]
        if missing:
            where = role_permission_registry.origin(f"{role}: {missing[0]}")
            raise ImproperlyConfigured(f"{where}: role {role!r} is granted permissions that do not exist: {missing}")
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*(permissions[name] for name in names))


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
