"""POST /api/v1/traffic/readings: tokens, idempotency, whole-batch rejection with every row's errors."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.indicators.models import IndicatorValue, PendingRollup
from apps.ingest.models import FeedMinute, IngestToken
from apps.traffic.models import TrafficReading

URL = "/api/v1/traffic/readings"


def reading(sensor="L1", minutes_ago=1, **overrides):
    at = (timezone.now() - timedelta(minutes=minutes_ago)).replace(microsecond=0)
    row = {"sensor": sensor, "observed_at": at.isoformat(), "speed_kmh": 42.5, "volume": 30, "occupancy": 18.0}
    row.update(overrides)
    return row


def post(client, token, rows, content_type="application/json", language="en"):
    body = rows if isinstance(rows, str) else json.dumps(rows)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    headers["HTTP_ACCEPT_LANGUAGE"] = language
    return client.post(URL, data=body, content_type=content_type, **headers)


def test_a_batch_is_stored_and_sending_it_again_stores_nothing(client, network):
    # given
    rows = [reading("L1", 2), reading("L1", 1), reading("L2", 1)]

    # when the same batch is sent twice
    first = post(client, network["loops"], rows)
    second = post(client, network["loops"], rows)

    # then
    assert (first.status_code, first.json()) == (201, {"accepted": 3, "duplicates": 0})
    assert (second.status_code, second.json()) == (201, {"accepted": 0, "duplicates": 3})
    assert TrafficReading.objects.count() == 3


def test_a_batch_partly_stored_already_stores_only_its_new_rows(client, network):
    # given two readings stored (on PostgreSQL the optimistic COPY then meets their keys and falls back)
    stored = [reading("L1", 3), reading("L1", 2)]
    post(client, network["loops"], stored)

    # when they come again with a new one
    response = post(client, network["loops"], [*stored, reading("L2", 1)])

    # then
    assert response.json() == {"accepted": 1, "duplicates": 2}
    assert sorted(TrafficReading.objects.values_list("sensor__code", flat=True)) == ["L1", "L1", "L2"]
    assert FeedMinute.objects.count() == 3  # the minutes the new rows fall in wait for the tick


def test_a_row_repeated_inside_one_batch_is_stored_once(client, network):
    row = reading("L1")

    response = post(client, network["loops"], [row, row])

    assert response.json() == {"accepted": 1, "duplicates": 1}
    assert TrafficReading.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"sensor": "NOPE"}, "sensor", "unknown sensor, or not one of this token's source"),
        ({"sensor": "C1"}, "sensor", "unknown sensor, or not one of this token's source"),
        ({"speed_kmh": None}, "speed_kmh", "is required"),
        ({"observed_at": "2026-11-29T08:00:00"}, "observed_at", "has no time zone (add Z or +08:00)"),
        ({"observed_at": "yesterday"}, "observed_at", "not an ISO 8601 date and time"),
        ({"observed_at": "2099-01-01T00:00:00Z"}, "observed_at", "is in the future"),
        ({"speed_kmh": -1}, "speed_kmh", "must be at least 0"),
        ({"volume": -3}, "volume", "must be at least 0"),
        ({"volume": 2.5}, "volume", "must be a whole number"),
        ({"observed_at": "1970-01-01T00:00:00Z"}, "observed_at", "is before the year 2000"),
        ({"occupancy": float("nan")}, "occupancy", "not a finite number"),
        ({"sensor": "  "}, "sensor", "is empty"),
        ({"occupancy": 101}, "occupancy", "must be at most 100"),
        ({"speed_kmh": "fast"}, "speed_kmh", "not a valid value"),
        ({"speed_kmh": True}, "speed_kmh", "not a number"),
    ],
)
def test_one_bad_row_rejects_the_whole_batch_and_says_why(client, network, row, field, message):
    # given a good row, then a bad one
    bad = reading("L1", 1)
    bad.update(row)
    rows = [reading("L1", 2), bad]

    # when
    response = post(client, network["loops"], rows)

    # then 400 naming the row and field, and nothing stored
    assert response.status_code == 400
    assert {"index": 1, "field": field, "message": message} in response.json()["errors"]
    assert TrafficReading.objects.count() == 0
    assert IndicatorValue.objects.count() == PendingRollup.objects.count() == FeedMinute.objects.count() == 0


def test_problems_are_told_in_the_senders_language(client, network):
    response = post(client, network["loops"], [reading("NOPE", speed_kmh=-1)], language="zh-hans")

    assert response.json()["errors"] == [
        {"index": 0, "field": "sensor", "message": "未知传感器，或不属于该令牌的数据源"},
        {"index": 0, "field": "speed_kmh", "message": "不能小于 0"},
    ]
    assert response.json()["detail"] == "本批数据有 2 处问题，未存储任何数据"


def test_every_bad_row_is_listed(client, network):
    rows = [reading("L1", 3, speed_kmh=-1), reading("L1", 2), reading("L1", 1, occupancy=-5)]
    rows[2]["sensor"] = "NOPE"

    response = post(client, network["loops"], rows)

    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "speed_kmh"),
        (2, "occupancy"),
        (2, "sensor"),
    ]


def test_an_oversized_batch_is_413_and_stores_nothing(client, network):
    rows = [reading("L1", 1)] * 5001

    response = post(client, network["loops"], rows)

    assert response.status_code == 413
    assert TrafficReading.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ('{"sensor": "L1"}', "application/json"), ("[1, 2]", "application/json")],
)
def test_a_body_that_is_not_an_array_of_objects_is_400(client, network, body, content_type):
    response = post(client, network["loops"], body, content_type)

    assert response.status_code == 400
    assert response.json()["detail"]


def test_csv_with_the_same_columns_is_accepted(client, network):
    at = (timezone.now() - timedelta(minutes=1)).replace(microsecond=0).isoformat()
    body = f"sensor,observed_at,speed_kmh,volume,occupancy\nL1,{at},35.0,22,25.5\nL2,{at},50,10,8\n"

    response = post(client, network["loops"], body, "text/csv")

    assert (response.status_code, response.json()) == (201, {"accepted": 2, "duplicates": 0})
    assert sorted(TrafficReading.objects.values_list("sensor__code", "speed_kmh")) == [("L1", 35.0), ("L2", 50.0)]


@pytest.mark.parametrize("token", [None, "cio_not-a-token"])
def test_no_token_or_an_unknown_token_is_refused(client, network, token):
    response = post(client, token, [reading("L1")])

    assert response.status_code in (401, 403)
    assert TrafficReading.objects.count() == 0


def test_a_revoked_token_is_refused(client, network):
    IngestToken.objects.filter(source__code="loops").update(revoked_at=timezone.now())

    response = post(client, network["loops"], [reading("L1")])

    assert response.status_code in (401, 403)
    assert TrafficReading.objects.count() == 0


def test_a_signed_in_person_is_not_a_sensor(client, network, cast):
    client.force_login(cast["admin"])

    response = post(client, None, [reading("L1")])

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert TrafficReading.objects.count() == 0


def test_tokens_are_stored_hashed_and_printed_once(network, capsys):
    # when a token is created from the command line
    call_command("create_ingest_token", "loops", "--name", "roadside-gateway-7")
    printed = capsys.readouterr().out.strip()

    # then it starts with the prefix, only its hash is stored, and it works
    record = IngestToken.objects.get(name="roadside-gateway-7")
    assert printed.startswith("cio_")
    assert printed not in {record.token_hash, record.prefix}
    assert record.prefix == printed[:10]


def test_an_unknown_source_is_a_one_line_command_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no data source with the code 'nope'"):
        call_command("create_ingest_token", "nope")
