"""Canonical JSON: the one byte string a visit is signed as, on the phone and checked as on the server.

It is JSON as RFC 8785 (the JSON Canonicalization Scheme) writes it, which is what a browser's `JSON.stringify`
gives for a value whose object keys were sorted:
- object keys sorted by their UTF-16 code units, no insignificant whitespace, UTF-8;
- strings escaped only where JSON must (`"`, `\\`, control characters: `\\b \\f \\n \\r \\t`, others `\\u00xx`);
- numbers as ECMAScript prints them: the shortest digits that read back as the same double, `1e+21` and
  `1e-7` beyond the plain range, no `.0` on whole numbers, no `-0`;
- `true`, `false`, `null`.

The field app makes it with `canonical()` in static/js/fieldwork/sign.js (a test runs both on the same values).
The writer itself lives in the evidence package's `verify_evidence.py`, which may use only the standard library,
so the server and the inspector's checker are one piece of code.
"""

from __future__ import annotations

from typing import Any

from apps.evidence import verify_evidence


class NotCanonical(ValueError):
    """A value JSON cannot carry canonically: NaN or infinity, a number beyond any double, a lone surrogate, a key
    that is not text."""


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value (dict, list, str, int, float, bool, None). Raises NotCanonical."""
    try:
        return verify_evidence.canonical_json(value)
    except (ValueError, OverflowError, AttributeError, TypeError, UnicodeEncodeError) as exc:
        raise NotCanonical(str(exc)) from None
