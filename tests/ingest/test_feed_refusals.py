"""Every feed refuses what used to make a 500 — bytes that are not UTF-8 in a text value, arrays and objects
nested past the limit — and a body over the upload limit, with a 400 or 413 that says why, storing nothing."""

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.environment.models import AirReading, NoiseReading
from apps.healthcare.models import CapacitySnapshot
from apps.indicators.models import IndicatorValue, PendingRollup
from apps.ingest.models import FeedMinute
from apps.traffic.models import TrafficReading


@dataclass(frozen=True)
class Feed:
    url: str
    token: str
    text_field: str  # a required text column: the device's code
    code: str  # a device of the token's source
    fields: dict[str, Any]  # the rest of a good row

    def row(self, code: str | None = None) -> dict[str, Any]:
        return {self.text_field: self.code if code is None else code, **self.fields}

    def post(self, client: Any, body: bytes | str, content_type: str = "application/json") -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}", "HTTP_ACCEPT_LANGUAGE": "en"}
        return client.post(self.url, data=body, content_type=content_type, **headers)


def _traffic(request: Any) -> Feed:
    at = (timezone.now() - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    fields = {"observed_at": at, "speed_kmh": 42.5, "volume": 30, "occupancy": 18.0}
    return Feed("/api/v1/traffic/readings", request.getfixturevalue("network")["loops"], "sensor", "L1", fields)


def _environment(request: Any) -> Feed:
    at = timezone.now().replace(minute=0, second=0, microsecond=0).isoformat()
    fields = {"observed_at": at, "pm25": 80, "pm10": 120, "so2": 8, "no2": 30, "o3": 60, "co": 0.6}
    return Feed("/api/v1/environment/readings", request.getfixturevalue("stations")["token"], "station", "A1", fields)


def _healthcare(request: Any) -> Feed:
    fields = {"observed_at": timezone.now().replace(second=0, microsecond=0).isoformat(), "beds_occupied": 80}
    token = request.getfixturevalue("facilities")["token"]
    return Feed("/api/v1/healthcare/snapshots", token, "facility", "T1", fields)


@pytest.fixture(params=[_traffic, _environment, _healthcare], ids=["traffic", "environment", "healthcare"])
def feed(request: Any) -> Feed:
    return request.param(request)


def deep_body(feed: Feed, kind: str) -> str:
    deep = "[" * 1000 + "]" * 1000
    if kind == "a value 1000 deep":
        return json.dumps([feed.row("DEEP")]).replace('"DEEP"', deep)
    if kind == "an unknown field 5000 deep":
        return json.dumps([{**feed.row(), "extra": "DEEP"}]).replace('"DEEP"', "[" * 5000 + "]" * 5000)
    return {
        "arrays 100000 deep": "[" * 100_000 + "]" * 100_000,
        "objects 100000 deep": '{"a":' * 100_000 + "1" + "}" * 100_000,
        "arrays 1000 deep": deep,
    }[kind]


def stored() -> list[int]:
    """Raw rows of every feed, and what the tick would fold: all zero when nothing was stored."""
    counts = [TrafficReading, AirReading, NoiseReading, CapacitySnapshot, FeedMinute, PendingRollup, IndicatorValue]
    return [model.objects.count() for model in counts]


def test_the_good_rows_here_are_accepted(client, feed):
    # the rows the refusals below spoil are good ones: sent as they are, they are stored
    response = feed.post(client, json.dumps([feed.row()]))

    assert (response.status_code, response.json()) == (201, {"accepted": 1, "duplicates": 0})


@pytest.mark.parametrize(
    "spoiled",
    [b"caf\xe9", b"\xff\xfe", b"L\xed\xa0\x801", b"\\ud800", b"x\\udc00y"],
    ids=["latin-1", "not-utf8", "utf8-encoded-surrogate", "lone-high-escape", "lone-low-escape"],
)
def test_text_that_is_not_utf8_is_400_naming_its_row_and_field_and_stores_nothing(client, feed, spoiled):
    # given a good row, then one whose device code is not UTF-8 text
    body = json.dumps([feed.row(), feed.row("SPOILED")]).encode().replace(b"SPOILED", spoiled)

    # when
    response = feed.post(client, body)

    # then
    assert response.status_code == 400
    assert response.json() == {
        "detail": "1 problems in the batch; nothing was stored",
        "errors": [{"index": 1, "field": feed.text_field, "message": "is not valid UTF-8 text"}],
    }
    assert stored() == [0] * 7


def test_text_that_is_not_utf8_in_csv_is_400_naming_its_row_and_field(client, feed):
    # given the same good row as CSV, its code spoiled
    row = feed.row("SPOILED")
    csv = (",".join(row) + "\n" + ",".join(str(value) for value in row.values()) + "\n").encode()

    # when
    response = feed.post(client, csv.replace(b"SPOILED", b"caf\xe9"), "text/csv")

    # then
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": feed.text_field, "message": "is not valid UTF-8 text"}]
    assert stored() == [0] * 7


def test_a_nul_in_a_text_value_is_400_naming_its_row_and_field(client, feed):
    body = json.dumps([feed.row("L\x001")])

    response = feed.post(client, body)

    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": feed.text_field, "message": "contains a NUL character"}]
    assert stored() == [0] * 7


@pytest.mark.parametrize(
    "kind",
    [
        "arrays 100000 deep",
        "objects 100000 deep",
        "arrays 1000 deep",
        "a value 1000 deep",
        "an unknown field 5000 deep",
    ],
)
def test_nesting_past_the_limit_is_400_and_stores_nothing(client, feed, kind):
    # given
    body = deep_body(feed, kind)

    # when
    response = feed.post(client, body)

    # then
    assert (response.status_code, response.json()) == (400, {"detail": "The JSON is nested more than 64 levels deep."})
    assert stored() == [0] * 7


def test_an_array_or_object_as_a_text_value_is_400_naming_its_row_and_field(client, feed):
    rows = [feed.row("NESTED"), feed.row("NESTED")]
    body = json.dumps(rows).replace('"NESTED"', '[["L1"]]', 1).replace('"NESTED"', '{"code": "L1"}', 1)

    response = feed.post(client, body)

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": feed.text_field, "message": "not a valid value"},
        {"index": 1, "field": feed.text_field, "message": "not a valid value"},
    ]
    assert stored() == [0] * 7


