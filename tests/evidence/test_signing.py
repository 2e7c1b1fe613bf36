"""Signed field evidence: devices register their keys, visits arrive signed and are countersigned, what fails
is refused with its reason, a key nobody registered is flagged, and revocation keeps earlier visits signed."""

from __future__ import annotations

import json

import pytest

from apps.core.models import AuditLog
from apps.evidence.keys import key_id, public_key_b64, server_key, signature_valid
from apps.evidence.models import Device, PhotoSeal, VisitSeal
from apps.evidence.services import device_revoke
from apps.fieldwork.models import Flag, Visit
from tests.conftest import PASSWORD
from tests.evidence.conftest import Phone, post_visit, register
from tests.fieldwork.conftest import declared, photo, visit_data
from tests.fieldwork.test_photos import media, put  # noqa: F401  (the media fixture)


@pytest.fixture
def officer_client(client, cast):
    client.login(username="officer", password=PASSWORD)
    return client


def test_a_phone_registers_its_key_proving_it_holds_it(officer_client, cast):
    phone = Phone()
    response = register(officer_client, phone, cast["officer"])
    assert response.status_code == 201, response.content
    device = Device.objects.get()
    assert (device.officer, device.key_id, device.label) == (cast["officer"], phone.key_id, phone.label)
    # the server signed its record of the registration
    record = json.loads(device.record)
    assert record["format"] == "cityops-device-record/1"
    assert record["key_id"] == phone.key_id
    assert signature_valid(server_key().public_key(), device.record_signature, device.record.encode())
    assert AuditLog.objects.filter(action="evidence.device.register", target_id=str(device.pk)).exists()
    # again: the same device, nothing new
    assert register(officer_client, phone, cast["officer"]).status_code == 200
    assert Device.objects.count() == 1


