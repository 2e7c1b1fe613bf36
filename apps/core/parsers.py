"""JSON request bodies, refusing what would otherwise become a 500 after parsing.

- **Nesting.** Python's json (like msgspec, like any recursive decoder) raises RecursionError on deep
  nesting, and `[[[…]]]` 100,000 deep is 200 kB. No request here needs more than a few levels (a GeoJSON
  MultiPolygon in a FeatureCollection is 7), so more than MAX_JSON_DEPTH is refused before decoding, by a
  linear scan in C-implemented steps (a regular expression, `bytes.translate`, `accumulate`) that runs only
  when the body has more brackets than the limit.
- **Text a database cannot store.** A lone surrogate escape (`"\\ud800"`) decodes into a str that no
  UTF-8 encoder — database driver, renderer, log — accepts, and PostgreSQL refuses `"\\u0000"` in text.
  Only escapes make either (raw bytes are decoded strictly), so the decoded values are only walked when
  the text has such an escape.

Both are 400 with a sentence (ParseError), as malformed JSON is.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 64

# A string (an unterminated one runs to the end of the text, so no quote is scanned twice: linear on any
# input), or a run of anything that is neither a string nor a bracket. Removing both leaves the brackets.
_NOT_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[^"\[\]{}]+', re.DOTALL)
_LEVEL_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 / -1 as signed bytes
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JSONTooDeep(ValueError):
    """The text nests arrays and objects deeper than MAX_JSON_DEPTH; the message is shown to the sender."""


def json_nesting_exceeds(text: str, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects in a JSON text open more than `limit` levels deep (strings ignored)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # almost every body: too few brackets to nest that deep
    steps = array("b", _NOT_BRACKETS.sub("", text).encode("ascii").translate(_LEVEL_STEPS))
    return max(accumulate(steps), default=0) > limit


def json_loads(text: str, *, strict: bool = True) -> Any:
    """json.loads that raises JSONTooDeep (a ValueError) instead of recursing past MAX_JSON_DEPTH.
    `strict` refuses NaN and Infinity, which are not JSON."""
    if json_nesting_exceeds(text):
        raise JSONTooDeep(_("The JSON is nested more than %(limit)d levels deep.") % {"limit": MAX_JSON_DEPTH})
    return json.loads(text, parse_constant=_refuse_constant if strict else None)


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not a JSON number") % {"name": name})


def json_has_unstorable_text(text: str, data: Any) -> bool:
    """Whether decoded JSON holds a NUL or a lone surrogate in a key or a string (`text` is its source)."""
    if not _SUSPECT_ESCAPE.search(text):
        return False
    return any(_UNSTORABLE.search(value) for value in _strings(data))


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield key
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the refusals above. DRF hands it the body after Django's size check
    (DATA_UPLOAD_MAX_MEMORY_SIZE: RequestDataTooBig, answered 413 by apps.core.errors)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        try:
            # DRF's get_encoding refuses decompressing codecs; djangorestframework-stubs 3.18.1 does not list it yet.
            encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
            text = stream.read().decode(encoding)
            data = json_loads(text, strict=self.strict)
        except JSONTooDeep as exc:
            raise ParseError(str(exc)) from None
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError too
            raise ParseError(_("JSON parse error - %(problem)s") % {"problem": exc}) from None
        if json_has_unstorable_text(text, data):
            raise ParseError(_("The JSON text contains a NUL character or an unpaired surrogate escape."))
        return data
