"""A department desk at 1440×900 in Chinese: the inbox with first lines and due-soon / overdue marked, a report
on the labelled map with the open reports near it, reject apart and confirmed; a supervisor reading each flag
of a visit in words, at a desk and on a phone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.regions.basemap_world import basemap_world

pytestmark = pytest.mark.browser


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _due(report: Any, *, hours: float, allowed: float = 72) -> None:
    from apps.grievances.models import Grievance

    now = timezone.now()
    Grievance.objects.filter(pk=report.pk).update(
        created_at=now + timedelta(hours=hours - allowed), due_at=now + timedelta(hours=hours)
    )


def _desk(submit: Any) -> dict[str, Any]:
    """Six reports of the pothole desk, three of them within 500 m of the first."""
    reports = {
        "here": submit(description="七星路与幸福街路口有个大坑\n晚上看不清，电动车差点摔倒", lon=118.0075, lat=32.010),
        "near": submit(description="路口往北 50 米井盖松动", lon=118.0078, lat=32.0104),
        "soon": submit(description="人行道地砖翘起，老人容易绊倒", lon=118.0069, lat=32.0096),
        "late": submit(
            description="<b>路灯</b>下的路面塌陷，已经围起来但没人修，打 13700001111 可以联系我",
            lon=118.0081,
            lat=32.0097,
        ),
        "far": submit(description="西二街道菜场门口积水坑", lon=118.016, lat=32.012),
        "fine": submit(description="公交站台前路面裂缝", lon=118.003, lat=32.005),
    }
    _due(reports["late"], hours=-5)
    _due(reports["soon"], hours=3)
    _due(reports["here"], hours=10)
    return reports


def test_the_desk_reads_the_inbox_and_a_report_on_the_map(asgi_server, categories, city, submit, open_page):
    from apps.grievances.models import Grievance

    # given
    basemap_world(city)
    reports = _desk(submit)
    base = f"http://{asgi_server}"
    probe = open_page(width=1440, height=900, locale="zh-CN")
    probe.sign_in(base, "staff")
    page = probe.page

    # when: the inbox
    page.goto(f"{base}/grievances/workbench/")
    probe.screenshot("workbench-list-zh-1440")
    late_row = page.locator(f"#inbox tr[data-code='{reports['late'].tracking_code}']")
    soon_row = page.locator(f"#inbox tr[data-code='{reports['soon'].tracking_code}']")

    # then: first lines, marks in words, the legend; nothing wider than the window
    assert "已超期 5 小时" in late_row.inner_text()
    assert "还剩 3 小时" in soon_row.inner_text()
    assert late_row.locator("[data-role=first-line]").inner_text().startswith("<b>路灯</b>下的路面塌陷")
    assert "137****1111" in late_row.inner_text()
    assert "剩余时间不足办理时限的 20%" in page.locator("[data-role=legend]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    # when: the report page, its map drawn
    page.click(f"#inbox a:text('{reports['here'].tracking_code}')")
    probe.wait_for("document.getElementById('report-map')?.dataset.ready === '1'")
    probe.wait_for("!!document.querySelector('#report-map .maplibregl-canvas')")
    probe.wait_for("document.getElementById('report-map').basemap.map.loaded()")
    page.wait_for_timeout(300)  # the markers' layer draws on the next frame
    probe.screenshot("workbench-report-zh-1440")
    page.locator("[data-role=danger-zone]").scroll_into_view_if_needed()
    probe.screenshot("workbench-report-actions-zh-1440")

    # then: the nearby list, the markers on the map, the danger zone apart
    nearby = page.locator("#nearby").inner_text()
    assert reports["near"].tracking_code in nearby
    assert reports["soon"].tracking_code in nearby
    assert reports["far"].tracking_code not in nearby
    markers = page.evaluate(
        "document.getElementById('report-map').basemap.map.getSource('page-markers').serialize().data.features.length"
    )
    assert markers == 4  # this report and three near it
    danger = page.locator("[data-role=danger-zone]").bounding_box()
    routine = page.locator(".panel.actions").bounding_box()
    assert danger["y"] >= routine["y"] + routine["height"]
    assert page.locator(".panel.actions button", has_text="回复市民").count() == 1

    # when: reject without ticking the box
    page.fill("#reject-why", "不属于本部门")
    page.locator("[data-role=danger-zone] button").first.click()
    page.wait_for_timeout(300)

    # then: the browser holds the form back, the report stays as it was
    assert Grievance.objects.get(pk=reports["here"].pk).status == "submitted"
    assert probe.console_errors == []
    assert probe.external_requests == []


def _flagged_visits(cast: Any) -> None:
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from tests.fieldwork.conftest import photo, record_with_photos, t0, visit_data

    wang = staff_user_upsert(username="王某", password="x" * 12, roles=[Role.FIELD_OFFICER], region_codes=["W"])
    taken = photo(21)
    record_with_photos(wang, visit_data(start=t0() - timedelta(days=3), lon=118.004), [taken])
    record_with_photos(
        cast["officer"],
        visit_data(
            minutes=1,
            notes="井盖已经松动，附近居民说一周了",
            follow_up="周五和市政一起再来",
            people=[{"kind": "residents", "count": 3}],
            findings=[
                {"indicator": "env.pm25", "verdict": "partly", "observed_value": 58, "comment": "烟味来自烧烤摊"}
            ],
        ),
        [taken, photo(22)],
    )


@pytest.mark.parametrize(("width", "height", "name"), [(1440, 900, "review-zh-1440"), (390, 844, "review-zh-phone")])
def test_a_supervisor_reads_each_flag_in_words(asgi_server, cast, media, open_page, width, height, name):
    # given
    _flagged_visits(cast)
    base = f"http://{asgi_server}"
    probe = open_page(width=width, height=height, locale="zh-CN")
    probe.sign_in(base, "command")

    # when
    probe.page.goto(f"{base}/field/review/")
    probe.wait_for("[...document.querySelectorAll('.photo-pair img')].every((i) => i.complete && i.naturalWidth > 0)")
    probe.screenshot(name)

    # then
    flags = probe.page.locator(".review .flags").inner_text()
    assert "停留 1 分钟，少于 5 分钟" in flags
    assert "与 3 天前王某的照片几乎相同" in flags
    assert "=" not in flags
    assert probe.page.locator(".photo-pair img").count() == 2
    decision = probe.page.locator(".review-decision").inner_text()
    assert ("通过" in decision, "不予通过" in decision, "受理" in decision) == (True, True, False)
    assert "周五和市政一起再来" in probe.page.locator("[data-role=follow-up]").inner_text()
    assert "烟味来自烧烤摊" in probe.page.locator("[data-role=finding]").inner_text()
    assert probe.page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert probe.console_errors == []
