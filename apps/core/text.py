"""Text that people type: cleaned for storage, compared for near-duplicates, parsed as ids."""

from __future__ import annotations

import difflib
from typing import Any

_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 127])


def clean_text(text: str) -> str:
    """Text as typed, without control characters (they break XML output and mean nothing in a report)."""
    return (text or "").translate(_CONTROL).strip()


def text_similarity(a: str, b: str) -> float:
    """0–1: character bigrams (Chinese needs no word splitting) or sequence match, whichever is higher."""

    def grams(text: str) -> set[str]:
        text = "".join(text.lower().split())
        return {text[i : i + 2] for i in range(len(text) - 1)} or {text}

    ga, gb = grams(a), grams(b)
    jaccard = len(ga & gb) / len(ga | gb) if ga | gb else 0.0
    return max(jaccard, difflib.SequenceMatcher(None, a, b).ratio() * 0.9)


def parse_id(value: Any) -> int:
    """A database id from user input, or 0 (matches nothing) for anything that is not a plain small number."""
    text = str(value if value is not None else "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 0
