"""A shared phone: what one officer leaves on it (a visit waiting to upload, an unfinished draft with a resident's
phone number, the visit list read from the server) is never shown to, resumed by or uploaded as the next officer.
It waits, untouched, and goes up when its owner signs in again (as ODK Collect on a shared device)."""

import pytest

from tests.browser.conftest import PageProbe, new_context
from tests.browser.test_field_app import SAVED, to_step

pytestmark = pytest.mark.browser

CONTACT = "王阿姨 13800000000 身份证 320102199001011234"
NOTES = "居民反映夜间施工，联系电话 13800000000"
IDLE = "!!document.querySelector('[data-role=sync]') && document.querySelector('[data-role=sync]').textContent !== '…'"


def _phone(browser):
    return new_context(
        browser,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        geolocation={"longitude": 118.005, "latitude": 32.01, "accuracy": 12},
        permissions=["geolocation"],
    )


def _free_visit_typed(page):
    """A visit without an assignment, checked in, with a resident's contact and notes typed."""
    page.click("[data-action=free]")
    to_step(page, "checkin")
    page.click("[data-action=checkin]")
    for _ in range(200):
        if "12" in page.locator("[data-role=position]").inner_text():
            break
        page.wait_for_timeout(50)
    to_step(page, "people")
    page.fill("#people_contact", CONTACT)
    to_step(page, "notes")
    page.fill("#notes", NOTES)


def _colleague():
    """A second field officer of the same district, sharing the phone."""
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert
    from tests.conftest import PASSWORD

    return staff_user_upsert(username="colleague", password=PASSWORD, roles=[Role.FIELD_OFFICER], region_codes=["W"])


def _errors(probe):
    """Console errors, less the 403s of A's page still open when A's session ended (that is the point) and what
    the reload with no signal costs the map (its worker, its tiles)."""
    expected = ("status of 403", "ERR_INTERNET_DISCONNECTED", "Worker failed to load")
    return [e for e in probe.console_errors if not any(x in e for x in expected)]


def _records_on_phone(page):
    """How many drafts and outbox entries IndexedDB holds (whoever they belong to)."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open("cityops-field");
            open.onsuccess = () => {
              const db = open.result, counts = {};
              const names = ["drafts", "outbox"].filter((n) => db.objectStoreNames.contains(n));
              if (!names.length) { db.close(); return resolve({ drafts: 0, outbox: 0 }); }
              const tx = db.transaction(names, "readonly");
              for (const n of names) tx.objectStore(n).count().onsuccess = (e) => { counts[n] = e.target.result; };
              tx.oncomplete = () => { db.close(); resolve(counts); };
            };
          })"""
    )


def test_a_visit_left_waiting_by_one_officer_is_not_uploaded_as_the_next_one(asgi_server, city, cast, browser):
    from apps.fieldwork.models import Visit

    _colleague()
    base = f"http://{asgi_server}"
    context = _phone(browser)
    probe = PageProbe(context.new_page())
    page = probe.page
    try:
        # given: officer A saves a visit with no signal
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        probe.wait_for(IDLE)
        _free_visit_typed(page)
        to_step(page, "review")
        context.set_offline(True)
        page.click("[data-action=save]")
        probe.wait_for(SAVED)

        # and: A's session ends without signing out; officer B (same district) signs in on the same phone
        context.clear_cookies()
        context.set_offline(False)
        probe.sign_in(base, "colleague")
        page.goto(f"{base}/field/")
        probe.wait_for(IDLE)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_timeout(3000)  # the outbox had its chance to upload

        # then: nothing stored under B; B sees one neutral line, never A's visit or words
        assert not Visit.objects.exists(), [(v.officer.username, v.notes) for v in Visit.objects.all()]
        probe.wait_for("document.querySelector('[data-role=others-waiting]')?.dataset.count === '1'")
        shown = page.locator("body").inner_text()
        assert "1 record of another person waits on this phone for them to upload" in shown
        assert "13800000000" not in shown
        assert "施工" not in shown
        assert page.locator("[data-role=outbox] li").count() == 0
        assert page.locator("[data-role=saved]").get_attribute("data-uuid") is None
        # A's visit stays on the phone, untouched
        assert _records_on_phone(page) == {"outbox": 1, "drafts": 0}

        # when: A signs in again
        context.clear_cookies()
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        probe.wait_for(f"{IDLE} && document.querySelector('[data-role=sync]').textContent.startsWith('All synced')")
    finally:
        context.close()

    # then: it is stored once, as A's, with A's notes
    visit = Visit.objects.get()
    assert visit.officer == cast["officer"]
    assert visit.notes == NOTES
    assert _errors(probe) == []


