"""The workbench's action posts are parsed by WorkbenchActionForm before a service sees them: the confirmation box
and the public switch are "1" or nothing, a colleague is a number; anything else refuses the action, nothing
changed."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize("confirm", [None, "", "yes", "true", "0"])
def test_the_danger_zone_needs_its_box_ticked_as_the_page_ticks_it(client, submit, cast, confirm):
    report = submit()
    client.login(username="staff", password=PASSWORD)
    post = {"message": "重复", **({"confirm": confirm} if confirm is not None else {})}

    response = client.post(f"/grievances/workbench/{report.tracking_code}/reject", post)

    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status != "rejected"


def test_a_ticked_box_rejects(client, submit, cast):
    report = submit()
    client.login(username="staff", password=PASSWORD)

    response = client.post(f"/grievances/workbench/{report.tracking_code}/reject", {"message": "重复", "confirm": "1"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "rejected"


@pytest.mark.parametrize(("public", "shown"), [("1", True), ("0", False), (None, False), ("yes", False)])
def test_a_reply_is_public_only_when_the_page_says_1(client, submit, cast, public, shown):
    report = submit()
    client.login(username="staff", password=PASSWORD)
    post = {"message": "已派人处理", **({"public": public} if public is not None else {})}

    client.post(f"/grievances/workbench/{report.tracking_code}/reply", post)

    assert list(report.events.filter(message="已派人处理").values_list("public", flat=True)) == [shown]


@pytest.mark.parametrize("assignee", ["abc", "", "-1", "99999999999999999999"])
def test_assigning_to_something_that_is_not_a_colleague_is_a_400(client, submit, cast, assignee):
    report = submit()
    client.login(username="staff", password=PASSWORD)

    response = client.post(f"/grievances/workbench/{report.tracking_code}/assign", {"assignee": assignee})

    assert response.status_code == 400
    report.refresh_from_db()
    assert report.assigned_to is None


@pytest.mark.parametrize(
    ("action", "fields", "shown"),
    [
        ("reject", {"message": "重复投诉 <见 ABCD>"}, "重复投诉 &lt;见 ABCD&gt;</textarea>"),
        ("reply", {"message": "x" * 4001, "public": "1"}, "x" * 4001 + "</textarea>"),
        ("merge", {"into": "NOPE-0000"}, 'value="NOPE-0000"'),
    ],
)
def test_a_refused_action_shows_what_was_typed_again(client, submit, cast, action, fields, shown):
    report = submit()
    client.login(username="staff", password=PASSWORD)

    answer = client.post(f"/grievances/workbench/{report.tracking_code}/{action}", fields)

    assert answer.status_code == 400
    assert shown in answer.content.decode()
