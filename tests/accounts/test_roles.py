"""Role groups granted from the manifests after migrate, and creating or updating staff accounts."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from apps.accounts.models import StaffProfile
from apps.accounts.roles import ROLE_PERMISSIONS, Role, roles_sync
from apps.accounts.services import staff_user_upsert
from apps.core.audit import audit_log_for
from apps.core.errors import ApplicationError
from apps.core.models import AuditLog
from tests.conftest import PASSWORD

User = get_user_model()
# The apps of the foundation; apps added later grant their own permissions to the role groups.
FOUNDATION_APPS = ["accounts", "core", "regions"]


def role_permissions() -> dict[str, list[str]]:
    return {
        group.name: sorted(
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.filter(content_type__app_label__in=FOUNDATION_APPS).select_related(
                "content_type"
            )
        )
        for group in Group.objects.filter(name__in=Role.values)
    }


def test_migrate_created_the_four_role_groups_with_their_permissions(db):
    # when
    granted = role_permissions()

    # then
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(Role.values)
    assert granted == {role: sorted(names) for role, names in ROLE_PERMISSIONS.items()}


def test_roles_sync_restores_a_missing_group_and_grant(db):
    # given a role group lost a permission and another group is gone
    Group.objects.get(name=Role.DATA_STEWARD).permissions.remove(
        Permission.objects.get(content_type__app_label="core", codename="view_auditlog")
    )
    Group.objects.filter(name=Role.FIELD_OFFICER).delete()

    # when, twice (idempotent)
    roles_sync()
    roles_sync()

    # then
    assert role_permissions() == {role: sorted(names) for role, names in ROLE_PERMISSIONS.items()}
    assert Group.objects.filter(name__in=Role.values).count() == 4


def test_staff_user_upsert_creates_the_account_profile_and_audit_entry(cast, city):
    # when
    user = staff_user_upsert(
        username="new.officer",
        password=PASSWORD,
        roles=[Role.FIELD_OFFICER],
        region_codes=["W1"],
        department_codes=["urban"],
        first_name="Li",
        last_name="Wei",
        actor=cast["admin"],
    )

    # then
    user = User.objects.get(pk=user.pk)
    assert (user.username, user.first_name, user.last_name) == ("new.officer", "Li", "Wei")
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [Role.FIELD_OFFICER]
    assert list(user.staff_profile.regions.values_list("code", flat=True)) == ["W1"]
    assert list(user.staff_profile.departments.values_list("code", flat=True)) == ["urban"]
    [entry] = audit_log_for(user)
    assert (entry.action, entry.actor, entry.actor_name) == ("accounts.user.upsert", cast["admin"], "admin")
    assert entry.data == {"roles": [Role.FIELD_OFFICER], "regions": ["W1"], "departments": ["urban"]}


def test_staff_user_upsert_is_idempotent_and_replaces_roles_and_scope(cast, city):
    # given
    officer = cast["officer"]
    users, profiles = User.objects.count(), StaffProfile.objects.count()
    entries = AuditLog.objects.filter(action="accounts.user.upsert").count()

    # when the same username is upserted with other roles and scope
    again = staff_user_upsert(
        username="officer",
        password="another-long-password",
        roles=[Role.COMMAND_CENTER, Role.DATA_STEWARD],
        region_codes=["E"],
    )

    # then the same account changed, nothing was duplicated, and one more entry records it
    assert again.pk == officer.pk
    assert (User.objects.count(), StaffProfile.objects.count()) == (users, profiles)
    again = User.objects.get(pk=officer.pk)
    assert sorted(again.groups.values_list("name", flat=True)) == sorted([Role.COMMAND_CENTER, Role.DATA_STEWARD])
    assert list(again.staff_profile.regions.values_list("code", flat=True)) == ["E"]
    assert again.check_password("another-long-password")
    assert not again.check_password(PASSWORD)
    assert AuditLog.objects.filter(action="accounts.user.upsert").count() == entries + 1
    latest = audit_log_for(again).first()
    assert (latest.action, latest.actor) == ("accounts.user.upsert", None)
    assert latest.data == {
        "roles": sorted([Role.COMMAND_CENTER, Role.DATA_STEWARD]),
        "regions": ["E"],
        "departments": [],
    }


def test_staff_user_upsert_twice_with_the_same_input_gives_the_same_account(cast, city):
    # given
    def upsert():
        return staff_user_upsert(
            username="staff", password=PASSWORD, roles=[Role.DEPARTMENT_STAFF], department_codes=["urban"]
        )

    first = upsert()
    before = (
        list(first.groups.values_list("name", flat=True)),
        list(first.staff_profile.departments.values_list("code", flat=True)),
        list(first.staff_profile.regions.values_list("code", flat=True)),
    )

    # when
    second = upsert()

    # then
    assert second.pk == first.pk == cast["staff"].pk
    assert (
        (
            list(second.groups.values_list("name", flat=True)),
            list(second.staff_profile.departments.values_list("code", flat=True)),
            list(second.staff_profile.regions.values_list("code", flat=True)),
        )
        == before
        == ([Role.DEPARTMENT_STAFF], ["urban"], [])
    )


def test_staff_user_upsert_can_demote_a_superuser(cast):
    # when
    user = staff_user_upsert(username="admin", password=PASSWORD, roles=[Role.COMMAND_CENTER])

    # then
    user = User.objects.get(pk=user.pk)
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.groups.values_list("name", flat=True)) == [Role.COMMAND_CENTER]


def test_data_stewards_use_the_admin_site_without_being_superusers(cast):
    user = User.objects.get(pk=cast["steward"].pk)

    assert (user.is_staff, user.is_superuser) == (True, False)


def snapshot_of(username):
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    return (
        user.first_name,
        user.password,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.staff_profile.regions.values_list("code", flat=True)),
        sorted(user.staff_profile.departments.values_list("code", flat=True)),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"roles": ["mayor"]}, "unknown roles: mayor"),
        ({"roles": [Role.FIELD_OFFICER, "admin", "mayor"]}, "unknown roles: admin, mayor"),
        ({"roles": [Role.FIELD_OFFICER], "region_codes": ["W", "NOWHERE"]}, "unknown regions or departments: NOWHERE"),
        ({"roles": [Role.DEPARTMENT_STAFF], "department_codes": ["police"]}, "unknown regions or departments: police"),
    ],
)
@pytest.mark.parametrize("username", ["officer", "brand.new"])
def test_staff_user_upsert_refuses_unknown_roles_regions_and_departments_without_writing(
    cast, city, kwargs, message, username
):
    # given
    counts = (User.objects.count(), StaffProfile.objects.count(), AuditLog.objects.count())
    before = snapshot_of(username)

    # when
    with pytest.raises(ApplicationError) as excinfo:
        staff_user_upsert(username=username, password="some-other-password", first_name="Changed", **kwargs)

    # then
    assert excinfo.value.message == message
    assert (User.objects.count(), StaffProfile.objects.count(), AuditLog.objects.count()) == counts
    assert snapshot_of(username) == before


def test_unknown_role_names_the_roles_field(db):
    # when
    with pytest.raises(ApplicationError) as excinfo:
        staff_user_upsert(username="x", password=PASSWORD, roles=["mayor"])

    # then
    assert excinfo.value.fields == {"roles": ["unknown"]}
    assert not User.objects.filter(username="x").exists()