def test_a_draft_and_the_visit_list_are_not_shown_to_the_next_officer_and_sign_out_keeps_the_work(
    asgi_server, city, cast, browser
):
    from tests.fieldwork.conftest import record_visit, visit_data

    uploaded = record_visit(officer=cast["officer"], data=visit_data(notes="A's morning visit")).visit
    base = f"http://{asgi_server}"
    context = _phone(browser)
    probe = PageProbe(context.new_page())
    page = probe.page
    try:
        # given: officer A's list shows their uploaded visit; A leaves a draft with a resident's contact
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        probe.wait_for(f"!!document.querySelector('[data-role=visits] li[data-uuid=\"{uploaded.uuid}\"]')")
        _free_visit_typed(page)
        page.click("[data-action=home]")
        page.wait_for_selector("[data-role=drafts-panel]:not([hidden]) [data-action=resume]")

        # when: A's session ends (no sign-out) and B signs in, with signal and then without
        context.clear_cookies()
        probe.sign_in(base, "other")
        page.goto(f"{base}/field/")
        probe.wait_for("document.querySelector('[data-role=others-waiting]')?.dataset.count === '1'")
        seen_online = page.locator("body").inner_text()
        drafts_online = page.locator("[data-role=drafts] li").count()
        on_visit_screen = page.locator("#visit").is_visible()
        list_online = page.locator("[data-role=visits] li[data-uuid]").count()
        context.set_offline(True)
        page.reload()
        probe.wait_for("document.querySelector('[data-role=others-waiting]')?.dataset.count === '1'")
        seen_offline = page.locator("body").inner_text()
        list_offline = page.locator("[data-role=visits] li[data-uuid]").count()
        context.set_offline(False)

        # then: B is not taken into A's draft, sees neither it nor A's visit list, only the neutral line
        assert not on_visit_screen
        assert drafts_online == 0
        assert list_online == 0
        assert list_offline == 0
        for seen in (seen_online, seen_offline):
            assert "13800000000" not in seen
            assert "320102199001011234" not in seen
            assert "施工" not in seen
            assert "1 record of another person waits on this phone for them to upload" in seen

        # when: B signs out from the menu; A signs in, then signs out from the menu
        page.click(".field-menu summary")
        with page.expect_navigation():
            page.click(".field-menu form[action*=logout] button")
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        page.wait_for_selector("[data-role=drafts-panel]:not([hidden]) [data-action=resume]")
        resumed_contact = None
        page.click("[data-role=drafts] [data-action=resume]")
        to_step(page, "people")
        resumed_contact = page.input_value("#people_contact")
        page.click("[data-action=home]")
        page.wait_for_selector("[data-role=drafts-panel]:not([hidden])")
        page.click(".field-menu summary")
        with page.expect_navigation():
            page.click(".field-menu form[action*=logout] button")
        kept = _records_on_phone(page)
        cached_api = page.evaluate(
            """async () => {
                const names = await caches.keys();
                let n = 0;
                for (const name of names) {
                  for (const r of await (await caches.open(name)).keys()) {
                    if (new URL(r.url).pathname.startsWith("/api/")) n++;
                  }
                }
                return n;
              }"""
        )
        own_state = page.evaluate(
            f"""() => new Promise((resolve) => {{
                const open = indexedDB.open("cityops-field");
                open.onsuccess = () => {{
                  const tx = open.result.transaction("kv", "readonly");
                  const req = tx.objectStore("kv").getAllKeys();
                  tx.oncomplete = () => {{ open.result.close(); resolve(req.result.map(String)
                    .filter((k) => k.startsWith("{cast["officer"].pk}:"))); }};
                }};
              }})"""
        )
    finally:
        context.close()

    # then: A found the draft as they left it; signing out kept it (no work lost) and dropped what the server has
    assert resumed_contact == CONTACT
    assert kept == {"drafts": 1, "outbox": 0}
    assert own_state == []
    assert cached_api == 0
    assert _errors(probe) == []
