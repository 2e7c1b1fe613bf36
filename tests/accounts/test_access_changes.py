"""A change of what a user may see closes their open websockets at once (apps/accounts/access.py): regions,
departments, roles, their own and their groups' permissions, the access flags — by any path, both directions of
each many-to-many. Screens then reconnect and subscribe again against the new access."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Group, Permission

from apps.accounts.models import Department
from apps.accounts.roles import Role
from apps.accounts.services import staff_user_upsert
from apps.accounts.sockets import CLOSE_ACCESS_CHANGED, CLOSE_SESSION_ENDED
from tests.conftest import PASSWORD
from tests.indicators.live import QUIET, TIMEOUT, flush_layer, in_thread, open_socket, session_headers, subscribe


def west_desk():
    return staff_user_upsert(username="west-desk", password=PASSWORD, roles=[Role.COMMAND_CENTER], region_codes=["W"])


def _regions_to_east(user, city):
    user.staff_profile.regions.set([city["E"]])


def _taken_off_west_from_the_region(user, city):
    city["W"].staff_profiles.remove(user.staff_profile)


def _regions_cleared_from_the_region(user, city):
    city["W"].staff_profiles.clear()


def _department_added(user, city):
    user.staff_profile.departments.add(Department.objects.get(code="urban"))


def _role_removed(user, city):
    user.groups.remove(Group.objects.get(name=Role.COMMAND_CENTER))


def _role_emptied_from_the_group(user, city):
    Group.objects.get(name=Role.COMMAND_CENTER).user_set.clear()


def _permission_given(user, city):
    user.user_permissions.add(Permission.objects.get(codename="view_auditlog"))


def _permission_taken_from_the_role(user, city):
    Group.objects.get(name=Role.COMMAND_CENTER).permissions.remove(Permission.objects.get(codename="view_visit"))


def _role_deleted(user, city):
    Group.objects.get(name=Role.COMMAND_CENTER).delete()


def _made_superuser(user, city):
    user.is_superuser = True
    user.save()


def _profile_deleted(user, city):
    user.staff_profile.delete()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "change",
    [
        _regions_to_east,
        _taken_off_west_from_the_region,
        _regions_cleared_from_the_region,
        _department_added,
        _role_removed,
        _role_emptied_from_the_group,
        _permission_given,
        _permission_taken_from_the_role,
        _role_deleted,
        _made_superuser,
        _profile_deleted,
    ],
)
def test_a_change_of_access_closes_the_users_sockets_at_once_and_no_one_elses(cast, city, change):
    # given: West's command-center desk watching West's wall; East's officer (another role) with a screen open
    desk = west_desk()
    desk_headers, officer_headers = session_headers(desk), session_headers(cast["other_officer"])

    async def scenario():
        await flush_layer()
        mine, theirs = await open_socket(desk_headers), await open_socket(officer_headers)
        assert (await subscribe(mine, "wall", {"code": "W"}))["type"] == "snapshot"
        assert (await subscribe(theirs, "system"))["type"] == "snapshot"
        # when (no sweep runs)
        await in_thread(change)(desk, city)
        closed = await mine.receive_output(timeout=TIMEOUT)
        still_open = await theirs.receive_nothing(timeout=QUIET)
        await theirs.disconnect()
        return closed, still_open

    # then
    closed, still_open = async_to_sync(scenario)()
    assert closed == {"type": "websocket.close", "code": CLOSE_ACCESS_CHANGED}
    assert still_open is True


@pytest.mark.django_db(transaction=True)
def test_after_the_change_the_reconnected_screen_is_refused_the_old_district(cast, city):
    # given
    desk = west_desk()
    headers = session_headers(desk)

    async def scenario():
        await flush_layer()
        socket = await open_socket(headers)
        assert (await subscribe(socket, "wall", {"code": "W"}))["type"] == "snapshot"
        # when: moved to East District; the screen reconnects as live.js does
        await in_thread(_regions_to_east)(desk, city)
        closed = await socket.receive_output(timeout=TIMEOUT)
        again = await open_socket(headers)
        west, east = await subscribe(again, "wall", {"code": "W"}), await subscribe(again, "wall", {"code": "E"})
        await again.disconnect()
        return closed, west, east

    # then
    closed, west, east = async_to_sync(scenario)()
    assert closed["code"] == CLOSE_ACCESS_CHANGED
    assert (west["type"], west["code"]) == ("error", "forbidden")
    assert east["type"] == "snapshot"


def _signed_in_again(user, city):
    user.save(update_fields=["last_login"])


def _saved_unchanged(user, city):
    user.save()


def _same_regions_set_again(user, city):
    user.staff_profile.regions.set([city["W"]])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", [_signed_in_again, _saved_unchanged, _same_regions_set_again])
def test_a_save_that_changes_no_access_leaves_the_sockets_open(cast, city, change):
    desk = west_desk()
    headers = session_headers(desk)

    async def scenario():
        await flush_layer()
        socket = await open_socket(headers)
        assert (await subscribe(socket, "wall", {"code": "W"}))["type"] == "snapshot"
        await in_thread(change)(desk, city)
        still_open = await socket.receive_nothing(timeout=QUIET)
        await socket.disconnect()
        return still_open

    assert async_to_sync(scenario)() is True


@pytest.mark.django_db(transaction=True)
def test_disabling_by_a_plain_save_signs_the_sockets_out_at_once(cast, city):
    desk = west_desk()
    headers = session_headers(desk)

    def disable(user):
        user.is_active = False
        user.save(update_fields=["is_active"])

    async def scenario():
        await flush_layer()
        socket = await open_socket(headers)
        assert (await subscribe(socket, "system"))["type"] == "snapshot"
        await in_thread(disable)(desk)
        return await socket.receive_output(timeout=TIMEOUT)

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}
