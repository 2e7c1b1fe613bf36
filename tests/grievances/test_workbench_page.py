"""The workbench as a desk reads it: each report's first line, due soon and overdue marked in words with a
legend, reject and close apart from the routine actions and confirmed, a reply button that says so, the place
with the open reports near it, and a timeline in plain words."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from apps.grievances.models import Grievance
from apps.grievances.selectors import DUE_SOON_SHARE
from apps.grievances.services import grievance_transition
from tests.conftest import PASSWORD


def zh(client, url):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()


def due_in(report, *, hours, allowed=72):
    now = timezone.now()
    Grievance.objects.filter(pk=report.pk).update(
        created_at=now + timedelta(hours=hours - allowed), due_at=now + timedelta(hours=hours)
    )


def row(html, code):
    return html.split(f'data-code="{code}"')[1].split("</tr>")[0]


def test_the_inbox_shows_the_first_line_of_each_description_escaped_masked_and_cut(client, submit, cast):
    short = submit(description="<b>井盖</b>松动，打 13700001111\n第二行不在列表里")
    long = submit(description="人行道" * 30)
    client.login(username="staff", password=PASSWORD)

    html = zh(client, "/grievances/workbench/")

    first = row(html, short.tracking_code)
    assert "&lt;b&gt;井盖&lt;/b&gt;松动，打 137****1111" in first
    assert ("<b>井盖" in first, "13700001111" in html, "第二行" in html) == (False, False, False)
    cut = row(html, long.tracking_code).split('data-role="first-line">')[1].split("</td>")[0]
    assert (len(cut), cut[-1]) == (60, "…")


def test_the_inbox_marks_overdue_and_due_soon_reports_in_words_with_a_legend(client, submit, cast):
    late, soon, later = submit(), submit(lon=118.006), submit(lon=118.007)
    due_in(late, hours=-3)
    due_in(soon, hours=1.5)  # 1.5 h of 72 left: under a fifth
    due_in(later, hours=20)  # 20 h of 72: more than a fifth
    client.login(username="staff", password=PASSWORD)

    html = zh(client, "/grievances/workbench/")

    assert DUE_SOON_SHARE == 0.2
    assert 'class="overdue"' in row(html, late.tracking_code)
    assert "已超期 3 小时" in row(html, late.tracking_code)
    assert 'class="due-soon"' in row(html, soon.tracking_code)
    assert "还剩 90 分钟" in row(html, soon.tracking_code)
    assert "badge" not in row(html, later.tracking_code)
    legend = html.split('data-role="legend"')[1].split("</p>")[0]
    assert ("已超期" in legend, "即将到期" in legend, "剩余时间不足办理时限的 20%" in legend) == (True, True, True)


def test_reject_sits_apart_from_the_routine_actions_and_needs_a_confirmation(client, submit, cast):
    report = submit()
    client.login(username="staff", password=PASSWORD)
    url = f"/grievances/workbench/{report.tracking_code}"

    page = zh(client, f"{url}/")
    unconfirmed = client.post(f"{url}/reject", {"message": "不属于本市管辖"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    report.refresh_from_db()
    status_after_unconfirmed = report.status
    confirmed = client.post(f"{url}/reject", {"message": "不属于本市管辖", "confirm": "1"})

    routine = page.split('class="panel actions"')[1].split("</section>")[0]
    danger = page.split('data-role="danger-zone"')[1].split("</section>")[0]
    assert "/reject" not in routine
    assert f"{url}/reject" in danger
    assert 'name="confirm" value="1" required' in danger
    assert "button-danger" in danger
    assert (unconfirmed.status_code, status_after_unconfirmed) == (400, "submitted")
    assert "请勾选确认框，确认不予受理此诉求。" in unconfirmed.content.decode()
    report.refresh_from_db()
    assert (confirmed.status_code, report.status) == (302, "rejected")


def test_close_sits_apart_and_needs_a_confirmation(client, submit, cast):
    report = submit()
    for action in ("accept", "resolve"):
        report = grievance_transition(grievance=report, action=action, user=cast["staff"])
    client.login(username="staff", password=PASSWORD)
    url = f"/grievances/workbench/{report.tracking_code}"

    page = zh(client, f"{url}/")
    unconfirmed = client.post(f"{url}/close", {"message": ""})
    report.refresh_from_db()
    status_after_unconfirmed = report.status
    confirmed = client.post(f"{url}/close", {"message": "", "confirm": "1"})

    routine = page.split('class="panel actions"')[1].split("</section>")[0]
    danger = page.split('data-role="danger-zone"')[1].split("</section>")[0]
    assert "/close" not in routine
    assert f"{url}/close" in danger
    assert "我确认：关闭此诉求" in danger
    assert (unconfirmed.status_code, status_after_unconfirmed) == (400, "resolved")
    report.refresh_from_db()
    assert (confirmed.status_code, report.status) == (302, "closed")


def test_the_reply_button_says_it_replies_to_the_citizen(client, submit, cast):
    report = submit()
    client.login(username="staff", password=PASSWORD)
    url = f"/grievances/workbench/{report.tracking_code}"

    page = zh(client, f"{url}/")
    client.post(f"{url}/reply", {"message": "内部：周三派人", "public": "0"})

    form = page.split('class="stack reply-form"')[1].split("</form>")[0]
    assert '<button class="button button-small" name="public" value="1">回复市民</button>' in form
    assert ">添加</button>" not in page
    assert report.events.filter(kind="note", public=False, message="内部：周三派人").exists()


def test_the_report_page_shows_open_reports_nearby_that_the_desk_handles_and_nothing_personal(client, submit, cast):
    here = submit(lon=118.005, lat=32.01)
    near = submit(lon=118.0055, lat=32.0102, reporter_name="李四", reporter_phone="13800002222")  # ~50 m
    far = submit(lon=118.015, lat=32.01)  # ~950 m
    done = submit(lon=118.0052, lat=32.01)
    grievance_transition(grievance=done, action="reject", user=cast["staff"], message="重复")
    water = submit("leak", lon=118.0051, lat=32.01)  # another department's
    client.login(username="staff", password=PASSWORD)

    page = zh(client, f"/grievances/workbench/{here.tracking_code}/")

    nearby = page.split('id="nearby"')[1].split("</table>")[0]
    assert near.tracking_code in nearby
    for absent in (far, done, water, here):
        assert absent.tracking_code not in nearby
    data = json.loads(page.split('id="report-map-data" type="application/json">')[1].split("</script>")[0])
    assert (data["lon"], data["lat"]) == (118.005, 32.01)
    assert [m["code"] for m in data["nearby"]] == [near.tracking_code]
    assert set(data["nearby"][0]) == {"lon", "lat", "code", "label"}
    for personal in ("李四", "13800002222", "138****2222", "张三丰"):
        assert personal not in json.dumps(data, ensure_ascii=False)
    assert "js/grievances/workbench_detail" in page


def test_the_timeline_reads_in_plain_words_with_a_full_width_colon(client, submit, cast):
    report = grievance_transition(grievance=submit(), action="accept", user=cast["staff"])
    client.login(username="staff", password=PASSWORD)

    public = zh(client, f"/grievances/t/{report.tracking_code}/")
    desk = zh(client, f"/grievances/workbench/{report.tracking_code}/")

    for page in (public, desk):
        timeline = page.split('<ol class="timeline">')[1].split("</ol>")[0]
        assert "状态变更：已受理" in timeline
        assert "已提交" in timeline
        for wrong in ("已提交: 已提交", "已提交：已提交", "已提交 → 已提交", ": 已受理"):
            assert wrong not in timeline


def test_a_desk_narrowed_to_a_district_sees_no_report_across_its_border(client, submit, categories):
    # given: two pothole reports 20 m apart on either side of the West / East border (118.02)
    west = submit(lon=118.0199, lat=32.01)
    east = submit(lon=118.0201, lat=32.01)
    client.force_login(categories["staff_w"])

    # when
    page = zh(client, f"/grievances/workbench/{west.tracking_code}/")

    # then
    data = json.loads(page.split('id="report-map-data" type="application/json">')[1].split("</script>")[0])
    assert data["nearby"] == []
    assert east.tracking_code not in page
    assert "您经办的范围内没有。" in page


def test_the_report_page_names_the_whole_place_district_street_and_community(client, submit, cast):
    from apps.regions.models import Region

    # given: a report placed in a community (the test city's W1 has none: one is added)
    from apps.regions.services import regions_import
    from tests.conftest import feature

    street = Region.objects.get(code="W1")
    regions_import(
        features=[feature("W1Q", "七星四社区", "Qixing 4", (118.0, 32.0, 118.01, 32.02), 100)],
        level="community",
        parent="W1",
    )
    community = Region.objects.get(code="W1Q")
    report = submit(lon=118.005, lat=32.01)
    Grievance.objects.filter(pk=report.pk).update(region=community)
    client.login(username="staff", password=PASSWORD)

    page = zh(client, f"/grievances/workbench/{report.tracking_code}/")

    place = page.split('data-role="place">')[1].split("</p>")[0]
    assert place.startswith(f"{street.parent.name_zh} · {street.name_zh} · 七星四社区")


def test_an_added_photo_reads_as_done_on_both_timelines(client, submit, cast):
    from apps.grievances.models import GrievanceEvent

    report = submit()
    GrievanceEvent.objects.create(grievance=report, kind="photo", public=True)
    client.login(username="staff", password=PASSWORD)

    for url in (f"/grievances/t/{report.tracking_code}/", f"/grievances/workbench/{report.tracking_code}/"):
        assert "<strong>已添加照片</strong>" in zh(client, url)
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "<strong>Photo added</strong>" in english


def test_times_and_distances_read_in_the_page_language_with_no_english_unit_left(client, submit, cast):
    from tests.core.test_translations import WORDS_ALIKE, english_words

    # given a pothole report resolved 12 hours after it came, and a twin of it 72 m away 7 hours later
    done = submit()
    Grievance.objects.filter(pk=done.pk).update(
        created_at=timezone.now() - timedelta(hours=12), resolved_at=timezone.now()
    )
    here = submit(lon=118.005, lat=32.01)
    twin = submit(lon=118.005 + 72 / 94_400, lat=32.01)  # ~72 m east at 32° N
    Grievance.objects.filter(pk=twin.pk).update(created_at=here.created_at + timedelta(hours=7))
    client.login(username="staff", password=PASSWORD)

    # when the inbox and the report page open in Chinese, then in English
    inbox, report = zh(client, "/grievances/workbench/"), zh(client, f"/grievances/workbench/{here.tracking_code}/")
    english = client.get(f"/grievances/workbench/{here.tracking_code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # then the median and the twin's distance and time apart say 小时 and 米, in English h and m
    stats = inbox.split('id="stats"')[1].split("</table>")[0]
    assert "12.0 小时" in stats
    nearby = row(report.split('id="nearby"')[1], twin.tracking_code)
    duplicate = row(report.split('id="duplicates"')[1], twin.tracking_code)
    assert "72 米" in nearby
    assert "72 米 · 7.0 小时" in duplicate
    assert "72 m · 7.0 h" in row(english.split('id="duplicates"')[1], twin.tracking_code)
    past_the_code = [cells.split("</td>", 1)[1] for cells in (nearby, duplicate)]  # tracking codes are codes
    assert english_words(stats + "".join(past_the_code)) - WORDS_ALIKE == set()


def test_a_chosen_answer_reads_as_its_name_in_the_page_language_not_its_stored_key(client, submit, cast):
    # given a pothole report whose size answer is stored as the key "large"
    report = submit(attributes={"size": "large"})
    client.login(username="staff", password=PASSWORD)

    # when its page opens in Chinese and in English
    url = f"/grievances/workbench/{report.tracking_code}/"
    chinese = zh(client, url).split('class="answers"')[1].split("</dl>")[0]
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode().split('class="answers"')[1].split("</dl>")[0]

    # then the answer is the choice's name, 大 / large, and the Chinese page does not show the key
    assert "<dt>大小</dt><dd>大</dd>" in chinese
    assert "large" not in chinese
    assert "<dt>Size</dt><dd>large</dd>" in english
