"""The field app on a 390×844 phone in Chinese, as ODK Collect works: one step per screen, a reload mid-way
finds every field and photo where it was, the screen after saving says what happened, and a visit saved with no
signal whose first answer is lost on the way back is stored once. Screenshots of each step go to screenshots/."""

import hashlib
import json

import pytest

from tests.browser.conftest import PageProbe, new_context
from tests.browser.test_field_app import SAVED, _alert_sent_for_verification, phone_photo, to_step

pytestmark = pytest.mark.browser

LOADED = "!!document.querySelector('{map} .field-basemap')?.basemap?.map?.loaded()"


def _rejected_visit(officer):
    """A visit of the officer's from this morning that a supervisor rejected, with the reason."""
    from apps.fieldwork.models import Visit
    from tests.fieldwork.conftest import record_visit, visit_data

    visit = record_visit(officer=officer, data=visit_data(notes="上午的走访")).visit
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.REJECTED, review_reason="照片不是在现场拍的")
    return visit


def test_an_officer_records_a_visit_step_by_step_reloads_midway_and_it_is_stored_once(
    asgi_server, city, cast, browser, tmp_path
):
    from django.utils import timezone

    from apps.fieldwork.models import Assignment, Visit

    # given: an alert sent for verification, two 6 MB camera photos, and a visit of the officer's already rejected
    alert_pk = _alert_sent_for_verification(city, cast)
    assignment = Assignment.objects.get(alert_id=alert_pk)
    rejected = _rejected_visit(cast["officer"])
    taken = timezone.localtime(timezone.now()).strftime("%Y:%m:%d %H:%M:%S")
    files = []
    for seed in (11, 12):
        files.append(tmp_path / f"IMG_{seed}.jpg")
        files[-1].write_bytes(phone_photo(seed, taken=taken, lon=assignment.lon, lat=assignment.lat))
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]
    base = f"http://{asgi_server}"
    context = new_context(
        browser,
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation={"longitude": assignment.lon, "latitude": assignment.lat, "accuracy": 12},
        permissions=["geolocation"],
    )
    probe = PageProbe(context.new_page())
    page = probe.page
    posts = {"visits": 0, "lost": 0}

    def visits(route):
        posts["visits"] += 1
        if not posts["lost"]:
            posts["lost"] += 1
            route.fetch()  # the server stores the visit; its answer is lost on the way back
            return route.fulfill(status=503, headers={"Retry-After": "5"}, json={"detail": "busy"})
        return route.continue_()

    try:
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        page.wait_for_selector(f".cards .card[data-id='{assignment.pk}']")
        probe.wait_for(f"!!document.querySelector('[data-role=visits] li[data-uuid=\"{rejected.uuid}\"]')")
        probe.wait_for(LOADED.format(map="#field-map"))  # the labelled basemap, drawn
        header = page.locator(".field-top").bounding_box()
        home_list = page.locator("[data-role=visits]").inner_text()
        probe.screenshot("field-steps-0-home")

        # when: the visit, one step per screen
        page.click(f".cards .card[data-id='{assignment.pk}']")
        to_step(page, "target")
        counts = {}
        counts["target"] = page.locator("[data-role=step-count]").inner_text()
        probe.wait_for(LOADED.format(map="[data-role=target-map]"))
        probe.screenshot("field-steps-1-target")
        to_step(page, "checkin")
        page.click("[data-action=checkin]")
        probe.wait_for("document.querySelector('[data-role=position]').textContent.includes('12')")
        position = page.locator("[data-role=position]").inner_text()
        probe.wait_for(LOADED.format(map="[data-role=checkin-map]"))
        probe.screenshot("field-steps-2-checkin")
        to_step(page, "finding")
        page.check("input[name=verdict][value=partly]")
        page.fill("#observed", "61.5")
        page.fill("#comment", "夜里施工，白天安静")
        probe.screenshot("field-steps-3-finding")
        to_step(page, "people")
        page.fill("input[name=residents]", "4")
        page.fill("input[name=shops]", "1")
        page.fill("#people_contact", "王阿姨 13800000000")
        probe.screenshot("field-steps-4-people")
        to_step(page, "notes")
        page.fill("#notes", "四位居民说晚上十点后还在施工。")
        page.fill("#follow_up", "明晚再来一次。")
        probe.screenshot("field-steps-5-notes")
        to_step(page, "photos")
        page.set_input_files("#photo", [str(p) for p in files])
        probe.wait_for("document.querySelectorAll('[data-role=photo-list] li img[src]').length === 2")
        counts["photos"] = page.locator("[data-role=step-count]").inner_text()
        probe.screenshot("field-steps-6-photos")

        # and: the page is reloaded mid-way (a phone killing the tab does the same)
        page.reload()
        page.wait_for_selector("#visit:not([hidden])[data-step=photos]")
        probe.wait_for("document.querySelectorAll('[data-role=photo-list] li img[src]').length === 2")
        after = {
            "photos": page.eval_on_selector_all("[data-role=photo-list] li", "els => els.map(e => e.dataset.sha256)")
        }
        probe.screenshot("field-steps-7-photos-after-reload")
        to_step(page, "notes")
        after["notes"] = (page.input_value("#notes"), page.input_value("#follow_up"))
        to_step(page, "people")
        after["people"] = [page.input_value(f"[name={n}]") for n in ("residents", "shops", "others", "people_contact")]
        to_step(page, "finding")
        after["finding"] = (
            page.eval_on_selector("input[name=verdict]:checked", "e => e.value"),
            page.input_value("#observed"),
            page.input_value("#comment"),
        )
        to_step(page, "checkin")
        after["position"] = page.locator("[data-role=position]").inner_text()
        to_step(page, "review")
        summary = page.locator("[data-role=summary]").inner_text()
        probe.screenshot("field-steps-8-review")

        # and: saved with no signal
        context.set_offline(True)
        page.click("[data-action=save]")
        probe.wait_for(SAVED)
        probe.wait_for("document.querySelector('[data-role=notice]').textContent !== ''")
        saved_title = page.locator("[data-role=saved-title]").inner_text()
        saved_notice = page.locator("[data-role=notice]").inner_text()
        saved_chip = page.locator("[data-role=sync-chip]").inner_text()
        saved_top = page.locator("[data-role=saved-title]").bounding_box()["y"]
        scrolled = page.evaluate("window.scrollY")
        probe.screenshot("field-steps-9-saved-offline")
        stored_offline = Visit.objects.filter(assignment=assignment).count()

        # and: the signal returns; the first answer is lost, the phone sends the visit again
        page.route("**/api/v1/fieldwork/visits", visits)
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        probe.wait_for("window.__lost = document.querySelector('[data-role=sync]').dataset.nextTry > Date.now()")
        page.clock.fast_forward(15_000)
        probe.wait_for("document.querySelector('[data-role=saved]').dataset.state === 'uploaded'", timeout=90_000)
        probe.wait_for("document.querySelector('[data-role=saved]').innerText.includes('需要审核')")
        uploaded = page.locator("[data-role=saved]").inner_text()
        probe.screenshot("field-steps-10-uploaded")
        page.click("[data-action=done]")
        page.wait_for_selector("#list:not([hidden])")
        probe.wait_for("document.querySelectorAll('[data-role=visits] li[data-uuid]').length === 2")
        # the list as the server has it (until it is read again, the visit just sent shows as the phone knows it)
        probe.wait_for("document.querySelector('[data-role=visits]').innerText.includes('需要审核')")
        listed = page.locator("[data-role=visits]").inner_text()
        probe.screenshot("field-steps-11-my-visits")
    finally:
        context.close()

    # then: a compact header, each step on its own screen with its progress
    assert header["height"] <= 56
    assert counts == {"target": "第 1 步，共 7 步 · 核查对象", "photos": "第 6 步，共 7 步 · 照片"}
    assert "不予通过：照片不是在现场拍的" in home_list
    assert position == "定位精度 12 米"
    # every field and photo survived the reload
    assert after == {
        "photos": hashes,
        "notes": ("四位居民说晚上十点后还在施工。", "明晚再来一次。"),
        "people": ["4", "1", "0", "王阿姨 13800000000"],
        "finding": ("partly", "61.5", "夜里施工，白天安静"),
        "position": position,
    }
    assert "IMG_11.jpg, IMG_12.jpg" in summary
    # after saving the screen said so, at its top
    assert saved_title == "已保存在本机——将自动上传"
    assert saved_notice.startswith("无信号")
    assert saved_chip == "离线 · 1 条待上传"
    assert (scrolled, saved_top < 200) == (0, True)
    assert stored_offline == 0
    assert "已上传" in uploaded
    assert "需要审核：停留时间过短" in uploaded  # a test visit lasts seconds
    assert "照片 2 张\n需要审核：停留时间过短" in listed
    assert "西一街道" in home_list  # the rejected visit had no assignment: where it was checked in
    # stored once, though sent twice
    assert posts == {"visits": 2, "lost": 1}
    visit = Visit.objects.get(assignment=assignment)
    assert Visit.objects.filter(officer=cast["officer"]).count() == 2  # this one and the rejected one
    assert (visit.notes, visit.follow_up, visit.people_contact) == (
        "四位居民说晚上十点后还在施工。",
        "明晚再来一次。",
        "王阿姨 13800000000",
    )
    assert visit.people == [{"kind": "residents", "count": 4}, {"kind": "shop_owners", "count": 1}]
    finding = visit.findings.get()
    assert (finding.verdict, finding.observed_value, finding.comment, finding.alert_id) == (
        "partly",
        61.5,
        "夜里施工，白天安静",
        alert_pk,
    )
    assert [p.sha256 for p in visit.photos.order_by("index")] == hashes
    assert all(p.received_at is not None for p in visit.photos.all())
    refusals = ("status of 503", "net::ERR_INTERNET_DISCONNECTED")
    assert [e for e in probe.console_errors if not any(r in e for r in refusals)] == []
    assert json.dumps(probe.external_requests) == "[]"


