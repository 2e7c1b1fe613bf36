"""The photo hash as the database holds it (a signed bigint and four bands), and note comparison by text_near."""

import random

import pytest

from apps.core.photos import (
    hamming,
    phash_band_neighbours,
    phash_bands,
    phash_from_int,
    phash_to_int,
)
from apps.core.text import text_near, text_similarity


@pytest.mark.parametrize(
    ("phash", "stored"),
    [
        ("0000000000000000", 0),
        ("7fffffffffffffff", 2**63 - 1),  # the largest bigint
        ("8000000000000000", -(2**63)),  # top bit set: the smallest
        ("ffffffffffffffff", -1),
        ("00ff00ff00ff00ff", 0x00FF00FF00FF00FF),
    ],
)
def test_a_hash_is_a_signed_bigint_and_back(phash, stored):
    assert phash_to_int(phash) == stored
    assert phash_from_int(stored) == phash


def test_the_bands_are_the_hash_in_four_slices_highest_first():
    assert phash_bands("0123456789abcdef") == (0x0123, 0x4567, 0x89AB, 0xCDEF)


def test_a_hash_at_most_six_bits_away_holds_a_looked_up_value_in_some_band():
    # given: random hashes and copies with 0–6 random bits flipped (the reuse check's PHOTO_NEAR)
    rng = random.Random(2026)
    for _ in range(2000):
        bits = rng.getrandbits(64)
        near = bits
        for bit in rng.sample(range(64), rng.randint(0, 6)):
            near ^= 1 << bit
        # when
        lookup = phash_band_neighbours(f"{bits:016x}", within=6)
        # then: some band of the near copy is among the values looked up in that band
        assert any(band in values for band, values in zip(phash_bands(f"{near:016x}"), lookup, strict=True))
        assert hamming(f"{bits:016x}", f"{near:016x}") <= 6
    assert [len(values) for values in phash_band_neighbours("0123456789abcdef", within=6)] == [17, 17, 17, 17]


NOTES = "巡查发现人行道砖块松动多处，已拍照记录并通知养护单位，居民反映夜间照明不足需要增设路灯"


@pytest.mark.parametrize(
    ("other", "threshold"),
    [
        (NOTES, 0.9),  # the same notes
        (NOTES.replace("多处", "三处"), 0.9),  # one word changed: shared bigrams decide
        (NOTES[:20], 0.9),  # a part only
        ("今天天气晴朗，走访了三户居民，均无异常", 0.9),  # other notes
        (NOTES[10:] + NOTES[:10], 0.9),  # the same words in another order: the bigrams almost all shared
        (NOTES.replace("，", " ").upper(), 0.5),
        (NOTES[::-1], 0.3),
    ],
)
def test_text_near_answers_as_text_similarity_pair_by_pair(other, threshold):
    # given: the old way, text_similarity on each pair in order
    others = [(1, "无关的记录内容，与本次走访无关联"), (2, other), (3, NOTES)]
    expected = next(((k, text_similarity(NOTES, t)) for k, t in others if text_similarity(NOTES, t) >= threshold), None)

    # when / then: the same pair, the same similarity
    assert text_near(NOTES, others, threshold=threshold) == expected


def test_text_near_finds_nothing_among_nothing():
    assert text_near(NOTES, [], threshold=0.9) is None
