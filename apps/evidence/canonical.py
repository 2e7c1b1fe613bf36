"""Canonical JSON: the one byte string a visit is signed as, on the phone and checked as on the server.

It is JSON as RFC 8785 (the JSON Canonicalization Scheme) writes it, which is what a browser's `JSON.stringify`
gives for a value whose object keys were sorted:
- object keys sorted by their UTF-16 code units, no insignificant whitespace, UTF-8;
- strings escaped only where JSON must (`"`, `\\`, control characters: `\\b \\f \\n \\r \\t`, others `\\u00xx`);
- numbers as ECMAScript prints them: the shortest digits that read back as the same double, `1e+21` and
  `1e-7` beyond the plain range, no `.0` on whole numbers, no `-0`;
- `true`, `false`, `null`.

The field app makes it with `JSON.stringify(sorted(value))` (static/js/fieldwork/sign.js); the evidence
package's `verify_evidence.py` holds a copy of this function (it may use only the standard library), and a
test keeps the two the same.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any


class NotCanonical(ValueError):
    """A value JSON cannot carry canonically: NaN or infinity, a lone surrogate, a key that is not text."""


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value (dict, list, str, int, float, bool, None). Raises NotCanonical."""
    parts: list[str] = []
    _write(value, parts)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise NotCanonical("text holds a lone surrogate") from None


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) < 2**53:
            out.append(str(value))
        else:
            try:
                out.append(_number(float(value)))
            except OverflowError:
                raise NotCanonical("a number beyond any double") from None
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise NotCanonical("an object key is not text")
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise NotCanonical(f"{type(value).__name__} is not a JSON value")


def _number(x: float) -> str:
    """ECMAScript's Number::toString for a finite double."""
    if not math.isfinite(x):
        raise NotCanonical("NaN and infinity are not JSON numbers")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    exact = Decimal(repr(abs(x))).as_tuple()  # repr: the shortest digits that read back as x
    digits = "".join(map(str, exact.digits))
    exponent = int(exact.exponent)
    stripped = digits.rstrip("0") or "0"
    exponent += len(digits) - len(stripped)
    digits = stripped
    k = len(digits)
    n = exponent + k  # x = 0.digits × 10^n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"