def test_a_registration_the_key_did_not_sign_is_refused(officer_client, cast):
    phone, other = Phone(), Phone()
    body = phone.registration(cast["officer"].pk)
    body["signature"] = other.sign(b"anything")
    response = officer_client.post("/api/v1/evidence/devices", data=json.dumps(body),
                                   content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400
    assert "signature" in response.json()["errors"]
    # a registration signed for another officer id does not register for this one
    response = register(officer_client, phone, cast["other_officer"])
    assert response.status_code == 400
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("public_key", "bm90IGEga2V5"), ("public_key", "!!!"), ("signature", "c2hvcnQ="), ("public_key", 12)],
)
def test_a_malformed_registration_is_a_400_naming_the_field(officer_client, cast, field, value):
    body = {**Phone().registration(cast["officer"].pk), field: value}
    response = officer_client.post("/api/v1/evidence/devices", data=json.dumps(body),
                                   content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_signed_visit_is_verified_and_countersigned_on_arrival(officer_client, cast, city, media):  # noqa: F811
    phone = Phone()
    register(officer_client, phone, cast["officer"])
    contents = [photo(1), photo(2)]
    body = phone.signed(visit_data(notes="路灯不亮", photos=declared(*contents), people_contact="13800138000"))
    response = post_visit(officer_client, body)
    assert response.status_code == 201, response.content
    for index, content in enumerate(contents):
        assert put(officer_client, body["uuid"], index, content).status_code in (200, 201)
    seal = VisitSeal.objects.get(visit__uuid=body["uuid"])
    assert seal.state == "signed"
    assert seal.device.key_id == phone.key_id
    # the document kept is the canonical JSON the phone signed, without the contact, and its signature holds
    assert signature_valid(phone.key.public_key(), seal.device_signature, seal.document.encode())
    assert "13800138000" not in seal.document
    assert "people_contact" not in seal.document
    # the server countersigned the document's hash, the device signature and the arrival time
    statement = json.loads(seal.countersignature_statement)
    assert statement["document_sha256"] == seal.document_sha256
    assert statement["device_signature"] == seal.device_signature
    assert statement["server_key"] == key_id(public_key_b64(server_key()))
    assert signature_valid(server_key().public_key(), seal.countersignature, seal.countersignature_statement.encode())
    # …and the countersignature is in the visit's audit chain entry
    entry = AuditLog.objects.get(action="fieldwork.visit.record", target_id=str(seal.visit_id))
    assert entry.data["countersignature"] == seal.countersignature
    # each photo's receipt: the original's hash as signed, the stored copy's hash
    receipts = PhotoSeal.objects.filter(photo__visit=seal.visit).order_by("photo__index")
    assert [json.loads(r.statement)["original_sha256"] for r in receipts] == [d["sha256"] for d in declared(*contents)]
    visit = Visit.objects.get(uuid=body["uuid"])
    assert visit.status == Visit.Status.ACCEPTED


def test_a_replayed_signature_on_another_visit_uuid_is_refused(officer_client, cast, city):
    phone = Phone()
    register(officer_client, phone, cast["officer"])
    first = phone.signed(visit_data(notes="first"))
    assert post_visit(officer_client, first).status_code == 201
    replay = {**first, "uuid": visit_data()["uuid"]}  # same signature, another visit
    response = post_visit(officer_client, replay)
    assert response.status_code == 400
    assert "does not match this visit" in response.json()["errors"]["signature"][0]
    assert not Visit.objects.filter(uuid=replay["uuid"]).exists()


def test_a_visit_changed_after_signing_is_refused(officer_client, cast, city):
    phone = Phone()
    register(officer_client, phone, cast["officer"])
    body = phone.signed(visit_data(notes="路灯不亮"))
    body["notes"] = "路灯正常"
    response = post_visit(officer_client, body)
    assert response.status_code == 400
    assert "signature" in response.json()["errors"]
    assert not Visit.objects.exists()


def test_a_visit_signed_on_another_officers_phone_is_refused(client, cast, city):
    phone = Phone()
    client.login(username="other", password=PASSWORD)
    assert register(client, phone, cast["other_officer"]).status_code == 201
    client.logout()
    client.login(username="officer", password=PASSWORD)
    body = phone.signed(visit_data())
    response = post_visit(client, body)
    assert response.status_code == 400
    assert "another officer" in response.json()["errors"]["signature"][0]
    assert not Visit.objects.exists()


def test_a_revoked_key_signs_nothing_new_and_earlier_visits_stay_signed(officer_client, cast, city):
    phone = Phone()
    register(officer_client, phone, cast["officer"])
    before = phone.signed(visit_data(notes="before"))
    assert post_visit(officer_client, before).status_code == 201
    device = Device.objects.get()
    device_revoke(device=device, user=cast["command"], reason="phone lost on 12-05")
    after = phone.signed(visit_data(notes="after"))
    response = post_visit(officer_client, after)
    assert response.status_code == 400
    assert "revoked" in response.json()["errors"]["signature"][0]
    seal = VisitSeal.objects.get(visit__uuid=before["uuid"])
    assert seal.state == "signed"
    from django.utils import translation

    from apps.evidence.selectors import seal_in_words

    with translation.override("en"):
        assert "Device revoked on" in seal_in_words(seal)
    with translation.override("zh-hans"):
        assert "吊销" in seal_in_words(seal)
    # the same key cannot be registered again
    assert register(officer_client, phone, cast["officer"]).status_code == 400
    assert AuditLog.objects.filter(action="evidence.device.revoke").count() == 1


def test_a_key_nobody_registered_is_accepted_and_flagged_for_review(officer_client, cast, city):
    body = Phone().signed(visit_data())
    response = post_visit(officer_client, body)
    assert response.status_code == 201
    visit = Visit.objects.get(uuid=body["uuid"])
    assert visit.seal.state == "unknown_device"
    assert list(visit.flags.values_list("code", flat=True)) == [Flag.Code.UNSIGNED_DEVICE]
    assert visit.status == Visit.Status.REVIEW


def test_unsigned_visits_are_taken_and_flagged_only_where_signing_is_required(officer_client, cast, city, settings):
    body = visit_data()
    assert post_visit(officer_client, body).status_code == 201
    visit = Visit.objects.get(uuid=body["uuid"])
    assert visit.seal.state == "unsigned"
    assert not visit.flags.exists()
    settings.CITYOPS_FIELD_SIGNING = "required"
    body = visit_data(start=None)
    assert post_visit(officer_client, body).status_code == 201
    visit = Visit.objects.get(uuid=body["uuid"])
    assert list(visit.flags.values_list("code", flat=True)) == [Flag.Code.UNSIGNED]


@pytest.mark.parametrize(
    ("signature", "why"),
    [
        ("x", "an object"),
        ({"alg": "RS256", "key": "a" * 64, "value": "AA=="}, "alg"),
        ({"alg": "ES256", "key": "XYZ", "value": "AA=="}, "fingerprint"),
        ({"alg": "ES256", "key": "a" * 64, "value": "AA=="}, "64 bytes"),
    ],
)
def test_a_malformed_signature_is_a_400_on_the_signature_field(officer_client, cast, city, signature, why):
    body = {**visit_data(), "format": "cityops-visit/1", "signature": signature}
    response = post_visit(officer_client, body)
    assert response.status_code == 400
    assert why in response.json()["errors"]["signature"][0]
    assert not Visit.objects.exists()


def test_the_server_key_is_public(client, db):
    response = client.get("/api/v1/evidence/server-key")
    assert response.status_code == 200
    assert response.json()["key_id"] == key_id(public_key_b64(server_key()))
    assert response.json()["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
