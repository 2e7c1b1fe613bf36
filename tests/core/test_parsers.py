"""The JSON parser of every API view: deep nesting and text no database stores are a 400, before decoding."""

import io
import json

import pytest
from django.utils import translation
from rest_framework.exceptions import ParseError

from apps.core.parsers import MAX_JSON_DEPTH, JSONParser, json_nesting_exceeds


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parse(text: str | bytes, charset: str = "utf-8"):
    body = text.encode() if isinstance(text, str) else text
    return JSONParser().parse(io.BytesIO(body), "application/json", {"encoding": charset})


@pytest.mark.parametrize(
    ("text", "exceeds"),
    [
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
        ('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), True),
        ("[{" * 33 + "}]" * 33, True),  # 66 levels, arrays and objects in turn
        ("[" + "[]," * 500 + "[]]", False),  # many brackets, two levels
        ("[" * (MAX_JSON_DEPTH + 1), True),  # never closed: the decoder would still recurse
        ('["' + "[" * 200 + '"]', False),  # brackets inside a string are text
        ('["\\"' + "[" * 200 + '"]', False),  # ... after an escaped quote too
        ('["\\\\",' + "[" * 100 + "]" * 100 + "]", True),  # an escaped backslash, then the string ends
        ('"' + "[" * 200, False),  # an unterminated string holds the rest
        ("[" * (MAX_JSON_DEPTH + 1) + '"' + '\\"' * 1000, True),
    ],
)
def test_nesting_is_measured_outside_strings(text, exceeds):
    assert json_nesting_exceeds(text) is exceeds


def test_a_body_at_the_limit_is_parsed():
    assert parse("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) == json.loads("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_a_body_past_the_limit_is_a_parse_error(depth):
    with pytest.raises(ParseError) as refused:
        parse('{"a":' * depth + "1" + "}" * depth)

    assert str(refused.value.detail) == "The JSON is nested more than 64 levels deep."


@pytest.mark.parametrize("text", ['{"notes": "\\ud800"}', '["\\uDC00"]', '{"\\u0000": 1}', '[["a\\u0000"]]'])
def test_a_nul_or_a_lone_surrogate_is_a_parse_error(text):
    with pytest.raises(ParseError) as refused:
        parse(text)

    assert str(refused.value.detail) == "The JSON text contains a NUL character or an unpaired surrogate escape."


@pytest.mark.parametrize(
    ("text", "value"),
    [('["\\ud83d\\ude00"]', ["😀"]), ('["\\\\u0000"]', ["\\u0000"]), ('{"a": "\\\\ud800"}', {"a": "\\ud800"})],
)
def test_a_surrogate_pair_and_an_escaped_backslash_are_fine(text, value):
    assert parse(text) == value


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{nope", "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("[NaN]", "JSON parse error - NaN is not a JSON number"),
        (
            b'["caf\xe9"]',
            "JSON parse error - 'utf-8' codec can't decode byte 0xe9 in position 5: invalid continuation byte",
        ),
    ],
)
def test_what_is_not_json_is_a_parse_error(text, problem):
    with pytest.raises(ParseError) as refused:
        parse(text)

    assert str(refused.value.detail) == problem
