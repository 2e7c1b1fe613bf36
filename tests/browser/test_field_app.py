"""The field app on a phone: a visit with three 6 MB camera photos goes up once, the visit first and each
photo on its own; a visit recorded with no signal waits on the phone, goes up when the signal returns, and is
stored exactly once. Each photo's original SHA-256 is kept and its checks read the original's EXIF."""

import hashlib
import io
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.conftest import PageProbe, new_context

pytestmark = pytest.mark.browser


def _alert_sent_for_verification(city, cast):
    """An alert in W1 sent for verification, off the main thread (Playwright's event loop runs there)."""

    def work():
        from django.db import connection

        from apps.indicators.alerting import alert_raise, alert_transition
        from apps.indicators.models import Alert

        try:
            alert, _created = alert_raise(
                kind=Alert.Kind.THRESHOLD,
                severity="warning",
                title_zh="西一街道：噪声超标",
                title_en="West 1: noise over the limit",
                region=city["W1"],
                indicator="environment.noise_over_limit",
                value=3.0,
                threshold=0.1,
            )
            alert_transition(alert=alert, action="request_verification", user=cast["command"])
            return alert.pk
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def phone_photo(seed, *, taken, lon, lat):
    """A phone camera's JPEG: 4000×3000, a scene's structure with sensor noise, quality 95, EXIF
    DateTimeOriginal and GPS — 6 MB or so, as phones make them."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    scene = Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8))
    scene = np.asarray(scene.resize((4000, 3000), Image.Resampling.BICUBIC), dtype=np.int16)
    pixels = np.clip(scene + rng.normal(0, 9, (3000, 4000, 1)).astype(np.int16), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Test Phone Co.", "TP-1"  # make, model
    exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal
    exif.get_ifd(0x8825).update({1: "N", 2: (lat, 0.0, 0.0), 3: "E", 4: (lon, 0.0, 0.0)})
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=95, exif=exif)
    return out.getvalue()


# The saved screen, shown for the visit just saved (its panel names the visit's UUID). Its state alone is not enough:
# the panel's markup starts as "saved", so a wait on it passes before the visit has left the drafts for the outbox.
SAVED = (
    "document.body.dataset.screen === 'saved' && !!document.querySelector('[data-role=saved]').dataset.uuid"
    " && document.querySelector('[data-role=saved]').dataset.state === 'saved'"
)


def to_step(page, step):
    """Next (or back) until the visit shows `step`: one step per screen."""
    order = ["target", "checkin", "finding", "people", "notes", "photos", "review"]
    page.wait_for_selector("#visit:not([hidden])[data-step]")
    for _ in range(len(order) * 2):
        now = page.evaluate("document.querySelector('#visit').dataset.step")
        if now == step:
            return
        page.click("[data-action=next]" if order.index(now) < order.index(step) else "[data-action=back]")
    raise AssertionError(f"never reached the step {step}")


def check_in(page, probe):
    to_step(page, "checkin")
    page.click("[data-action=checkin]")
    probe.wait_for("document.querySelector('[data-role=position]').textContent.includes('12')")


def record(page, probe, *, notes, files=()):
    """A visit without a finding, step by step, saved; back on the list."""
    check_in(page, probe)
    to_step(page, "notes")
    page.fill("#notes", notes)
    if files:
        to_step(page, "photos")
        page.set_input_files("#photo", [str(p) for p in files])
        probe.wait_for(f"document.querySelectorAll('[data-role=photo-list] li').length === {len(files)}")
    to_step(page, "review")
    page.click("[data-action=save]")
    page.wait_for_selector("#saved:not([hidden])")
    page.click("[data-action=done]")
    page.wait_for_selector("#list:not([hidden])")


def test_a_visit_with_three_phone_photos_and_one_recorded_offline_reach_the_server_once(
    asgi_server, city, cast, browser, tmp_path
):
    from django.utils import timezone
    from PIL import Image

    from apps.fieldwork.models import Assignment, Visit
    from apps.indicators.models import Alert

    # given: an assignment; three camera photos taken now, two at the spot and one 2 km away (its EXIF says so)
    alert_pk = _alert_sent_for_verification(city, cast)
    assignment = Assignment.objects.get(alert_id=alert_pk)
    taken = timezone.localtime(timezone.now()).strftime("%Y:%m:%d %H:%M:%S")
    places = [
        (assignment.lon, assignment.lat),
        (assignment.lon, assignment.lat),
        (assignment.lon + 0.02, assignment.lat),
    ]
    files = []
    for seed, (lon, lat) in enumerate([*places, (assignment.lon, assignment.lat)], start=1):
        path = tmp_path / f"IMG_2026120{seed}.jpg"
        path.write_bytes(phone_photo(seed, taken=taken, lon=lon, lat=lat))
        files.append(path)
    sizes = [p.stat().st_size for p in files]
    assert all(5_500_000 <= size <= 7_000_000 for size in sizes), sizes
    base = f"http://{asgi_server}"
    context = new_context(
        browser,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        geolocation={"longitude": assignment.lon, "latitude": assignment.lat, "accuracy": 12},
        permissions=["geolocation"],
    )
    probe = PageProbe(context.new_page())
    page = probe.page
    try:
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        page.wait_for_selector(f".cards .card[data-id='{assignment.pk}']", timeout=15000)
        page.evaluate("navigator.serviceWorker.ready")  # the app is kept for offline use

        # when: online, the visit with its three photos
        page.click(f".cards .card[data-id='{assignment.pk}']")
        check_in(page, probe)
        to_step(page, "finding")
        page.check("input[name=verdict][value=contradicted]")
        page.fill("#observed", "48")
        to_step(page, "people")
        page.fill("input[name=residents]", "3")
        to_step(page, "notes")
        page.fill("#notes", "Quiet street, three residents say the noise stopped last week.")
        to_step(page, "photos")
        page.set_input_files("#photo", [str(p) for p in files[:3]])
        probe.wait_for("document.querySelectorAll('[data-role=photo-list] li').length === 3")
        probe.screenshot("field-app-three-photos")
        to_step(page, "review")
        page.click("[data-action=save]")
        probe.wait_for("document.querySelector('[data-role=saved]').dataset.state === 'uploaded'", timeout=60000)
        probe.wait_for("document.querySelector('[data-role=saved]').innerText.includes('Held for review:')")
        saved_panel = page.locator("[data-role=saved]").inner_text()
        first_line = page.locator("[data-role=sync]").inner_text()
        notice = page.locator("[data-role=notice]").inner_text()
        probe.screenshot("field-app-photos-synced")
        page.click("[data-action=done]")
        page.wait_for_selector("#list:not([hidden])")
        probe.wait_for("document.querySelectorAll('[data-role=visits] li[data-uuid]').length === 1")
        recent = page.locator("[data-role=visits]").inner_text()

        synced_chip = page.locator("[data-role=sync-chip]").inner_text()

        # when: no signal, a second visit with a photo
        context.set_offline(True)
        probe.wait_for("document.querySelector('[data-role=sync-chip]').dataset.offline === '1'")
        offline_chip = page.locator("[data-role=sync-chip]").inner_text()
        offline_line = page.locator("[data-role=sync]").inner_text()
        page.click("[data-action=free]")
        record(page, probe, files=[files[3]],
               notes="Walked the block with the community worker; the drain was cleared this morning.")  # fmt: skip
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.waiting === '1'")
        waiting = page.locator("[data-role=sync]").inner_text()
        outbox = page.locator("[data-role=outbox]").inner_text()
        waiting_chip = page.locator("[data-role=sync-chip]").inner_text()
        probe.screenshot("field-app-offline")
        assert Visit.objects.count() == 1

        # the signal returns
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.waiting === '0'", timeout=60000)
        probe.wait_for("document.querySelectorAll('[data-role=visits] li[data-uuid]').length === 2")
        page.evaluate("window.dispatchEvent(new Event('online'))")  # the server's list again: the visit's region
        probe.wait_for("document.querySelector('[data-role=visits]').innerText.includes('West 1 Subdistrict')")
        synced = page.locator("[data-role=sync]").inner_text()
        back_chip = page.locator("[data-role=sync-chip]").inner_text()
        listed = page.locator("[data-role=visits]").inner_text()
        probe.screenshot("field-app-synced")
    finally:
        context.close()

    # then: the officer saw what happened
    assert notice == "Received by the server, with its photos."
    assert first_line.startswith("All synced")
    # why it waits for review: the kinds of its flags, not the reviewer's details
    held = "Held for review: implausibly short stay, photo taken at another time or place"
    assert held in saved_panel
    assert f"3 photos\n{held}" in recent
    # no signal: the header's chip and the line say so, then back to normal
    assert synced_chip.startswith("✓")
    assert (offline_chip, waiting_chip) == ("Offline", "Offline · 1 waiting")
    assert offline_line.startswith("Offline: visits are kept on this phone")
    assert back_chip.startswith("✓")
    # the visit without an assignment is known by the region it was checked in
    assert "West 1 Subdistrict" in listed
    assert "Held for review: implausibly short stay" in listed
    assert "1 visit waiting to upload" in waiting
    assert "Waiting to send — 0 of 1 photos uploaded" in outbox
    assert synced.startswith("All synced")
    # the visit with three photos, stored once, each photo's original kept by its hash
    visit, offline = Visit.objects.order_by("received_at")
    photos = list(visit.photos.order_by("index"))
    assert [p.sha256 for p in photos] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in files[:3]]
    assert [p.size for p in photos] == sizes[:3]
    assert all(p.received_at is not None for p in photos)
    with photos[2].image.open("rb") as stored, Image.open(stored) as copy:  # PIL leaves a file it was given open
        assert (max(copy.size), dict(copy.getexif())) == (2048, {})  # downscaled, no metadata
    # its checks read the originals' EXIF: the third photo was taken 2 km away
    flags = {f.code: f.evidence for f in visit.flags.all()}
    assert set(flags) == {"short_stay", "photo_exif_mismatch"}  # a test visit lasts seconds
    assert flags["photo_exif_mismatch"]["photo"] == photos[2].key
    assert 1800 < flags["photo_exif_mismatch"]["distance_m"] < 2000
    assert (visit.status, visit.officer, visit.people) == (
        "review",
        cast["officer"],
        [{"kind": "residents", "count": 3}],
    )
    assert visit.findings.get().verdict == "contradicted"
    assert Alert.objects.get(pk=alert_pk).status == "verification_requested"  # until a supervisor accepts it
    # the offline visit, sent once when the signal returned, with its photo
    assert offline.assignment is None
    assert offline.photos.get().sha256 == hashlib.sha256(files[3].read_bytes()).hexdigest()
    assert [f.code for f in offline.flags.all()] == ["short_stay"]
    # requests that fail while offline are logged by the browser; nothing else may be
    assert [e for e in probe.console_errors if "net::ERR_" not in e] == []


def test_a_refused_visit_is_parked_a_lost_answer_is_resent_and_the_rest_go_on(
    asgi_server, city, cast, browser, tmp_path
):
    import json

    from apps.fieldwork.models import Visit, VisitPhoto
    from tests.fieldwork.conftest import photo

    # given: two visits recorded with no signal — A (the server will refuse it), then B with two photos
    files = []
    for seed in (1, 2):
        files.append(tmp_path / f"b{seed}.jpg")
        files[-1].write_bytes(photo(seed))
    base = f"http://{asgi_server}"
    context = new_context(
        browser,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        service_workers="block",
        geolocation={"longitude": 118.005, "latitude": 32.01, "accuracy": 12},
        permissions=["geolocation"],
    )
    probe = PageProbe(context.new_page())
    page = probe.page
    seen = {"refused": 0, "lost": 0}

    def visits(route):
        body = json.loads(route.request.post_data or "{}")
        if body.get("notes") == "A" and not seen["refused"]:
            seen["refused"] += 1  # the server really refuses it: an assignment that is not the officer's
            return route.continue_(post_data=json.dumps({**body, "assignment": 999999}))
        return route.continue_()

    def photos(route):
        if route.request.url.endswith("/photos/1") and route.request.method == "PUT" and not seen["lost"]:
            seen["lost"] += 1
            route.fetch()  # the server stores the photo, and its answer is lost: a busy proxy says come back later
            return route.fulfill(status=503, headers={"Retry-After": "20"}, json={"detail": "busy"})
        return route.continue_()

    try:
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        page.wait_for_selector("[data-role=sync]:not(:empty)")
        page.wait_for_selector("#field-map[data-basemap]")  # the page has loaded all it reads before the signal goes
        context.set_offline(True)
        for notes, chosen in (("A", []), ("B", files)):
            page.click("[data-action=free]")
            record(page, probe, notes=notes, files=chosen)
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.waiting === '2'")
        page.route("**/api/v1/fieldwork/visits", visits)
        page.route("**/api/v1/fieldwork/visits/*/photos/*", photos)

        # when: the signal returns (once: the browser says so itself)
        page.evaluate("window.backOnline = 0; window.addEventListener('online', () => { window.backOnline += 1; })")
        context.set_offline(False)
        probe.wait_for("window.backOnline === 1")
        slow = 90_000  # a busy machine: a lost request backs off 10 s and more before it is sent again
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.refused === '1'", timeout=slow)
        probe.wait_for(
            "[...document.querySelectorAll('[data-role=item-state]')].some((e) => "
            "e.textContent.includes('1 of 2 photos uploaded'))",
            timeout=slow,
        )
        midway = page.locator("[data-role=outbox]").inner_text()
        paused = page.locator("[data-role=sync]").inner_text()
        wait_ms = page.evaluate("Number(document.querySelector('[data-role=sync]').dataset.nextTry) - Date.now()")
        probe.screenshot("field-app-parked-and-resuming")
        page.clock.fast_forward(25_000)  # past Retry-After
        probe.wait_for("document.querySelector('[data-role=sync]').dataset.waiting === '0'", timeout=slow)
        parked = page.locator("[data-role=outbox]").inner_text()
        line = page.locator("[data-role=sync]").inner_text()

        # and: the officer edits the refused visit and saves it again
        page.click("[data-role=outbox] [data-action=edit]")
        probe.wait_for("document.querySelector('[data-role=visit-error]').textContent.includes('Refused')")
        shown = page.locator("[data-role=visit-error]").inner_text()
        probe.screenshot("field-app-editing-a-refused-visit")
        notes = page.input_value("#notes")
        page.click("[data-role=summary] [data-action=change] >> nth=3")  # the notes' row: to that step
        page.fill("#notes", "A, again")
        to_step(page, "review")
        page.click("[data-action=save]")
        probe.wait_for("document.querySelector('[data-role=sync]').textContent.startsWith('All synced')")
        probe.screenshot("field-app-all-synced-after-edit")
    finally:
        context.close()

    # then: A was parked with its reason while B went on; B's photo whose answer was lost is stored once
    assert seen == {"refused": 1, "lost": 1}
    assert "On the server — 1 of 2 photos uploaded — waiting for its photos" in midway
    assert "Refused by the server: the visit could not be recorded — assignment: not one of your assignments" in parked
    assert "1 refused: see below" in line
    assert paused.startswith("1 visit waiting to upload — 1 refused: see below — next try ")
    assert 15_000 < wait_ms <= 21_000  # Retry-After: 20 (the first backoff alone would be 10–11 s)
    assert "not one of your assignments" in shown
    assert notes == "A"
    b, a = Visit.objects.order_by("received_at")
    assert (b.notes, a.notes, a.assignment_id) == ("B", "A, again", None)
    assert VisitPhoto.objects.filter(visit=b).count() == 2
    assert all(p.received_at is not None for p in b.photos.all())
    refusals = ("status of 400", "status of 503")  # the browser logs the answers the test made it get
    assert [e for e in probe.console_errors if not any(r in e for r in refusals)] == []


def test_a_visit_the_earlier_app_kept_with_an_inline_photo_still_reaches_the_server(asgi_server, city, cast, browser):
    import base64
    import json
    import uuid

    from django.utils import timezone

    from apps.fieldwork.models import Visit
    from tests.fieldwork.conftest import photo

    # given: a visit waiting on the phone since before photos were uploaded on their own (base64 inside)
    content = photo(9)
    now = timezone.now()
    legacy = {
        "uuid": str(uuid.uuid4()),
        "saved_at": now.isoformat(),
        "payload": {
            "uuid": None,
            "assignment": None,
            "started_at": now.isoformat(),
            "ended_at": now.isoformat(),
            "checkin": {"lon": 118.005, "lat": 32.01, "accuracy": 12},
            "checkout": None,
            "people": [],
            "people_contact": "",
            "notes": "kept on the phone through the update",
            "follow_up": "",
            "findings": [],
            "photos": [{"name": "old.jpg", "data": base64.b64encode(content).decode()}],
        },
    }
    legacy["payload"]["uuid"] = legacy["uuid"]
    base = f"http://{asgi_server}"
    context = new_context(browser, viewport={"width": 390, "height": 844}, locale="en-GB", service_workers="block")
    probe = PageProbe(context.new_page())
    try:
        probe.sign_in(base, "officer")
        probe.page.goto(f"{base}/accounts/login/")  # same origin, without the app running
        probe.page.evaluate(
            """(item) => new Promise((resolve, reject) => {
                const open = indexedDB.open("cityops-field", 1);
                open.onupgradeneeded = () => {
                  open.result.createObjectStore("outbox", { keyPath: "uuid" });
                  open.result.createObjectStore("kv");
                };
                open.onsuccess = () => {
                  const tx = open.result.transaction("outbox", "readwrite");
                  tx.objectStore("outbox").put(item);
                  tx.oncomplete = () => { open.result.close(); resolve(); };
                  tx.onerror = () => reject(tx.error);
                };
              })""",
            json.loads(json.dumps(legacy)),
        )

        # when: the updated app starts
        probe.page.goto(f"{base}/field/")
        probe.wait_for("document.querySelector('[data-role=sync]').textContent.startsWith('All synced')")
    finally:
        context.close()

    # then
    visit = Visit.objects.get()
    assert str(visit.uuid) == legacy["uuid"]
    assert visit.photos.get().sha256 == hashlib.sha256(content).hexdigest()
    assert probe.console_errors == []