def test_a_body_over_the_upload_limit_is_json_413_naming_the_limit(client, feed, settings):
    # given good rows, more bytes than the limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = json.dumps([feed.row()] * 40)

    # when
    response = feed.post(client, body)

    # then
    assert (response.status_code, response["Content-Type"]) == (413, "application/json")
    assert response.json() == {"detail": "The request body is larger than the limit of 2.0\xa0KB.", "limit_bytes": 2048}
    assert stored() == [0] * 7


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "application/x-www-form-urlencoded", "text/plain", ""],
    ids=["multipart", "form", "text", "none"],
)
def test_a_body_that_is_neither_json_nor_csv_is_415_saying_what_to_send(db, client, feed, content_type):
    # given good rows, sent as a file upload (curl -F), a form (curl -d) or without a type
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    rows = json.dumps([feed.row()])
    body = rows
    if content_type == "multipart/form-data":
        body, content_type = encode_multipart(BOUNDARY, {"file": io.BytesIO(rows.encode())}), MULTIPART_CONTENT

    # when (as it comes: the test client would encode a multipart body again)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {feed.token}", "HTTP_ACCEPT_LANGUAGE": "en"}
    response = client.generic("POST", feed.url, body, content_type=content_type, **headers)

    # then
    assert (response.status_code, response["Content-Type"]) == (415, "application/json")
    assert response.json() == {
        "detail": "Send the batch as the body itself, with Content-Type application/json or text/csv."
    }
    assert stored() == [0] * 7
