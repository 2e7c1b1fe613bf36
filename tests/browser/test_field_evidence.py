"""Signed field evidence on a 390×844 phone (127.0.0.1 is a secure context, so WebCrypto signs): the officer
registers the phone, records a visit offline with two camera photos, comes back online; the visit arrives
signed and countersigned, its exported package passes verify_evidence.py run on its own, and a copy with one
photo byte changed or the notes edited fails, naming the file."""

import io
import zipfile

import pytest

from tests.browser.conftest import PageProbe, new_context
from tests.browser.test_field_app import SAVED, _alert_sent_for_verification, phone_photo, to_step
from tests.evidence.test_package import repack, unpack, verify

pytestmark = pytest.mark.browser

# The algorithm of each visit's signature in the phone's outbox (IndexedDB), as saved.
OUTBOX_SIGNATURES = """async () => {
  const db = await new Promise((ok) => {
    const open = indexedDB.open("cityops-field");
    open.onsuccess = () => ok(open.result);
  });
  const items = await new Promise((ok) => {
    const all = db.transaction("outbox").objectStore("outbox").getAll();
    all.onsuccess = () => ok(all.result);
  });
  return items.map((i) => i.payload.signature && i.payload.signature.alg);
}"""


def test_a_phone_registers_signs_a_visit_offline_and_the_package_verifies(asgi_server, city, cast, browser, tmp_path):
    from django.utils import timezone

    from apps.core.models import AuditLog
    from apps.evidence.models import Device, VisitSeal
    from apps.evidence.package import evidence_package
    from apps.fieldwork.models import Assignment, Visit

    alert_pk = _alert_sent_for_verification(city, cast)
    assignment = Assignment.objects.get(alert_id=alert_pk)
    taken = timezone.localtime(timezone.now()).strftime("%Y:%m:%d %H:%M:%S")
    files = []
    for seed in (21, 22):
        files.append(tmp_path / f"IMG_{seed}.jpg")
        files[-1].write_bytes(phone_photo(seed, taken=taken, lon=assignment.lon, lat=assignment.lat))
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
    try:
        probe.sign_in(base, "officer")
        page.goto(f"{base}/field/")
        # the app asks before it makes a key
        page.wait_for_selector("[data-role=device]:not([hidden])[data-state=none]")
        asked = page.locator("[data-role=device]").inner_text()
        probe.screenshot("field-evidence-0-register")
        page.click("[data-action=device-register]")
        page.wait_for_selector("[data-role=device][data-state=registered]")
        registered = page.locator("[data-role=device-line]").inner_text()
        buttons_after = page.locator("[data-role=device-ask]").is_visible()
        probe.screenshot("field-evidence-1-registered")

        # a visit with two photos, saved with no signal
        page.click(f".cards .card[data-id='{assignment.pk}']")
        to_step(page, "checkin")
        page.click("[data-action=checkin]")
        probe.wait_for("document.querySelector('[data-role=position]').textContent.includes('12')")
        to_step(page, "finding")
        page.check("input[name=verdict][value=contradicted]")
        page.fill("#observed", "35")
        to_step(page, "notes")
        page.fill("#notes", "路口无拥堵，车流正常。")
        to_step(page, "photos")
        page.set_input_files("#photo", [str(p) for p in files])
        probe.wait_for("document.querySelectorAll('[data-role=photo-list] li img[src]').length === 2")
        to_step(page, "review")
        context.set_offline(True)
        page.click("[data-action=save]")
        probe.wait_for(SAVED)
        signed_on_phone = page.evaluate(OUTBOX_SIGNATURES)
        stored_offline = Visit.objects.filter(assignment=assignment).count()
        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        probe.wait_for("document.querySelector('[data-role=saved]').dataset.state === 'uploaded'", timeout=90_000)
        probe.screenshot("field-evidence-2-uploaded")
    finally:
        context.close()

    assert "登记本手机" in asked
    assert "密钥不会离开本手机" in asked
    assert not buttons_after  # registered: one quiet line, no question
    device = Device.objects.get(officer=cast["officer"])
    assert device.short_id.replace(" ", "") in registered.replace(" ", "")
    assert "Chrome" in device.label  # what the phone is, as its browser says
    assert AuditLog.objects.filter(action="evidence.device.register").count() == 1
    assert (signed_on_phone, stored_offline) == (["ES256"], 0)
    visit = Visit.objects.get(assignment=assignment)
    seal = VisitSeal.objects.get(visit=visit)
    # the visit verifies: signed on the registered key, countersigned, photos received against their hashes
    assert (seal.state, seal.device_id) == ("signed", device.pk)
    assert visit.photos.filter(received_at__isnull=False, seal__isnull=False).count() == 2
    assert "路口无拥堵" in seal.document

    package = evidence_package([visit], user=cast["command"], purpose="纪检调阅")
    folder = unpack(package, tmp_path / "pkg")
    result = verify(folder / "verify_evidence.py")
    assert result.returncode == 0, result.stdout
    assert "photo 1:" in result.stdout
    assert "signed on the phone" in result.stdout

    def photo_byte(name, data):
        return data[:900] + bytes([data[900] ^ 1]) + data[901:] if name.endswith("photos/0.jpg") else data

    def notes_edited(name, data):
        return data.replace("车流正常".encode(), "车流拥堵".encode()) if name.endswith("document.json") else data

    for change, named in ((photo_byte, "photos/0.jpg: changed"), (notes_edited, "document.json: changed")):
        copy = tmp_path / f"{change.__name__}.zip"
        copy.write_bytes(repack(package, change))
        result = verify(folder / "verify_evidence.py", str(copy))
        assert result.returncode == 1, result.stdout
        assert named in result.stdout
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert "people_contact" not in archive.read(f"visits/{visit.uuid}/document.json").decode()
