"""TOTP second factor: required for admins and data stewards, optional for other staff, enforced on every
page, API call and websocket of a session until the code is given."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts import totp
from apps.accounts.models import TotpDevice
from apps.accounts.selectors import SECOND_FACTOR_SESSION_KEY
from apps.accounts.services import totp_device_set, totp_verify
from apps.core.models import AuditLog
from tests.conftest import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.CITYOPS_TOTP_REQUIRED_ROLES = ["superuser", "data_steward"]


def verified(client):
    """Mark a force_login session as having given its second factor."""
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = True
    session.save()


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": "/regions/"})


def test_a_steward_without_a_device_is_sent_to_enrolment_before_anything_else(client, cast):
    # when
    signed_in = sign_in(client, "steward")
    page = client.get("/regions/")
    api = client.get("/api/v1/regions/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/regions/")
    assert (page.status_code, page["Location"]) == (302, "/accounts/two-factor/?next=%2Fregions%2F")
    assert api.status_code == 403
    assert api.json() == {"detail": "Two-factor authentication is required."}


def test_enrolment_shows_a_qr_code_and_confirms_with_a_first_code(client, cast):
    # given
    sign_in(client, "steward")
    page = client.get("/accounts/two-factor/?next=/regions/")
    device = TotpDevice.objects.get(user=cast["steward"])

    # when
    wrong = client.post("/accounts/two-factor/", {"code": "000000", "next": "/regions/"})
    right = client.post("/accounts/two-factor/", {"code": totp.totp_now(device.secret), "next": "/regions/"})
    after = client.get("/regions/")

    # then
    html = page.content.decode()
    assert "<svg" in html
    assert device.secret in html
    assert wrong.status_code == 200
    assert "form-errors" in wrong.content.decode()
    assert (right.status_code, right["Location"]) == (302, "/regions/")
    assert (after.status_code, after["Location"]) == (302, "/regions/C/")  # the city page, not the code page
    device.refresh_from_db()
    assert device.confirmed_at is not None
    assert AuditLog.objects.filter(action="accounts.totp.enrol", actor=cast["steward"]).count() == 1


def test_reloading_enrolment_keeps_the_pending_secret(client, cast):
    # given
    sign_in(client, "admin")
    client.get("/accounts/two-factor/")
    first = TotpDevice.objects.get(user=cast["admin"]).secret

    # when
    client.get("/accounts/two-factor/")

    # then
    assert TotpDevice.objects.get(user=cast["admin"]).secret == first


def test_an_enrolled_admin_gives_a_code_after_the_password(client, cast):
    # given
    totp_device_set(user=cast["admin"], secret=SECRET)

    # when
    sign_in(client, "admin")
    held = client.get("/regions/")
    code_page = client.post("/accounts/login/code/", {"code": totp.totp_now(SECRET), "next": "/regions/"})
    after = client.get("/regions/")

    # then
    assert (held.status_code, held["Location"]) == (302, "/accounts/login/code/?next=%2Fregions%2F")
    assert (code_page.status_code, code_page["Location"]) == (302, "/regions/")
    assert (after.status_code, after["Location"]) == (302, "/regions/C/")  # the city page, not the code page


def test_an_enrolled_admin_cannot_replace_the_device_from_a_half_signed_in_session(client, cast):
    # given
    totp_device_set(user=cast["admin"], secret=SECRET)
    sign_in(client, "admin")

    # when
    response = client.get("/accounts/two-factor/")

    # then
    assert response.status_code == 302
    assert TotpDevice.objects.get(user=cast["admin"]).secret == SECRET


def test_a_code_is_accepted_once(cast):
    # given
    totp_device_set(user=cast["admin"], secret=SECRET)
    code = totp.totp_now(SECRET)

    # when
    first = totp_verify(user=cast["admin"], code=code)
    again = totp_verify(user=cast["admin"], code=code)

    # then
    assert (first, again) == (True, False)


def test_wrong_codes_count_as_failed_sign_ins_and_lock_the_account(client, cast):
    # given
    totp_device_set(user=cast["admin"], secret=SECRET)
    sign_in(client, "admin")

    # when
    responses = [client.post("/accounts/login/code/", {"code": "000000"}) for _ in range(5)]
    again = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})

    # then
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 302]
    assert responses[-1]["Location"] == "/accounts/login/"
    assert SESSION_KEY not in client.session
    assert again.status_code == 200
    assert "form-errors" in again.content.decode()


def test_a_code_in_other_digits_is_refused_like_a_wrong_one(client, cast):
    # given
    totp_device_set(user=cast["admin"], secret=SECRET)
    sign_in(client, "admin")

    # when
    response = client.post("/accounts/login/code/", {"code": "١٢٣٤٥٦"}, headers={"accept-language": "en"})

    # then
    assert response.status_code == 200
    assert "That code is not valid." in response.content.decode()
    assert client.session[SESSION_KEY] == str(cast["admin"].pk)


def test_a_field_officer_is_not_forced_but_may_enrol_from_the_security_page(client, cast):
    # given
    client.force_login(cast["officer"])

    # when
    security = client.get("/accounts/security/", headers={"accept-language": "en"})
    regions = client.get("/regions/")

    # then
    assert security.status_code == 200
    assert 'href="/accounts/two-factor/"' in security.content.decode()
    assert (regions.status_code, regions["Location"]) == (302, "/regions/W/")  # the officer's own district


def test_a_websocket_of_a_session_that_owes_its_code_is_refused(client, cast):
    from tests.indicators.live import HOST, ORIGIN, TIMEOUT

    # given
    totp_device_set(user=cast["admin"], secret=SECRET)
    sign_in(client, "admin")
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario():
        from channels.testing import WebsocketCommunicator

        from cityops.asgi import application

        communicator = WebsocketCommunicator(
            application, "/ws/live/", headers=[(b"host", HOST), (b"origin", ORIGIN), (b"cookie", cookie)]
        )
        connected, code = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect()
        return connected, code

    # when
    connected, code = async_to_sync(scenario)()

    # then
    assert (connected, code) == (False, 4401)


def test_an_admin_reset_removes_the_device_ends_sessions_and_is_logged(client, cast):
    # given
    totp_device_set(user=cast["steward"], secret=SECRET)
    steward = type(client)()
    steward.force_login(cast["steward"])
    client.force_login(cast["admin"])
    verified(client)

    # when
    response = client.post(
        "/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [cast["steward"].pk]}
    )

    # then
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=cast["steward"]).exists()
    assert not Session.objects.filter(session_key=steward.session.session_key).exists()
    entry = AuditLog.objects.get(action="accounts.totp.reset")
    assert (entry.actor, entry.target_id) == (cast["admin"], str(cast["steward"].pk))


def test_totp_code_prints_the_current_code_of_a_demo_user_in_embedded_mode(cast, settings, capsys):
    # given
    settings.EMBEDDED = True
    totp_device_set(user=cast["admin"], secret=SECRET)

    # when
    call_command("totp_code", "admin")

    # then
    assert capsys.readouterr().out.strip() == totp.totp_now(SECRET)


@pytest.mark.parametrize(("embedded", "username"), [(False, "admin"), (True, "officer")])
def test_totp_code_refuses_in_production_or_for_a_user_not_in_the_demo(cast, settings, embedded, username):
    # given
    settings.EMBEDDED = embedded

    # when / then
    with pytest.raises(CommandError):
        call_command("totp_code", username)
