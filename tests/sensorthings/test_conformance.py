"""Raw OGC conformance-style requests against /sta/v1.1/ for what the frost-sta-client tests do not cover: the
service root, paths ($value, $ref, navigation), $select, $count, nested $expand, $filter with st_within and times,
paging, errors (400 naming what is unsupported, never a 500), and who sees what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sensorthings.conftest import STA, datastream, thing

pytestmark = pytest.mark.django_db


def get(client: Any, path: str, status: int = 200, **params: Any) -> Any:
    response = client.get(STA + path, params)
    assert response.status_code == status, response.content[:500]
    return response.json() if response.content and "json" in response["Content-Type"] else response


def test_the_service_root_lists_the_entity_sets_and_the_conformance_classes(client, world):
    body = get(client, "")

    names = [entry["name"] for entry in body["value"]]
    assert names == ["Things", "Locations", "HistoricalLocations", "Datastreams", "Sensors", "ObservedProperties",
                     "Observations", "FeaturesOfInterest"]  # fmt: skip
    assert all(entry["url"] == f"http://testserver{STA}{entry['name']}" for entry in body["value"])
    conformance = body["serverSettings"]["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data" in conformance
    assert not any("create-update-delete" in c or "mqtt" in c for c in conformance)  # not implemented, not claimed


def test_anonymous_sees_the_public_stations_only(client, world):
    things = get(client, "Things", **{"$count": "true"})

    assert things["@iot.count"] == 2
    assert sorted(t["properties"]["code"] for t in things["value"]) == ["A1", "N1"]
    first = things["value"][0]
    assert first["@iot.selfLink"].endswith(f"Things({first['@iot.id']})")
    assert first["Datastreams@iot.navigationLink"].endswith(f"Things({first['@iot.id']})/Datastreams")
    # the hospitals' and loops' things, datastreams and observations do not exist for anonymous callers
    get(client, f"Things({thing(world['T1'])})", 404)
    get(client, f"Datastreams({datastream(world['T1'], 'beds_occupied')})", 404)
    get(client, f"Things({thing(world['L1'])})", 404)
    sensors = get(client, "Sensors")["value"]
    assert sorted(s["name"] for s in sensors) == ["声级计", "空气质量分析仪"]  # the default language, Chinese


def test_a_staff_member_of_one_district_sees_its_hospitals_only(client, world, readings):
    from django.utils import timezone

    from apps.healthcare.models import CapacitySnapshot

    now = timezone.now()
    t1 = CapacitySnapshot.objects.create(facility=world["T1"], observed_at=now, beds_occupied=40)
    h2 = CapacitySnapshot.objects.create(facility=world["H2"], observed_at=now, beds_occupied=30)
    client.force_login(world["cast"]["officer"])  # field officer of district W

    codes = [t["properties"]["code"] for t in get(client, "Things")["value"]]
    observations = get(client, f"Datastreams({datastream(world['T1'], 'beds_occupied')})/Observations")

    assert sorted(codes) == ["A1", "L1", "N1", "T1"]  # public stations, and W's loop and hospital
    assert [o["result"] for o in observations["value"]] == [40]
    get(client, f"Things({thing(world['H2'])})", 404)
    get(client, f"Observations({h2.pk * 100 + 21})", 404)
    assert get(client, f"Observations({t1.pk * 100 + 21})")["result"] == 40
    all_obs = get(client, "Observations", **{"$filter": "result eq 30"})
    assert all_obs["value"] == []
    client.logout()
    get(client, f"Observations({t1.pk * 100 + 21})", 404)
    assert get(client, "Observations", **{"$filter": "result eq 40"})["value"] == []


def test_the_next_link_of_a_ref_listing_keeps_ref(client, world, readings):
    readings(3)
    a1, pm25 = thing(world["A1"]), datastream(world["A1"], "pm25")

    things = get(client, f"Things({a1})/Datastreams/$ref", **{"$top": "2"})
    observations = get(client, f"Datastreams({pm25})/Observations/$ref", **{"$top": "2"})

    assert things["@iot.nextLink"].startswith(f"http://testserver{STA}Things({a1})/Datastreams/$ref?")
    assert observations["@iot.nextLink"].startswith(f"http://testserver{STA}Datastreams({pm25})/Observations/$ref?")
    following = client.get(observations["@iot.nextLink"].removeprefix("http://testserver")).json()
    assert [set(o) for o in following["value"]] == [{"@iot.selfLink"}]


def test_property_value_and_ref_paths(client, world):
    a1 = thing(world["A1"])

    assert get(client, f"Things({a1})/name") == {"name": "A1站"}
    assert get(client, f"Things({a1})/name/$value").content.decode() == "A1站"
    assert get(client, f"Things({a1})/$ref") == {"@iot.selfLink": f"http://testserver{STA}Things({a1})"}
    refs = get(client, f"Things({a1})/Datastreams/$ref")["value"]
    assert len(refs) == 6
    assert all(set(r) == {"@iot.selfLink"} for r in refs)
    location = get(client, f"Things({a1})/Locations")["value"][0]
    assert location["location"] == {"type": "Point", "coordinates": [118.005, 32.01]}
    assert location["encodingType"] == "application/geo+json"
    pm25 = get(client, f"Datastreams({datastream(world['A1'], 'pm25')})")
    assert pm25["unitOfMeasurement"]["symbol"] == "µg/m³"
    assert get(client, f"Datastreams({pm25['@iot.id']})/ObservedProperty")["definition"].endswith("/6001")
    assert get(client, f"Datastreams({pm25['@iot.id']})/Thing")["@iot.id"] == a1
    assert get(client, "HistoricalLocations") == {"value": []}
    get(client, f"Things({a1})/nothing", 404)
    get(client, "Nothing", 404)


def test_select_count_and_nested_expand(client, world, readings):
    readings(5)

    body = get(client, "Things", **{"$filter": "properties/code eq 'A1'",
                                   "$expand": "Datastreams($select=name;$expand=Observations($top=1;$orderby="
                                              "phenomenonTime desc);$filter=name eq 'A1站 PM2.5')",
                                   "$select": "name,Datastreams"})  # fmt: skip

    (a1,) = body["value"]
    assert set(a1) == {"name", "Datastreams", "Datastreams@iot.navigationLink"}
    (pm25,) = a1["Datastreams"]
    assert pm25["name"] == "A1站 PM2.5"
    assert [o["result"] for o in pm25["Observations"]] == [4]
    assert "Observations@iot.nextLink" in pm25
    counted = get(client, "Datastreams", **{"$count": "true", "$top": "2"})
    assert counted["@iot.count"] == 7
    assert len(counted["value"]) == 2
    assert "$skip=2" in counted["@iot.nextLink"]


def test_st_within_and_geo_intersects_on_locations(client, world):
    west = "geography'POLYGON((118.0 32.0,118.02 32.0,118.02 32.02,118.0 32.02,118.0 32.0))'"

    things = get(client, "Things", **{"$filter": f"st_within(Locations/location, {west})"})["value"]
    locations = get(client, "Locations", **{"$filter": f"geo.intersects(location, {west})"})["value"]
    outside = get(client, "Things", **{"$filter": f"not st_within(Locations/location, {west})"})["value"]
    observed = get(client, "FeaturesOfInterest", **{"$filter": f"st_within(feature, {west})"})["value"]

    assert [t["properties"]["code"] for t in things] == ["A1"]
    assert [loc["name"] for loc in locations] == ["A1站"]
    assert [t["properties"]["code"] for t in outside] == ["N1"]
    assert len(observed) == 1


def test_observation_filters_on_time_and_result_and_the_feature(client, world, readings):
    rows = readings(30)
    ds = datastream(world["A1"], "pm25")
    since = rows[20].observed_at.isoformat().replace("+00:00", "Z")

    condition = f"phenomenonTime ge {since} and (result gt 21 or result eq 20)"
    recent = get(client, f"Datastreams({ds})/Observations", **{"$filter": condition})
    west = "geography'POLYGON((118.0 32.0,118.02 32.0,118.02 32.02,118.0 32.02,118.0 32.0))'"
    in_west = get(client, "Observations", **{"$filter": f"st_within(FeatureOfInterest/feature, {west}) and "
                                                        "result eq 3", "$count": "true"})  # fmt: skip
    by_id = get(client, "Observations", **{"$filter": f"@iot.id eq {rows[2].pk * 100 + 2}"})["value"]

    assert [o["result"] for o in recent["value"]] == [20, 22, 23, 24, 25, 26, 27, 28, 29]
    assert in_west["@iot.count"] == 1  # pm25 3 (pm10 of row 1 is 2, of row 2 is 4)
    assert [(o["result"], o["phenomenonTime"]) for o in by_id] == [
        (4.0, rows[2].observed_at.isoformat().replace("+00:00", "Z"))
    ]
    assert all(o["resultTime"] is None for o in recent["value"])


def test_paging_follows_next_links_through_more_than_1000_observations(client, world, readings):
    readings(1100)
    ds = datastream(world["A1"], "pm25")

    body = get(client, f"Datastreams({ds})/Observations", **{"$top": "5000", "$count": "true"})
    seen = [o["@iot.id"] for o in body["value"]]
    pages = 1
    while "@iot.nextLink" in body:
        body = client.get(body["@iot.nextLink"].removeprefix("http://testserver")).json()
        seen += [o["@iot.id"] for o in body["value"]]
        pages += 1

    assert len(seen) == len(set(seen)) == 1100
    assert pages == 2  # $top is capped at 1,000 a page


def test_unsupported_and_malformed_queries_are_400_naming_what(client, world):
    cases = {
        "$filter=name eq": "ends too early",
        "$filter=name eq 'x' and": "ends too early",
        "$filter=frobnicate(name) eq 1": "frobnicate",
        "$filter=(name eq 'x'": "parenthes",
        "$resultFormat=dataArray": "$resultFormat",
        "$foo=1": "$foo",
        "$top=-1": "$top",
        "$orderby=name sideways": "$orderby",
        "$expand=Nothing": "Nothing",
        "$select=nothing": "nothing",
        "$filter=nothing eq 1": "nothing",
    }
    for query, named in cases.items():
        response = client.get(f"{STA}Things?{query}")
        assert response.status_code == 400, query
        body = response.json()
        assert (body["code"], body["type"]) == (400, "error")
        assert named in body["message"], (query, body)
    observations = client.get(f"{STA}Observations?$filter=substringof('x', result)")
    assert observations.status_code == 400
    assert "substringof" in observations.json()["message"]
    assert client.get(f"{STA}Observations?$orderby=Datastream/name").status_code == 400
    assert client.get(f"{STA}Observations?$skiptoken=garbage!").status_code == 400
    assert client.delete(f"{STA}Things(11)").status_code == 405


def test_anonymous_reads_have_their_own_rate_and_a_token_reads_at_the_signed_in_rate(client, world, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {"anon": "1/minute", "sta_anon": "2/minute", "user": "4/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    answers = [client.get(f"{STA}Things", HTTP_ACCEPT_LANGUAGE="zh-hans") for _ in range(3)]
    token = {"HTTP_AUTHORIZATION": f"Bearer {world['env_token']}"}
    with_token = [client.get(f"{STA}Things", **token).status_code for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 429]  # 2 a minute, not the other APIs' 1
    body = answers[2].json()
    assert (body["code"], body["type"]) == (429, "error")
    assert body["message"].startswith("too many requests")  # English, whatever Accept-Language says
    assert answers[2].has_header("Retry-After")
    assert with_token == [200, 200, 200, 200, 429]  # per token at the signed-in rate


def test_navigation_paths_and_orders(client, world, readings):
    rows = readings(3)
    a1, pm25 = thing(world["A1"]), datastream(world["A1"], "pm25")
    first = rows[0].pk * 100 + 1

    assert get(client, f"Observations({first})/Datastream")["@iot.id"] == pm25
    assert get(client, f"Observations({first})/FeatureOfInterest")["@iot.id"] == a1
    assert get(client, f"Things('{a1}')")["@iot.id"] == a1
    assert get(client, f"Datastreams({pm25})/Observations({first})")["result"] == 0
    get(client, f"Datastreams({datastream(world['A1'], 'pm10')})/Observations({first})", 404)
    feature = get(client, f"FeaturesOfInterest({a1})/Observations", **{"$orderby": "result desc", "$top": "2"})
    assert [o["result"] for o in feature["value"]] == [4, 2]  # pm10 2i of rows 2 and 1
    assert get(client, f"Locations({a1})/Things")["value"][0]["@iot.id"] == a1
    names = [t["name"] for t in get(client, "Things", **{"$orderby": "name desc"})["value"]]
    assert names == ["N1站", "A1站"]
    paged = get(client, "Things", **{"$orderby": "name", "$top": "1", "$skip": "1"})
    assert [t["name"] for t in paged["value"]] == ["N1站"]
    assert "@iot.nextLink" not in paged
    nested = get(client, "Things", **{"$expand": "Datastreams/Observations", "$filter": f"@iot.id eq {a1}"})
    assert sum(len(d["Observations"]) for d in nested["value"][0]["Datastreams"]) == 6  # pm25 and pm10 of 3 rows
    newest = get(client, f"Datastreams({pm25})/Observations", **{"$orderby": "phenomenonTime desc", "$top": "1"})
    assert newest["value"][0]["@iot.id"] == rows[2].pk * 100 + 1
    assert "$skiptoken=" in newest["@iot.nextLink"]
    hour = rows[1].observed_at.hour
    assert [o["result"] for o in get(client, f"Datastreams({pm25})/Observations",
                                     **{"$filter": f"hour(phenomenonTime) eq {hour}"})["value"]] == [1]  # fmt: skip
    assert (
        get(client, f"Datastreams({pm25})/Observations", **{"$filter": "resultTime eq null", "$count": "true"})[
            "@iot.count"
        ]
        == 3
    )


def test_no_query_is_a_500(client, world, readings):
    """Input the database would choke on (types, overflow, division by zero, odd tokens) is decided before it."""
    readings(3)
    ds = datastream(world["A1"], "pm25")
    queries = [
        "$filter=result eq 'abc'", "$filter=phenomenonTime gt 5", "$filter=result gt 2026-12-01T00:00:00Z",
        "$filter=result div 0 gt 1", "$filter=result mod 0 eq 1", "$filter=result add 1 gt 2.5",
        "$filter=result mul 2 gt 4 and result sub 1 lt 100", "$filter=@iot.id eq 99999999999999999999999",
        "$filter=@iot.id gt -5", "$filter=result gt 99999999999999999999999", "$filter=hour(result) eq 1",
        "$filter=year(phenomenonTime) add 1 gt 2000", "$filter=phenomenonTime gt '2026-12-01T00:00:00Z'",
        "$filter=result eq true", "$filter=result", "$filter=st_within(result, geography'POINT(1 2)')",
        "$filter=Datastream/Thing/name eq 'A1站'", "$filter=FeatureOfInterest/feature eq 1",
        "$skiptoken=WyJhIiwxXQ", "$skiptoken=W3sidCI6IngifSwxXQ", "$skiptoken=5", "$top=99999999999",
        "$skip=99999999999", "$orderby=result desc,phenomenonTime", "$top=0&$count=true",
        "$filter=geography'POINT(1 2)' eq 1", "$filter=result eq null", "$filter=not (result ne null)",
    ]  # fmt: skip
    for path in (f"Datastreams({ds})/Observations", "Observations", "Things"):
        for query in queries:
            response = client.get(f"{STA}{path}?{query}")
            assert response.status_code in (200, 400), (path, query, response.content[:300])
            if response.status_code == 200:
                assert "@iot.nextLink" not in response.json() or "$top=0" not in query
    for path in ("Things(99999999999999999999999)", "Things(²)", "Observations(1)", "Datastreams(-1)", "Things()"):
        assert client.get(f"{STA}{path}").status_code in (400, 404), path
    even = client.get(f"{STA}Datastreams({ds})/Observations", {"$filter": "result mod 2 eq 0 and result div 2 lt 2"})
    assert [o["result"] for o in even.json()["value"]] == [0, 2]
    zero = client.get(f"{STA}Things?$top=0&$count=true").json()
    assert zero == {"@iot.count": 2, "value": []}


def test_now_with_durations_and_the_other_request_data_functions(client, world, readings):
    from datetime import timedelta

    from django.utils import timezone

    rows = readings(48)
    ds = datastream(world["A1"], "pm25")

    last_day = get(client, f"Datastreams({ds})/Observations",
                   **{"$filter": "phenomenonTime ge now() sub duration'P1D'", "$count": "true"})  # fmt: skip
    later = get(client, f"Datastreams({ds})/Observations",
                **{"$filter": "phenomenonTime gt now() add duration'PT1H'", "$count": "true"})  # fmt: skip
    bounded = get(client, f"Datastreams({ds})/Observations", **{"$filter": "phenomenonTime gt mindatetime() and "
                  "phenomenonTime lt maxdatetime()", "$count": "true"})  # fmt: skip
    cutoff = timezone.now() - timedelta(days=1)
    assert last_day["@iot.count"] == sum(1 for r in rows if r.observed_at >= cutoff)
    assert later["@iot.count"] == 0
    assert bounded["@iot.count"] == 48
    things = {
        "substring(name, 1) eq '1站'": ["A1", "N1"],
        "substring(name, 0, 1) eq 'N'": ["N1"],
        "date(2026-12-07T23:30:00+08:00) eq 2026-12-07": ["A1", "N1"],  # 15:30 UTC: times are answered in UTC
        "time(2026-12-07T23:30:00.25Z) eq 23:30:00.25": ["A1", "N1"],
        "fractionalseconds(2026-12-07T23:30:00.25Z) eq 0.25": ["A1", "N1"],
        "totaloffsetminutes(2026-12-07T23:30:00+08:00) eq 0": ["A1", "N1"],
        "st_relate(Locations/location, geography'POLYGON((118 32,118.02 32,118.02 32.02,118 32.02,118 32))', "
        "'T*F**F***')": ["A1"],
    }
    for condition, codes in things.items():
        found = get(client, "Things", **{"$filter": condition})["value"]
        assert sorted(t["properties"]["code"] for t in found) == codes, condition


def test_times_in_filter_need_a_zone_and_a_date_is_told_plainly(client, world, readings):
    readings(2)
    ds = datastream(world["A1"], "pm25")

    naive = get(client, f"Datastreams({ds})/Observations", 400, **{"$filter": "phenomenonTime gt 2026-12-07T20:00:00"})
    day = get(client, f"Datastreams({ds})/Observations", 400, **{"$filter": "phenomenonTime ge 2026-12-07"})
    month = get(client, "Things", 400, **{"$filter": "now() sub duration'P1M' lt now()"})

    assert naive["message"] == "2026-12-07T20:00:00 has no time zone (add Z or +08:00)"
    assert day["message"].startswith("2026-12-07 is a date: phenomenonTime compares with a date and time with a zone")
    assert "datetime.date" not in day["message"]
    assert "P1M" in month["message"]


def test_names_and_descriptions_are_in_the_responses_language_without_a_doubled_word(client, world):
    client.force_login(world["cast"]["officer"])  # sees W's hospital and loop
    beds, speed = datastream(world["T1"], "beds_occupied"), datastream(world["L1"], "speed_kmh")

    zh = get(client, f"Datastreams({beds})")  # no Accept-Language: the default, Chinese
    en = client.get(f"{STA}Datastreams({beds})", HTTP_ACCEPT_LANGUAGE="en").json()
    loop = client.get(f"{STA}Datastreams({speed})", HTTP_ACCEPT_LANGUAGE="en").json()
    sensor = get(client, "Sensors(1)")

    assert zh["name"] == "T1医院 占用床位"
    assert en["name"] == "T1 Hospital beds occupied"
    assert loop["description"] == "speed: mean over the reporting interval (L1)"
    assert get(client, f"Datastreams({speed})")["description"] == "速度：报告周期内的均值（L1）"
    assert sensor["encodingType"] == "text/html"
    assert sensor["metadata"] == "http://testserver/environment/aqi/"


def test_hostile_filters_and_expands_are_400_never_a_500_nor_minutes_of_work(client, world, readings, monkeypatch):
    """The attack review's requests: $expand as a long path, wide or huge fan-out, arithmetic beyond any number,
    dates no UTC date holds, deep nesting."""
    import base64

    from apps.sensorthings import views

    readings(3)
    ds = datastream(world["A1"], "pm25")
    a1 = thing(world["A1"])
    hostile = {
        f"Things({a1})": ["$expand=Datastreams/Thing/Datastreams/Thing/Datastreams/Thing",
                          "$expand=" + ",".join(["Datastreams"] * 11)],
        "Things": ["$filter=1 add 0 eq 1", "$filter=name eq 'x' or 2 mul 0 eq 0", "$filter=1e400 add 1 gt 0",
                   "$filter=1e400 mod 3 eq 1", "$filter=(1e308 mul 10) mod 3 eq 1", "$filter=round(1e400) eq 1",
                   "$filter=floor(1e400) eq 1", "$filter=round(1e400 mul 0) eq 1",
                   "$filter=year(0001-01-01T00:00:00+01:00) eq 1", "$filter=now() gt 2026-02-30",
                   "$filter=now() gt '2026-13-45T00:00:00Z'", "$filter=name eq 2026-12-01T00:00:00+99:99",
                   "$filter=maxdatetime() add duration'P1D' gt now()",
                   "$filter=" + "(" * 150 + "true" + ")" * 150, "$filter=" + "not " * 3000 + "true",
                   "$filter=" + "true and " * 3000 + "true", "$filter=" + "1 add " * 3000 + "1 eq 1"],
        "Observations": ["$filter=phenomenonTime gt 0001-01-01T00:00:00+01:00",
                         "$filter=phenomenonTime lt 9999-12-31T23:59:59-01:00",
                         "$filter=" + "result gt 1 and " * 2000 + "result gt 1"],
        f"Datastreams({ds})/Observations": [
            "$skiptoken=" + base64.urlsafe_b64encode(b'[{"t":"0001-01-01T00:00:00+01:00"},101]').decode()],
    }  # fmt: skip
    for path, queries in hostile.items():
        for query in queries:
            response = client.get(f"{STA}{path}?{query}")
            assert response.status_code in (200, 400), (path, query[:80], response.content[:300])
    assert client.get(f"{STA}Things({a1})?$expand=Datastreams/Thing/Datastreams/Thing").status_code == 200
    monkeypatch.setattr(views, "MAX_ENTITIES", 10)
    fan_out = client.get(f"{STA}Datastreams?$expand=Observations($expand=Datastream($expand=Observations))")
    assert fan_out.status_code == 400
    assert "more than 10 entities" in fan_out.json()["message"]


def test_a_datastream_has_the_interval_of_its_things_readings_as_phenomenon_time(client, world, readings):
    from tests.sensorthings.conftest import iso_z

    rows = readings(5)
    pm25, n1 = datastream(world["A1"], "pm25"), datastream(world["N1"], "leq")

    body = get(client, f"Datastreams({pm25})")
    listed = {d["@iot.id"]: d for d in get(client, "Datastreams")["value"]}
    selected = get(client, f"Datastreams({pm25})", **{"$select": "name"})

    assert body["phenomenonTime"] == f"{iso_z(rows[0].observed_at)}/{iso_z(rows[-1].observed_at)}"
    assert listed[pm25]["phenomenonTime"] == body["phenomenonTime"]
    assert "phenomenonTime" not in listed[n1]  # no readings yet: none
    assert selected == {"name": "A1站 PM2.5"}
