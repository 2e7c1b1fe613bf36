"""One canonical JSON on the phone and on the server: the bytes the field app signs (static/js/fieldwork/sign.js,
run by Node here) are the bytes apps/evidence/canonical.py and the package's verify_evidence.py make."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.evidence.canonical import NotCanonical, canonical_json

SIGN_JS = Path(__file__).resolve().parents[2] / "static/js/fieldwork/sign.js"

TRICKY = [
    {"b": 1, "a": [0.1, 1e21, 1e-7, 123.0, -0.0, 5e-324, 1.7976931348623157e308, 100, 0.000001, 1.5e-7]},
    {"notes": '路灯不亮\n\t"引号" \\ \u2028 \x01 é 😀', "z": None, "y": True, "x": False},
    {"checkin": {"lon": 118.78123456789, "lat": 32.06, "accuracy": 12}, "uuid": "6f1c1b1e-8c1a-4c53-9a39-1f1f6c3e2d10"},
    {"10": 1, "9": 2, "a": 3, "B": 4, "é": 5, "": 6},  # integer-like keys: JS objects order these first; sorted here
    [[], {}, [{}], 12345678901234567, -1e-300],
]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_phone_and_the_server_write_the_same_bytes():
    script = (
        f"import('{SIGN_JS.as_uri()}').then(({{canonical}}) => "
        "process.stdout.write(JSON.stringify(JSON.parse(require('fs').readFileSync(0, 'utf8')).map(canonical))))"
    )
    result = subprocess.run(["node", "-e", script], input=json.dumps(TRICKY), capture_output=True, text=True,
                            timeout=60, check=True)  # fmt: skip
    from_phone = json.loads(result.stdout)
    assert [canonical_json(value).decode() for value in TRICKY] == from_phone


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",))),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_json_is_json_that_reads_back_to_itself(value):
    # numbers read back as the same doubles, keys in the same order, text as it was
    assert canonical_json(json.loads(canonical_json(value))) == canonical_json(value)
    # and the same value as the standard library reads it, where no number is beyond a double's precision
    text = json.dumps(value, sort_keys=True)
    if all(abs(v) < 2**53 for v in _numbers(value)):
        assert json.loads(canonical_json(value)) == json.loads(text)


def _numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)


def test_what_json_cannot_carry_is_refused():
    for value in (float("nan"), float("inf"), {1: "a"}, "\ud800", object()):
        with pytest.raises(NotCanonical):
            canonical_json(value)
