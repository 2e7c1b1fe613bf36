"""The authenticity checks after the commit: they compare outside any transaction (SQLite's one write lock is
not held while 2,000 notes are compared), a visit whose checks were cut short is checked when sent again, and
the photo hashes are found by their bands (a signed bigint in the database)."""

from datetime import timedelta

import pytest
from django.db import connection

from apps.core.models import AuditLog
from apps.fieldwork import services
from apps.fieldwork.models import Flag, Visit, VisitPhoto
from apps.fieldwork.photos import visit_photo_receive
from apps.fieldwork.services import photo_flags
from tests.fieldwork.conftest import declared, photo, record_visit, record_with_photos, t0, visit_data

NOTES = "路灯损坏三处，已拍照记录，居民反映夜间出行不便，建议尽快维修"


def flags(visit):
    return sorted(f.code for f in visit.flags.all())


@pytest.mark.django_db(transaction=True)
def test_the_comparisons_run_after_the_commit_outside_any_transaction(cast, city, monkeypatch):
    # given: an earlier visit with these notes and this photo; the comparisons watched
    record_with_photos(cast["other_officer"], visit_data(lon=118.03, notes=NOTES), [photo(7)])
    seen = []

    def watched(real):
        def call(*args, **kwargs):
            seen.append((real.__name__, connection.in_atomic_block))
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(services, "text_near", watched(services.text_near))
    monkeypatch.setattr(services, "phash_band_neighbours", watched(services.phash_band_neighbours))

    # when: the same notes and photo again
    visit = record_with_photos(cast["officer"], visit_data(start=t0() + timedelta(hours=1), notes=NOTES), [photo(7)])

    # then: flagged as before, and no comparison ran inside a transaction
    assert flags(visit) == ["notes_copied", "photo_reused"]
    assert visit.status == Visit.Status.REVIEW
    assert seen == [("text_near", False), ("phash_band_neighbours", False)]


def test_a_visit_whose_checks_were_cut_short_is_checked_when_sent_again(cast, city, monkeypatch):
    # given: a visit stored, its worker gone before the checks (a 2-minute stay: short)
    data = visit_data(minutes=2, notes=NOTES)
    real = services.visit_checks_run

    def gone(**kwargs):
        raise RuntimeError("the worker went away")

    monkeypatch.setattr(services, "visit_checks_run", gone)
    with pytest.raises(RuntimeError):
        record_visit(officer=cast["officer"], data=data)
    stored = Visit.objects.get()
    assert (stored.status, stored.checked_at, flags(stored)) == (Visit.Status.WAITING, None, [])
    monkeypatch.setattr(services, "visit_checks_run", real)

    # when: the phone sends it again (it never had an answer), twice
    again = record_visit(officer=cast["officer"], data=data)
    third = record_visit(officer=cast["officer"], data=data)

    # then: checked once, decided once
    assert (again.created, third.created) == (False, False)
    assert flags(third.visit) == ["short_stay"]
    assert third.visit.status == Visit.Status.REVIEW
    assert AuditLog.objects.filter(action="fieldwork.visit.record").count() == 1


def test_the_sweep_finishes_a_visit_whose_checks_were_cut_short_when_the_phone_does_not_send_it_again(
    cast, city, monkeypatch
):
    # given: a visit stored, its worker gone before the checks; the phone had its answer and will not resend
    monkeypatch.setattr(services, "visit_checks_run", lambda **kwargs: None)
    record_visit(officer=cast["officer"], data=visit_data(minutes=2, notes=NOTES))
    monkeypatch.undo()
    stored = Visit.objects.get()
    received = stored.received_at

    # when: the sweep runs a minute later, then three minutes later, then again
    early = services.visits_checks_sweep(now=received + timedelta(minutes=1))
    swept = services.visits_checks_sweep(now=received + timedelta(minutes=3))
    again = services.visits_checks_sweep(now=received + timedelta(minutes=3))

    # then: left alone while its own checks could still be running, then checked and decided once
    stored.refresh_from_db()
    assert (early, swept, again) == (0, 1, 0)
    assert (stored.status, flags(stored)) == (Visit.Status.REVIEW, ["short_stay"])
    assert AuditLog.objects.filter(action="fieldwork.visit.record").count() == 1


