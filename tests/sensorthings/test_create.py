"""Creating Observations goes through the feeds' own ingest service: the token's source must own the thing, a
repeat is idempotent, a bad row refuses the whole request with every reason, and the live tick is fed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.sensorthings.conftest import STA, datastream, thing

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, body: Any, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(STA + path, json.dumps(body), content_type="application/json", **headers)


def hour(back: int = 1) -> str:
    moment = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=back)
    return moment.isoformat()


def test_one_observation_is_stored_by_the_feed_and_answered_201_with_its_location(client, world):
    from apps.environment.models import AirReading
    from apps.environment.services import FEED
    from apps.ingest.models import FeedMinute

    ds = datastream(world["A1"], "pm25")
    response = post(client, f"Datastreams({ds})/Observations", {"phenomenonTime": hour(), "result": 35.5},
                    world["env_token"])  # fmt: skip

    assert response.status_code == 201, response.content
    row = AirReading.objects.get()
    assert (row.station, row.pm25, row.pm10) == (world["A1"], 35.5, None)
    location = response["Location"]
    assert location == f"http://testserver{STA}Observations({row.pk * 100 + 1})"
    assert response.json()["result"] == 35.5
    assert FeedMinute.objects.filter(feed=FEED).exists()  # marked for the live tick, as a feed's batch is
    assert client.get(location.removeprefix("http://testserver")).json()["result"] == 35.5


def test_the_same_post_again_is_idempotent_and_a_different_value_for_a_stored_reading_is_refused(client, world):
    from apps.environment.models import AirReading

    ds = datastream(world["A1"], "pm25")
    body = {"phenomenonTime": hour(), "result": 35}
    first = post(client, f"Datastreams({ds})/Observations", body, world["env_token"])
    again = post(client, f"Datastreams({ds})/Observations", body, world["env_token"])
    changed = post(client, f"Datastreams({ds})/Observations", {**body, "result": 36}, world["env_token"])

    assert first.status_code == again.status_code == 201
    assert first["Location"] == again["Location"]
    assert AirReading.objects.count() == 1
    assert changed.status_code == 400
    assert changed.json()["errors"][0]["field"] == "result"
    assert changed.json()["message"].startswith("1 problem; nothing was stored: result: the reading of A1 at ")
    assert AirReading.objects.get().pm25 == 35


def test_one_post_per_datastream_fills_the_stored_readings_empty_cells_and_marks_the_minute(client, world):
    """frost-sta-client's create(Observation) sends one quantity a request: a station's PM2.5, then its PM10 for
    the same time, both stored in the one reading, the second marking the minute for the tick again."""
    from apps.environment.models import AirReading
    from apps.ingest.models import FeedMinute

    pm25, pm10 = datastream(world["A1"], "pm25"), datastream(world["A1"], "pm10")
    first = post(client, f"Datastreams({pm25})/Observations", {"phenomenonTime": hour(), "result": 33.3},
                 world["env_token"])  # fmt: skip
    FeedMinute.objects.all().delete()  # as the tick takes its marks
    second = post(client, "Observations", {"phenomenonTime": hour(), "result": 50, "Datastream": {"@iot.id": pm10}},
                  world["env_token"])  # fmt: skip
    repeat = post(client, f"Datastreams({pm10})/Observations", {"phenomenonTime": hour(), "result": 50},
                  world["env_token"])  # fmt: skip
    other = post(client, f"Datastreams({pm10})/Observations", {"phenomenonTime": hour(), "result": 51},
                 world["env_token"])  # fmt: skip

    assert (first.status_code, second.status_code, repeat.status_code) == (201, 201, 201), second.content
    row = AirReading.objects.get()
    assert (row.pm25, row.pm10, row.o3) == (33.3, 50, None)
    assert second["Location"].endswith(f"Observations({row.pk * 100 + 2})")
    assert repeat["Location"] == second["Location"]
    assert FeedMinute.objects.exists()  # the filled reading's minute, for the tick to recompute the AQI
    assert other.status_code == 400  # a stored value is never changed
    assert "pm10 50" in other.json()["message"]
    assert AirReading.objects.get().pm10 == 50


def test_the_batch_api_fills_empty_cells_and_never_changes_a_stored_value(client, world):
    from apps.environment.models import AirReading

    url = "/api/v1/environment/readings"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['env_token']}"}
    rows = [{"station": "A1", "observed_at": hour(), "pm25": 10}]
    first = client.post(url, json.dumps(rows), content_type="application/json", **headers)
    more = [{"station": "A1", "observed_at": hour(), "pm25": 99, "no2": 40}]
    second = client.post(url, json.dumps(more), content_type="application/json", **headers)
    third = client.post(url, json.dumps(more), content_type="application/json", **headers)

    assert first.json() == {"accepted": 1, "duplicates": 0}
    assert second.json() == {"accepted": 1, "duplicates": 0}  # the row gained its NO2
    assert third.json() == {"accepted": 0, "duplicates": 1}  # idempotent
    row = AirReading.objects.get()
    assert (row.pm25, row.no2) == (10, 40)  # the stored PM2.5 kept


def test_a_traffic_reading_is_stored_whole_and_says_so(client, world):
    from apps.traffic.models import TrafficReading

    loop = [{"Datastream": {"@iot.id": datastream(world["L1"], name)}, "components": ["phenomenonTime", "result"],
             "dataArray": [[hour(), value]]} for name, value in (("speed_kmh", 42.5), ("volume", 12),
                                                                  ("occupancy", 8))]  # fmt: skip
    assert post(client, "CreateObservations", loop, world["loops_token"]).status_code == 201
    speed = post(client, f"Datastreams({datastream(world['L1'], 'speed_kmh')})/Observations",
                 {"phenomenonTime": hour(), "result": 40}, world["loops_token"])  # fmt: skip

    assert speed.status_code == 400
    assert "speed, volume and occupancy" in speed.json()["message"]
    assert TrafficReading.objects.get().speed_kmh == 42.5


def test_messages_are_english_and_name_the_first_reasons_without_a_follow_on(client, world):
    ds = datastream(world["A1"], "pm25")

    response = post(client, f"Datastreams({ds})/Observations", {"phenomenonTime": hour(), "result": -5},
                    world["env_token"])  # fmt: skip
    batch = client.post(
        "/api/v1/environment/readings",
        json.dumps([{"station": "A1", "observed_at": hour(), "pm25": "abc"}]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {world['env_token']}",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    body = response.json()
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in body["errors"]] == [("result", "must be at least 0")]
    assert body["message"] == "1 problem; nothing was stored: result: must be at least 0"
    assert {e["field"] for e in batch.json()["errors"]} == {"pm25"}  # no "give at least one pollutant" too


def test_create_observations_merges_a_things_quantities_at_one_time_into_one_row(client, world):
    from apps.environment.models import AirReading
    from apps.traffic.models import TrafficReading

    body = [
        {"Datastream": {"@iot.id": datastream(world["A1"], "pm25")}, "components": ["phenomenonTime", "result"],
         "dataArray": [[hour(2), 10], [hour(1), 11]]},
        {"Datastream": {"@iot.id": datastream(world["A1"], "pm10")}, "components": ["result", "phenomenonTime"],
         "dataArray": [[20, hour(2)]]},
    ]  # fmt: skip
    response = post(client, "CreateObservations", body, world["env_token"])
    again = post(client, "CreateObservations", body, world["env_token"])

    assert response.status_code == 201, response.content
    links = response.json()
    assert len(links) == 3
    assert links == again.json()
    rows = {r.observed_at.isoformat(): (r.pm25, r.pm10) for r in AirReading.objects.all()}
    assert sorted(rows.values(), key=str) == [(10, 20), (11, None)]
    # a loop's reading is speed, volume and occupancy together, as the traffic feed takes it
    loop = [{"Datastream": {"@iot.id": datastream(world["L1"], name)}, "components": ["phenomenonTime", "result"],
             "dataArray": [[hour(), value]]} for name, value in (("speed_kmh", 42.5), ("volume", 12),
                                                                  ("occupancy", 8))]  # fmt: skip
    assert post(client, "CreateObservations", loop, world["loops_token"]).status_code == 201
    assert TrafficReading.objects.get().volume == 12


def test_a_bad_row_refuses_the_whole_request_with_every_reason(client, world):
    from apps.environment.models import AirReading
    from apps.traffic.models import TrafficReading

    body = [
        {"Datastream": {"@iot.id": datastream(world["A1"], "pm25")}, "components": ["phenomenonTime", "result"],
         "dataArray": [[hour(2), 10], [hour(1), -5], ["yesterday", 3]]},
        {"Datastream": {"@iot.id": datastream(world["L1"], "speed_kmh")}, "components": ["phenomenonTime", "result"],
         "dataArray": [[hour(1), 40]]},
    ]  # fmt: skip
    response = post(client, "CreateObservations", body, world["env_token"])
    speed_only = post(client, f"Datastreams({datastream(world['L1'], 'speed_kmh')})/Observations",
                      {"phenomenonTime": hour(), "result": 40}, world["loops_token"])  # fmt: skip

    assert response.status_code == 400
    errors = {(tuple(e["index"]), e["field"]) for e in response.json()["errors"]}
    assert errors == {((0, 1), "result"), ((0, 2), "phenomenonTime"), ((1, 0), "Datastream")}
    assert not AirReading.objects.exists()
    assert speed_only.status_code == 400
    assert {e["field"] for e in speed_only.json()["errors"]} == {"volume", "occupancy"}
    assert not TrafficReading.objects.exists()


def test_creating_needs_the_token_of_the_things_source(client, world):
    ds = datastream(world["T1"], "beds_occupied")
    body = {"phenomenonTime": hour(), "result": 40}

    anonymous = post(client, f"Datastreams({ds})/Observations", body, None)
    other = post(client, f"Datastreams({ds})/Observations", body, world["env_token"])
    own = post(client, f"Datastreams({ds})/Observations", body, world["hosp_token"])
    over = post(client, f"Datastreams({ds})/Observations", {**body, "phenomenonTime": hour(2), "result": 101},
                world["hosp_token"])  # fmt: skip

    assert anonymous.status_code == 401
    assert anonymous.json()["type"] == "error"
    assert other.status_code == 400
    assert other.json()["errors"][0]["field"] == "Datastream"
    assert own.status_code == 201
    assert over.status_code == 400
    assert "100" in over.json()["errors"][0]["message"]
    # the snapshot is important data: the token's POST answer aside, anonymous readers never see it
    assert client.get(own["Location"].removeprefix("http://testserver")).status_code == 404


def test_the_tick_folds_created_observations_into_the_live_spine(client, world):
    from apps.indicators.models import IndicatorValue
    from apps.ingest.feeds import feeds_aggregate

    ds = datastream(world["A1"], "pm25")
    assert post(client, f"Datastreams({ds})/Observations", {"phenomenonTime": hour(), "result": 120},
                world["env_token"]).status_code == 201  # fmt: skip
    feeds_aggregate()

    assert IndicatorValue.objects.filter(indicator="environment.pm25", region__code="W1").exists()


def test_a_noise_stations_leq_and_what_is_not_stored_is_refused(client, world):
    from apps.environment.models import NoiseReading

    ds = datastream(world["N1"], "leq")
    created = post(client, f"Datastreams({ds})/Observations", {"phenomenonTime": hour(), "result": 58.5},
                   world["env_token"])  # fmt: skip
    with_parameters = post(
        client,
        f"Datastreams({ds})/Observations",
        {"phenomenonTime": hour(2), "result": 58, "parameters": {"a": 1}},
        world["env_token"],
    )
    interval = post(client, f"Datastreams({ds})/Observations",
                    {"phenomenonTime": f"{hour(3)}/{hour(2)}", "result": 58}, world["env_token"])  # fmt: skip
    pm25_of_noise = post(client, f"Datastreams({world['N1'].pk * 100 + 1})/Observations",
                         {"phenomenonTime": hour(), "result": 5}, world["env_token"])  # fmt: skip

    assert created.status_code == 201
    row = NoiseReading.objects.get()
    assert created["Location"].endswith(f"Observations({row.pk * 100 + 7})")
    assert with_parameters.status_code == 400
    assert "parameters" in with_parameters.json()["message"]
    assert interval.status_code == 400
    assert interval.json()["errors"][0]["field"] == "phenomenonTime"
    assert pm25_of_noise.status_code == 400  # a noise station has no PM2.5 datastream
    assert NoiseReading.objects.count() == 1


def test_a_post_without_a_time_is_for_now_and_the_things_own_feature_is_accepted(client, world):
    from apps.environment.models import AirReading

    pm25, no2 = datastream(world["A1"], "pm25"), datastream(world["A1"], "no2")
    own, other = thing(world["A1"]), thing(world["N1"])
    before = timezone.now().replace(microsecond=0)
    untimed = post(client, f"Datastreams({pm25})/Observations", {"result": 12, "FeatureOfInterest": {"@iot.id": own}},
                   world["env_token"])  # fmt: skip
    elsewhere = post(client, f"Datastreams({pm25})/Observations",
                     {"phenomenonTime": hour(2), "result": 12, "FeatureOfInterest": {"@iot.id": other}},
                     world["env_token"])  # fmt: skip
    components = ["phenomenonTime", "result", "FeatureOfInterest/id"]
    batch = post(client, "CreateObservations", [{"Datastream": {"@iot.id": no2}, "components": components,
                                                 "dataArray": [[hour(3), 20, own], [hour(4), 21, other]]}],
                 world["env_token"])  # fmt: skip

    assert untimed.status_code == 201, untimed.content
    (row,) = AirReading.objects.all()
    assert before <= row.observed_at <= timezone.now()
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"][0]["field"] == "FeatureOfInterest"
    assert batch.status_code == 400
    assert [(e["index"], e["field"]) for e in batch.json()["errors"]] == [([0, 1], "FeatureOfInterest")]
    fixed = post(client, "CreateObservations", [{"Datastream": {"@iot.id": no2}, "components": components,
                                                 "dataArray": [[hour(3), 20, own]]}], world["env_token"])  # fmt: skip
    assert fixed.status_code == 201
    assert AirReading.objects.count() == 2


def test_a_fill_racing_another_is_refused_not_silently_dropped(client, world, monkeypatch):
    from apps.environment.models import AirReading
    from apps.sensorthings import create

    pm25, pm10 = datastream(world["A1"], "pm25"), datastream(world["A1"], "pm10")
    assert post(client, f"Datastreams({pm10})/Observations", {"phenomenonTime": hour(), "result": 50},
                world["env_token"]).status_code == 201  # fmt: skip
    feed = create.INGEST[1]

    def another_sender_first(**kwargs: Any) -> Any:  # the other request fills the cell between check and write
        AirReading.objects.update(pm25=32)
        return feed(**kwargs)

    monkeypatch.setitem(create.INGEST, 1, another_sender_first)
    late = post(client, f"Datastreams({pm25})/Observations", {"phenomenonTime": hour(), "result": 30},
                world["env_token"])  # fmt: skip

    assert late.status_code == 400
    assert "pm25 32" in late.json()["message"]


def test_numbers_and_times_beyond_range_are_400_here_and_in_the_batch_api(client, world):
    from apps.environment.models import AirReading

    ds = datastream(world["A1"], "pm25")
    huge = int("9" * 400)
    cases = [
        (f"Datastreams({ds})/Observations", {"phenomenonTime": hour(), "result": huge}),
        (f"Datastreams({ds})/Observations", {"phenomenonTime": "0001-01-01T00:00:00+01:00", "result": 35}),
        (f"Datastreams({ds})/Observations", {"phenomenonTime": "9999-12-31T23:30:00-01:00", "result": 35}),
        ("Datastreams(%C2%B2)/Observations", {"phenomenonTime": hour(), "result": 35}),
        ("Datastreams(%D9%A4%D9%A0%D9%A1)/Observations", {"phenomenonTime": hour(), "result": 35}),
    ]
    answers = [post(client, path, body, world["env_token"]).status_code for path, body in cases]
    batch = client.post("/api/v1/environment/readings", json.dumps([{"station": "A1", "observed_at": hour(),
                        "pm25": huge}]), content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {world['env_token']}")  # fmt: skip

    assert answers == [400, 400, 400, 404, 404]
    assert batch.status_code == 400
    assert not AirReading.objects.exists()
