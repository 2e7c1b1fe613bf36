"""A user's access changed: their open websockets close at once, in every process.

A socket checks a stream's permission when it subscribes, against the user as they were when it connected. When
what a user may see changes — their regions or departments (StaffProfile), their roles (groups), their own or
their groups' permissions, the active, staff and superuser flags, their password — their sockets are closed
after the change commits (code CLOSE_ACCESS_CHANGED; CLOSE_SESSION_ENDED for an account disabled or deleted).
That is the re-authorisation: the screen reconnects within a second or two and subscribes again, checked
against the new access; a stream no longer allowed is refused.

Signals, although the house style avoids them: access changes through paths no service of ours sees — the
admin's user and group forms (their many-to-many widgets), the shell, data migrations — and one path missed is a
user still watching a district they were taken off. Each handler only schedules the close (on commit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from apps.accounts.models import StaffProfile

# Fields of the user whose change changes what they may see (the password: Django ends the other sessions).
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser", "password")


@dataclass(frozen=True)
class _Link:
    """A many-to-many that grants access: the model declaring it, its name there, and who it grants to."""

    owner: type[Model]
    field: str
    users: Callable[[set[int]], Iterable[int]]  # the owners' primary keys -> the users whose access changed


def _profiles_users(pks: set[int]) -> Iterable[int]:
    return StaffProfile.objects.filter(pk__in=pks).values_list("user_id", flat=True)


def _groups_users(pks: set[int]) -> Iterable[int]:
    return get_user_model().objects.filter(groups__in=pks).values_list("pk", flat=True).distinct()


def _links() -> dict[type[Model], _Link]:
    user = get_user_model()
    return {
        StaffProfile.regions.through: _Link(StaffProfile, "regions", _profiles_users),
        StaffProfile.departments.through: _Link(StaffProfile, "departments", _profiles_users),
        user.groups.through: _Link(user, "groups", set),
        user.user_permissions.through: _Link(user, "user_permissions", set),
        Group.permissions.through: _Link(Group, "permissions", _groups_users),
    }


def access_changes_connect() -> None:
    """Connect the handlers (AccountsConfig.ready)."""
    user = get_user_model()
    for through in _links():
        m2m_changed.connect(_link_changed, sender=through, dispatch_uid=f"accounts.access.{through._meta.label}")
    pre_save.connect(_user_before_save, sender=user, dispatch_uid="accounts.access.user_pre_save")
    post_save.connect(_user_saved, sender=user, dispatch_uid="accounts.access.user_post_save")
    post_delete.connect(_user_deleted, sender=user, dispatch_uid="accounts.access.user_delete")
    post_delete.connect(_profile_deleted, sender=StaffProfile, dispatch_uid="accounts.access.profile_delete")
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="accounts.access.group_delete")


def _close(user_ids: Iterable[int], *, signed_out: bool = False) -> None:
    from apps.accounts.sockets import CLOSE_ACCESS_CHANGED, CLOSE_SESSION_ENDED, user_sockets_close

    ids = {int(pk) for pk in user_ids if pk is not None}
    if ids:
        user_sockets_close(user_ids=ids, code=CLOSE_SESSION_ENDED if signed_out else CLOSE_ACCESS_CHANGED)


def _link_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Rows added or removed (pk_set holds only real changes), or all cleared (read before they go)."""
    link = _links()[sender]
    if action in ("post_add", "post_remove") and pk_set:
        owners = set(pk_set) if reverse else {instance.pk}
    elif action == "pre_clear":
        # _default_manager: any linked model (each has only `objects`).
        linked = link.owner._default_manager.filter(**{link.field: instance}) if reverse else None
        owners = set(linked.values_list("pk", flat=True)) if linked is not None else {instance.pk}
    else:
        return
    _close(link.users(owners))


def _user_before_save(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Note whether the save changes an access field (a sign-in's last_login alone does not read anything)."""
    if instance.pk is None or (update_fields is not None and not set(update_fields) & set(ACCESS_FIELDS)):
        return
    stored = sender.objects.filter(pk=instance.pk).values(*ACCESS_FIELDS).first()
    if stored is not None and any(stored[name] != getattr(instance, name) for name in ACCESS_FIELDS):
        instance._cityops_access_changed = "signed_out" if not instance.is_active else "changed"


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    change = instance.__dict__.pop("_cityops_access_changed", None)
    if change is not None:
        _close([instance.pk], signed_out=change == "signed_out")  # a disabled account is signed out


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    _close([instance.pk], signed_out=True)


def _profile_deleted(sender: Any, instance: StaffProfile, **kwargs: Any) -> None:
    _close([instance.user_id])


def _group_deleted(sender: Any, instance: Group, **kwargs: Any) -> None:
    _close(_groups_users({instance.pk}))
