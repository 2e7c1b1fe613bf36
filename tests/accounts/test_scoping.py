"""A user's scope: which regions and departments they see (apps.accounts.selectors)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from apps.accounts.models import Department
from apps.accounts.roles import Role, user_has_role, user_roles
from apps.accounts.selectors import (
    regions_scope,
    user_can_access_region,
    user_department_ids,
    user_region_ids,
)
from apps.accounts.services import staff_user_upsert
from apps.regions.models import Region
from tests.conftest import PASSWORD


def fresh(user):
    """The user as a new request would load it (no cached roles or scope)."""
    return get_user_model().objects.get(pk=user.pk)


def ids(city, *codes):
    return frozenset(city[code].id for code in codes)


@pytest.mark.parametrize("name", ["admin", "command", "steward"])
def test_admins_and_city_wide_roles_without_regions_see_everything(cast, name):
    # when / then
    assert user_region_ids(user=fresh(cast[name])) is None


def test_a_field_officer_sees_the_assigned_region_and_everything_below(cast, city):
    # when / then
    assert user_region_ids(user=fresh(cast["officer"])) == ids(city, "W", "W1", "W2")
    assert user_region_ids(user=fresh(cast["other_officer"])) == ids(city, "E")


def test_department_staff_without_regions_see_no_region(cast):
    # when / then
    assert user_region_ids(user=fresh(cast["staff"])) == frozenset()


def test_a_command_center_user_narrowed_to_a_region_sees_only_it(cast, city):
    # given
    command = staff_user_upsert(username="command", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["W1"])

    # when / then
    assert user_region_ids(user=fresh(command)) == ids(city, "W1")


def test_anonymous_and_inactive_users_see_nothing(cast):
    # given
    inactive = fresh(cast["other_officer"])
    inactive.is_active = False
    inactive.save()
    inactive_admin = fresh(cast["admin"])
    inactive_admin.is_active = False
    inactive_admin.save()

    # when / then
    assert user_region_ids(user=AnonymousUser()) == frozenset()
    assert user_region_ids(user=None) == frozenset()
    assert user_region_ids(user=fresh(inactive)) == frozenset()
    assert user_region_ids(user=fresh(inactive_admin)) == frozenset()


def test_regions_scope_filters_a_queryset_to_the_user_scope(cast, city):
    # given
    regions = Region.objects.all()

    # when
    scoped = {
        name: set(regions_scope(regions, user=fresh(cast[name]), field="id").values_list("code", flat=True))
        for name in cast
    }

    # then
    assert scoped == {
        "admin": {"C", "W", "E", "W1", "W2"},
        "command": {"C", "W", "E", "W1", "W2"},
        "officer": {"W", "W1", "W2"},
        "other_officer": {"E"},
        "staff": set(),
        "steward": {"C", "W", "E", "W1", "W2"},
    }


def test_regions_scope_follows_a_relation(cast, city):
    # given regions queried through their parent
    streets = Region.objects.filter(parent__isnull=False)

    # when the scope applies to the parent
    scoped = regions_scope(streets, user=fresh(cast["other_officer"]), field="parent")

    # then only children of E's subtree (none: E has no streets) remain
    assert list(scoped) == []
    assert set(regions_scope(streets, user=fresh(cast["officer"]), field="parent").values_list("code", flat=True)) == {
        "W1",
        "W2",
    }


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("officer", "W", True),
        ("officer", "W2", True),
        ("officer", "E", False),
        ("officer", "C", False),
        ("other_officer", "E", True),
        ("other_officer", "W1", False),
        ("staff", "E", False),
        ("command", "W1", True),
        ("steward", "E", True),
        ("admin", "C", True),
    ],
)
def test_user_can_access_region(cast, city, name, code, expected):
    # when / then
    assert user_can_access_region(user=fresh(cast[name]), region_id=city[code].id) is expected


def test_anonymous_cannot_access_any_region(city):
    # when / then
    assert user_can_access_region(user=AnonymousUser(), region_id=city["C"].id) is False


def test_user_department_ids(cast):
    # given
    urban = Department.objects.get(code="urban")

    # when
    departments = {name: user_department_ids(user=fresh(user)) for name, user in cast.items()}

    # then
    assert departments == {
        "admin": None,
        "command": None,
        "officer": frozenset(),
        "other_officer": frozenset(),
        "staff": frozenset({urban.id}),
        "steward": None,
    }
    assert user_department_ids(user=AnonymousUser()) == frozenset()


def test_a_city_wide_role_with_departments_sees_only_them(cast):
    # given
    urban = Department.objects.get(code="urban")
    steward = staff_user_upsert(
        username="steward", password=PASSWORD, roles=[Role.DATA_STEWARD], department_codes=["urban"]
    )

    # when / then
    assert user_department_ids(user=fresh(steward)) == frozenset({urban.id})


def test_inactive_staff_have_no_department(cast):
    # given
    staff = fresh(cast["staff"])
    staff.is_active = False
    staff.save()

    # when / then
    assert user_department_ids(user=fresh(staff)) == frozenset()


@pytest.mark.parametrize("role", Role.values)
def test_a_superuser_has_every_role(cast, role):
    # when / then
    assert user_has_role(fresh(cast["admin"]), role) is True


def test_a_field_officer_has_only_that_role(cast):
    # given
    officer = fresh(cast["officer"])

    # when
    answers = {role: user_has_role(officer, role) for role in Role.values}

    # then
    assert answers == {
        Role.COMMAND_CENTER: False,
        Role.FIELD_OFFICER: True,
        Role.DEPARTMENT_STAFF: False,
        Role.DATA_STEWARD: False,
    }
    assert user_has_role(officer, Role.COMMAND_CENTER, Role.FIELD_OFFICER) is True
    assert user_roles(officer) == {Role.FIELD_OFFICER}


def test_anonymous_and_inactive_superusers_have_no_role(cast):
    # given
    admin = fresh(cast["admin"])
    admin.is_active = False
    admin.save()

    # when / then
    assert user_has_role(AnonymousUser(), *Role.values) is False
    assert user_has_role(fresh(admin), *Role.values) is False