def test_unfinished_visits_wait_on_the_phone_to_be_resumed_or_discarded(asgi_server, city, cast, browser):
    from apps.fieldwork.models import Visit

    # given: an officer who starts two visits and leaves each before saving
    base = f"http://{asgi_server}"
    context = new_context(browser, viewport={"width": 390, "height": 844}, locale="zh-CN", service_workers="block")
    probe = PageProbe(context.new_page())
    page = probe.page
    page.on("dialog", lambda dialog: dialog.accept())
    try:
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        page.wait_for_selector("body[data-screen=list]")  # the app has started
        for notes in ("第一条：垃圾站", "第二条：路灯"):
            page.click("[data-action=free]")
            to_step(page, "notes")
            page.fill("#notes", notes)
            to_step(page, "target")
            page.click("[data-action=back]")  # at the first step: back to the list, the draft kept
            page.wait_for_selector("#list:not([hidden])")
        probe.wait_for("document.querySelectorAll('[data-role=drafts] li').length === 2")
        drafts = page.locator("[data-role=drafts]").inner_text()
        probe.screenshot("field-steps-drafts")

        # when: the first is resumed, the second discarded
        page.click("[data-role=drafts] li:last-child [data-action=resume]")
        page.wait_for_selector("#visit:not([hidden])[data-step]")
        resumed = page.input_value("#notes")
        to_step(page, "target")
        page.click("[data-action=back]")
        page.wait_for_selector("#list:not([hidden])")
        page.click("[data-role=drafts] li:has-text('第二条') [data-action=discard-draft]")
        probe.wait_for("document.querySelectorAll('[data-role=drafts] li').length === 1")
        left = page.locator("[data-role=drafts]").inner_text()
    finally:
        context.close()

    # then
    assert drafts.count("无任务走访") == 2
    assert "停在：核查对象" in drafts
    assert resumed == "第一条：垃圾站"
    assert left.count("无任务走访") == 1
    assert Visit.objects.count() == 0  # nothing leaves the phone before it is saved
    assert probe.console_errors == []