def test_a_last_photo_whose_checks_were_cut_short_completes_the_visit_when_sent_again(cast, city, monkeypatch):
    # given: an earlier visit with this photo; the last photo of a new one stored, its worker gone before the checks
    record_with_photos(cast["other_officer"], visit_data(lon=118.03), [photo(7)])
    content = photo(7)
    visit = record_visit(
        officer=cast["officer"], data=visit_data(start=t0() + timedelta(hours=2), photos=declared(content))
    ).visit
    real = services.visit_checks_run

    def gone(**kwargs):
        raise RuntimeError("the worker went away")

    monkeypatch.setattr("apps.fieldwork.photos.visit_checks_run", gone)
    with pytest.raises(RuntimeError):
        visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(), content=content)
    visit.refresh_from_db()
    assert (visit.status, flags(visit)) == (Visit.Status.WAITING, [])
    monkeypatch.setattr("apps.fieldwork.photos.visit_checks_run", real)

    # when: the phone sends the photo again, twice
    first = visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(), content=content)
    second = visit_photo_receive(officer=cast["officer"], photo=visit.photos.get(), content=content)

    # then: completed once
    visit.refresh_from_db()
    assert (first.created, second.created) == (False, False)
    assert (visit.status, flags(visit)) == (Visit.Status.REVIEW, ["photo_reused"])
    assert AuditLog.objects.filter(action="fieldwork.visit.complete").count() == 2  # the earlier visit's and this


@pytest.mark.parametrize(("bits", "reused"), [(6, True), (7, False)])
def test_a_photo_within_six_bits_is_found_by_its_bands_even_with_the_top_bit_set(cast, city, bits, reused):
    # given: an earlier photo whose hash is `bits` bits from ours, the top (sign) bit among them
    earlier = record_with_photos(cast["other_officer"], visit_data(lon=118.03), [photo(7)])
    mine = record_with_photos(cast["officer"], visit_data(start=t0() + timedelta(hours=1)), [photo(8)])
    ours = mine.photos.get().phash
    flipped = int(ours, 16)
    for bit in (63, 47, 31, 15, 1, 2, 3)[:bits]:
        flipped ^= 1 << bit
    VisitPhoto.objects.filter(visit=earlier).update(phash=f"{flipped:016x}")

    # when
    found = [(code, e) for code, e in photo_flags(mine) if code == Flag.Code.PHOTO_REUSED]

    # then
    key = mine.photos.get().key
    evidence = {"photo": key, "earlier_visit": str(earlier.uuid), "distance_bits": bits}
    assert found == ([(Flag.Code.PHOTO_REUSED, evidence)] if reused else [])
    assert VisitPhoto.objects.get(visit=earlier).phash == f"{flipped:016x}"  # 16 hex digits again when read


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_hex_hashes_into_signed_bigints_and_back():
    from datetime import UTC, datetime

    from django.db.migrations.executor import MigrationExecutor

    before, after = ("fieldwork", "0008_field_and_model_names"), ("fieldwork", "0014_visit_checked_at")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    try:
        # given: photos stored with hex hashes, one with the top bit set, one not yet received
        officer = old.get_model("auth", "User").objects.create(username="old-officer")
        when = datetime(2026, 5, 1, 9, tzinfo=UTC)
        visit = old.get_model("fieldwork", "Visit").objects.create(
            officer=officer, started_at=when, ended_at=when, checkin_lon=118.0, checkin_lat=32.0, checkin_accuracy_m=5
        )
        OldPhoto = old.get_model("fieldwork", "VisitPhoto")
        for index, phash in enumerate(["f00d0000beef0001", "0123456789abcdef", ""]):
            OldPhoto.objects.create(visit=visit, index=index, key=f"k{index}", phash=phash)

        # when
        executor = MigrationExecutor(connection)
        executor.migrate([after])

        # then: the same hashes, signed in the column, banded, the visit already checked
        rows = VisitPhoto.objects.order_by("index").values_list("phash", "phash_band0", "phash_band3")
        assert list(rows) == [("f00d0000beef0001", 0xF00D, 0x0001), ("0123456789abcdef", 0x0123, 0xCDEF), (None,) * 3]
        with connection.cursor() as cursor:
            cursor.execute("SELECT phash FROM fieldwork_visitphoto WHERE key = 'k0'")
            assert cursor.fetchone() == (0xF00D0000BEEF0001 - 2**64,)
        assert Visit.objects.get().checked_at is not None

        # and back: the hex digits again
        executor = MigrationExecutor(connection)
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps
        hashes = old.get_model("fieldwork", "VisitPhoto").objects.order_by("index").values_list("phash", flat=True)
        assert list(hashes) == ["f00d0000beef0001", "0123456789abcdef", ""]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
