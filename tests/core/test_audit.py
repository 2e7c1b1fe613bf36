import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType

from apps.accounts.models import Department
from apps.core.audit import audit_log_for, log_action
from apps.core.models import AuditLog
from apps.regions.models import Region


def test_log_action_records_who_did_what_to_which_object(cast, city):
    # given
    officer, region = cast["officer"], city["W"]

    # when
    entry = log_action(region, "regions.region.inspect", user=officer, data={"note": "checked", "count": 2})

    # then
    stored = AuditLog.objects.get(pk=entry.pk)
    assert stored.actor == officer
    assert stored.actor_name == "officer"
    assert stored.action == "regions.region.inspect"
    assert stored.target_type == ContentType.objects.get_for_model(Region)
    assert stored.target_id == str(region.pk)
    assert stored.target_repr == str(region)
    assert stored.data == {"note": "checked", "count": 2}
    assert stored.created_at is not None


def test_log_action_without_object_or_data(cast):
    # when
    entry = log_action(None, "core.system.start", user=cast["admin"])

    # then
    stored = AuditLog.objects.get(pk=entry.pk)
    assert (stored.target_type, stored.target_id, stored.target_repr, stored.data) == (None, "", "", {})
    assert stored.actor_name == "admin"


@pytest.mark.parametrize("user", [None, AnonymousUser()])
def test_log_action_by_an_anonymous_user_has_no_actor(city, user):
    # when
    entry = log_action(city["E"], "regions.region.view", user=user)

    # then
    stored = AuditLog.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.actor_name == ""


@pytest.mark.parametrize("action", ["", "upsert", "accounts.upsert", "Accounts.user.upsert", "a.b.c.d", "a.b-c.d"])
def test_malformed_action_raises_and_writes_nothing(cast, city, action):
    # given
    before = AuditLog.objects.count()

    # when
    with pytest.raises(ValueError, match="must look like 'app.entity.verb'"):
        log_action(city["W"], action, user=cast["officer"])

    # then
    assert AuditLog.objects.count() == before


def test_target_repr_is_cut_at_200_characters(cast):
    # given an object whose str() is 300 characters long (not saved: log_action only reads it)
    department = Department(pk=999, code="long", name_zh="长" * 300)

    # when
    entry = log_action(department, "accounts.department.rename", user=cast["admin"])

    # then
    stored = AuditLog.objects.get(pk=entry.pk)
    assert stored.target_repr == "长" * 200
    assert stored.target_id == "999"


def test_audit_log_for_returns_the_object_history_newest_first(cast, city):
    # given entries on W, one on E, and one on nothing
    first = log_action(city["W"], "regions.region.inspect", user=cast["officer"])
    log_action(city["E"], "regions.region.inspect", user=cast["other_officer"])
    second = log_action(city["W"], "regions.region.close", user=cast["command"])
    log_action(None, "core.system.start")

    # when
    history = list(audit_log_for(city["W"]))

    # then
    assert [e.pk for e in history] == [second.pk, first.pk]
    assert [e.actor for e in history] == [cast["command"], cast["officer"]]


def test_audit_log_for_an_object_without_history_is_empty(city):
    # when / then
    assert list(audit_log_for(city["W1"])) == []


def test_audit_admin_add_is_forbidden(client, cast):
    # given
    client.force_login(cast["admin"])
    before = AuditLog.objects.count()

    # when
    get = client.get("/admin/core/auditlog/add/")
    post = client.post("/admin/core/auditlog/add/", {"action": "core.system.forged", "actor_name": "x"})

    # then
    assert get.status_code == 403
    assert post.status_code == 403
    assert AuditLog.objects.count() == before


def test_audit_admin_change_page_is_read_only(client, cast, city):
    # given
    entry = log_action(city["W"], "regions.region.inspect", user=cast["officer"], data={"n": 1})
    client.force_login(cast["admin"])
    url = f"/admin/core/auditlog/{entry.pk}/change/"

    # when
    page = client.get(url)
    post = client.post(url, {"action": "regions.region.forged", "actor_name": "someone", "data": "{}"})

    # then the page shows the entry without a save button, and a forged POST changes nothing
    assert page.status_code == 200
    html = page.content.decode()
    assert "regions.region.inspect" in html
    assert 'name="_save"' not in html
    assert 'name="_continue"' not in html
    assert post.status_code == 403
    entry.refresh_from_db()
    assert (entry.action, entry.actor_name, entry.data) == ("regions.region.inspect", "officer", {"n": 1})


def test_audit_admin_delete_is_forbidden(client, cast, city):
    # given
    entry = log_action(city["W"], "regions.region.inspect", user=cast["officer"])
    client.force_login(cast["admin"])

    # when
    response = client.post(f"/admin/core/auditlog/{entry.pk}/delete/", {"post": "yes"})

    # then
    assert response.status_code == 403
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_audit_admin_list_shows_entries_to_superusers(client, cast, city):
    # given
    log_action(city["W"], "regions.region.inspect", user=cast["officer"])
    client.force_login(cast["admin"])

    # when
    response = client.get("/admin/core/auditlog/")

    # then
    assert response.status_code == 200
    assert "regions.region.inspect" in response.content.decode()
