"""A citizen's words on every surface that shows them: the tracking page and Open311 (JSON and XML) publish them
masked and without characters that draw nothing; the workbench masks them too — description, answers, a reason
to reopen — until the contact is read for a purpose; the department's own reply reaches the citizen as written."""

from xml.etree import ElementTree as ET

from apps.grievances.models import CategoryAttribute
from apps.grievances.services import grievance_reopen, grievance_reply, grievance_transition
from tests.conftest import PASSWORD

HIDDEN = (
    "电话 139\u200b1234\u2060\u00ad5678，身份证 110105\u200b19491231\u200b0026，邮箱 some\u200bone@exa\u200bmple.com"
)
SHOWN_MASKED = "电话 139****5678，身份证 110105********0026，邮箱 s***@***"
INVISIBLE = "\u200b\u2060\u00ad\u202e"


def test_a_citizens_hidden_numbers_are_published_masked_and_without_invisible_characters(client, submit, cast):
    report = submit(description=HIDDEN)
    grievance_transition(grievance=report, action="accept", user=cast["staff"])
    grievance_reply(grievance=report, user=cast["staff"], message="请致电\u200b养护科 0571-8888-1234", public=True)

    page = client.get(f"/grievances/t/{report.tracking_code}/").content.decode()
    one = client.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{report.pk}.xml").content)

    assert SHOWN_MASKED in page
    assert (one["description"], xml.findtext("request/description")) == (SHOWN_MASKED, SHOWN_MASKED)
    assert one["status_notes"] == "请致电养护科 0571-8888-1234"  # the department's number, nothing invisible
    assert [c for c in page + str(one) + xml.findtext("request/status_notes") if c in INVISIBLE] == []


def test_the_workbench_masks_a_citizens_words_until_the_contact_is_read_for_a_purpose(client, submit, cast):
    CategoryAttribute.objects.create(category=submit().category, code="note", description_zh="备注",
                                     description_en="Note", datatype="string", order=3)  # fmt: skip
    report = submit(description=HIDDEN, attributes={"size": "large", "note": "联系 13800001111"})
    report = grievance_transition(grievance=report, action="accept", user=cast["staff"])
    report = grievance_transition(grievance=report, action="resolve", user=cast["staff"])
    grievance_reopen(grievance=report, reason="没修好，打 13700002222")
    client.login(username="staff", password=PASSWORD)

    masked = client.get(f"/grievances/workbench/{report.tracking_code}/").content.decode()
    clear = client.post(f"/grievances/workbench/{report.tracking_code}/contact", {"purpose": "callback"})

    assert [SHOWN_MASKED in masked, "138****1111" in masked, "137****2222" in masked] == [True, True, True]
    assert [n in masked for n in ("13800001111", "13700002222", "19491231")] == [False, False, False]
    assert [n in clear.content.decode() for n in ("13800001111", "13700002222", "19491231")] == [True, True, True]
