"""Text that people type: cleaned for storage, compared for near-duplicates, parsed as ids."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from typing import Any, TypeVar

from rapidfuzz import fuzz

K = TypeVar("K")
SEQUENCE_WEIGHT = 0.9  # a sequence match counts a little less than shared bigrams
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])
ZWJ = "\u200d"


def clean_text(text: str) -> str:
    """Text as typed, without control characters (they break XML output and mean nothing in a report) and without
    invisible format characters (zero-width spaces, bidirectional overrides, soft hyphens: Unicode category Cf),
    which would let a blank reason pass as given, a copied note pass as new, or a note display other than it
    reads. The zero-width joiner stays inside emoji (👨‍👩‍👧); text that is only joiners and space is empty."""
    text = (text or "").translate(_CONTROL)
    if not text.isascii():
        text = "".join(c for c in text if c == ZWJ or unicodedata.category(c) != "Cf")
        if not text.replace(ZWJ, "").strip():
            return ""
    return text.strip()


def text_similarity(a: str, b: str) -> float:
    """0–1: character bigrams (Chinese needs no word splitting) or sequence match, whichever is higher."""
    return max(_jaccard(_grams(a), _grams(b)), difflib.SequenceMatcher(None, a, b).ratio() * SEQUENCE_WEIGHT)


def text_near(text: str, others: Iterable[tuple[K, str]], *, threshold: float) -> tuple[K, float] | None:
    """The first of `others` (key, text) whose `text_similarity` to `text` is at least `threshold`, with that
    similarity; None when none is. Same answer as calling `text_similarity` on each pair, much faster.

    difflib's ratio counts the characters of its matching blocks, a common subsequence, so it is never above
    rapidfuzz's Indel ratio (the longest common subsequence). The Indel ratio, computed in C with a score
    cutoff, rules a pair out before difflib is asked; at the notes' 0.9 only identical texts pass it."""
    grams = _grams(text)
    cutoff = threshold / SEQUENCE_WEIGHT * 100 - 1e-6  # a hair below: the two ratios round differently
    for key, other in others:
        jaccard = _jaccard(grams, _grams(other))
        if jaccard < threshold and fuzz.ratio(text, other, score_cutoff=cutoff) == 0:
            continue  # the sequence half cannot reach the threshold either
        similarity = max(jaccard, difflib.SequenceMatcher(None, text, other).ratio() * SEQUENCE_WEIGHT)
        if similarity >= threshold:
            return key, similarity
    return None


def _grams(text: str) -> set[str]:
    text = "".join(text.lower().split())
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def _jaccard(a: set[str], b: set[str]) -> float:
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def parse_id(value: Any) -> int:
    """A database id from user input, or 0 (matches nothing) for anything that is not a plain small number."""
    text = str(value if value is not None else "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0