def _home_bounds(page, probe):
    """The home map's bounds once it has settled: loaded, not moving, and the same in two reads 300 ms apart (on a
    loaded machine the fit can still be animating, or the page still laying out, at the first read)."""
    probe.wait_for(LOADED.format(map="#field-map"))
    read = (
        "(() => { const m = document.querySelector('#field-map .field-basemap').basemap.map;"
        " if (m.isMoving()) return null; const b = m.getBounds();"
        " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(5)); })()"
    )
    previous = None
    for _ in range(40):
        page.wait_for_timeout(300)
        bounds = page.evaluate(read)
        if bounds is not None and bounds == previous:
            return [float(v) for v in bounds]
        previous = bounds
    raise AssertionError(f"the home map did not settle: {previous}")


def test_the_home_map_opens_on_the_officers_own_regions_and_a_failed_request_shows_offline(
    asgi_server, city, cast, browser
):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from tests.conftest import PASSWORD

    # given: an officer of West 1 and of the East district; an officer without regions
    staff_user_upsert(username="two", password=PASSWORD, roles=[Role.FIELD_OFFICER], region_codes=["E", "W1"])
    staff_user_upsert(username="loose", password=PASSWORD, roles=[Role.FIELD_OFFICER])
    base = f"http://{asgi_server}"
    seen = {}
    for name in ("officer", "two", "loose"):
        context = new_context(browser, viewport={"width": 390, "height": 844}, locale="zh-CN",
                              geolocation={"longitude": 118.005, "latitude": 32.01, "accuracy": 12},
                              permissions=["geolocation"])  # fmt: skip
        probe = PageProbe(context.new_page())
        page = probe.page
        try:
            probe.sign_in(base, name)
            page.goto(f"{base}/field/")
            seen[name] = _home_bounds(page, probe)
            probe.screenshot(f"field-home-{name}")
            if name == "officer":
                # when: the network is there but a request fails on the way (the browser still says online)
                page.route("**/api/v1/fieldwork/visits", lambda route: route.abort("internetdisconnected"))
                page.click("[data-action=free]")
                page.click("[data-action=next]")
                page.click("[data-action=checkin]")
                probe.wait_for("document.querySelector('[data-role=position]').textContent.includes('12')")
                page.click("[data-action=home]")
                page.wait_for_selector("#list:not([hidden])")
                page.locator("[data-role=drafts] [data-action=resume]").click()
                while not page.locator("[data-action=save]").is_visible():
                    page.click("[data-action=next]")
                page.click("[data-action=save]")
                probe.wait_for("document.querySelector('[data-role=sync-chip]').dataset.offline === '1'")
                seen["failed_chip"] = page.locator("[data-role=sync-chip]").inner_text()
                probe.screenshot("field-failed-request-offline")
                page.unroute("**/api/v1/fieldwork/visits")
                page.evaluate("window.dispatchEvent(new Event('online'))")
                chip = "document.querySelector('[data-role=sync-chip]').dataset"
                probe.wait_for(f"{chip}.offline === '0' && {chip}.waiting === '0'", 60_000)
                seen["back_chip"] = page.locator("[data-role=sync-chip]").inner_text()
        finally:
            context.close()

    def covers(bounds, box):
        west, south, east, north = bounds
        return west <= box[0] + 1e-4 and south <= box[1] + 1e-4 and east >= box[2] - 1e-4 and north >= box[3] - 1e-4

    # then: the officer of West sees West, not the whole city
    assert covers(seen["officer"], (118.00, 32.00, 118.02, 32.02))
    assert not covers(seen["officer"], (118.00, 32.00, 118.04, 32.02))
    # the officer of West 1 and East sees both; the officer without regions the city
    assert covers(seen["two"], (118.00, 32.00, 118.04, 32.02))
    assert covers(seen["loose"], (118.00, 32.00, 118.04, 32.02))
    # a request that failed on the way: offline, the visit waiting; back to normal once it went
    assert seen["failed_chip"] == "离线 · 1 条待上传"
    assert seen["back_chip"].startswith("✓")
