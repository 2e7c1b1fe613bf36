"""AUTH-1 and AUTH-2: a visit's authenticity checks against a year of earlier visits, ours ÷ the previous way.

AUTH-1: a new visit's 1,000-character Chinese notes against 2,000 earlier ones (the most the check reads), none
of them near. Ours: `apps.core.text.text_near`, which gives the same answers; reference: `text_similarity`
(bigram Jaccard and difflib) on each pair in turn, as the check did before. Target >= 10.

AUTH-2: one photo's reuse check against 20,000 earlier photos in the embedded database (SQLite). Ours:
`apps.fieldwork.services.photo_flags`'s lookup, the candidates found through the hash's band indexes; reference:
every earlier hash read and its distance counted, as the check did before. Target >= 10.
"""

from __future__ import annotations

import random
from datetime import timedelta

from bench.harness import Result, interleaved_median

NOTES, NOTE_CHARS = 2000, 1000
PHOTOS, PER_VISIT = 20_000, 100
TARGET = 10.0


def run() -> list[Result]:
    return [_notes(), _photos()]


def _note(rng: random.Random) -> str:
    common = "居民反映路灯损坏道路积水垃圾清运不及时已拍照记录并通知社区网格员跟进处理情况良好无异常，。"
    return "".join(
        rng.choice(common) if rng.random() < 0.5 else chr(0x4E00 + rng.randrange(3000)) for _ in range(NOTE_CHARS)
    )


def _notes() -> Result:
    from apps.core.text import text_near, text_similarity
    from apps.fieldwork.services import NOTES_NEAR

    rng = random.Random(2026)
    mine = _note(rng)
    earlier = [(index, _note(rng)) for index in range(NOTES)]

    def reference() -> object:
        return next(((k, s) for k, t in earlier if (s := text_similarity(mine, t)) >= NOTES_NEAR), None)

    assert reference() is None
    assert text_near(mine, earlier, threshold=NOTES_NEAR) is None
    timings = interleaved_median(
        {"ours": lambda: text_near(mine, earlier, threshold=NOTES_NEAR), "reference": reference}, rounds=3
    )
    ratio = timings["reference"] / timings["ours"]
    detail = (
        f"{timings['ours'] * 1000:,.0f} ms ours vs {timings['reference'] * 1000:,.0f} ms reference "
        f"({NOTES:,} earlier notes of {NOTE_CHARS:,} characters)"
    )
    return Result(
        "AUTH-1", "notes check ÷ text_similarity pair by pair", ratio, f">= {TARGET}", ratio >= TARGET, detail
    )


def _photos() -> Result:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from apps.core.photos import hamming
    from apps.fieldwork.models import Visit, VisitPhoto
    from apps.fieldwork.services import PHOTO_NEAR, photo_flags

    rng = random.Random(2026)
    officer, _created = get_user_model().objects.get_or_create(username="bench-officer")
    when = timezone.now() - timedelta(days=1)
    visits = Visit.objects.bulk_create(
        Visit(
            officer=officer, started_at=when, ended_at=when, checkin_lon=118.8, checkin_lat=32.0, checkin_accuracy_m=5
        )
        for _ in range(PHOTOS // PER_VISIT + 1)
    )
    VisitPhoto.objects.bulk_create(
        (
            VisitPhoto(
                visit=visits[n // PER_VISIT], index=n % PER_VISIT, key=f"bench{n}", phash=f"{rng.getrandbits(64):016x}"
            )
            for n in range(PHOTOS)
        ),
        batch_size=2000,
    )
    mine = visits[-1]
    VisitPhoto.objects.create(visit=mine, index=0, key="bench-mine", phash=f"{rng.getrandbits(64):016x}")
    ours_hash = mine.photos.get().phash

    def reference() -> object:
        earlier = VisitPhoto.objects.exclude(visit=mine).filter(phash__isnull=False).values_list("phash", "visit__uuid")
        return next(((str(u), d) for h, u in earlier if (d := hamming(ours_hash, h)) <= PHOTO_NEAR), None)

    assert reference() is None
    assert photo_flags(mine) == []
    timings = interleaved_median({"ours": lambda: photo_flags(mine), "reference": reference})
    ratio = timings["reference"] / timings["ours"]
    detail = (
        f"{timings['ours'] * 1000:,.1f} ms ours vs {timings['reference'] * 1000:,.1f} ms reference "
        f"({PHOTOS:,} earlier photos, SQLite)"
    )
    return Result("AUTH-2", "photo reuse check ÷ a scan of every hash", ratio, f">= {TARGET}", ratio >= TARGET, detail)
