"""Open311 GeoReport v2 by the spec (../shared/standards/OPEN311.md), in JSON and XML, errors included."""

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.grievances.models import Grievance
from apps.grievances.services import open311_key_create
from tests.grievances.conftest import EMAIL, NAME, PHONE

BASE = "/open311/v2"


@pytest.fixture
def key(categories):
    return open311_key_create(name="citizen-app")[0]


def post(client, key, fmt="json", **fields):
    data = {"api_key": key, "service_code": "pothole", "lat": "32.01", "long": "118.005",
            "description": "人民路有个坑", "attribute[size]": "large", **fields}  # fmt: skip
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def test_discovery_and_services_in_both_formats(client, categories):
    discovery = client.get(f"{BASE}/discovery.json").json()
    services = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    xml = ET.fromstring(client.get(f"{BASE}/services.xml", HTTP_ACCEPT_LANGUAGE="en").content)

    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert "application/json" in discovery["endpoints"][0]["formats"]
    pothole = next(s for s in services if s["service_code"] == "pothole")
    assert pothole == {"service_code": "pothole", "service_name": "Pothole", "description": "", "metadata": True,
                       "type": "realtime", "keywords": "road", "group": ""}  # fmt: skip
    assert xml.tag == "services"
    assert {s.findtext("service_code") for s in xml.findall("service")} == {"pothole", "leak"}
    assert xml.find("service[service_code='pothole']/metadata").text == "true"


def test_a_service_definition(client, categories):
    definition = client.get(f"{BASE}/services/pothole.json", HTTP_ACCEPT_LANGUAGE="en").json()
    xml = ET.fromstring(client.get(f"{BASE}/services/pothole.xml").content)

    size = definition["attributes"][0]
    assert definition["service_code"] == "pothole"
    assert (size["code"], size["datatype"], size["required"], size["variable"]) == (
        "size",
        "singlevaluelist",
        True,
        True,
    )
    assert size["values"] == [{"key": "small", "name": "small"}, {"key": "large", "name": "large"}]
    assert xml.tag == "service_definition"
    assert [a.findtext("code") for a in xml.findall("attributes/attribute")] == ["size", "depth"]
    assert [v.findtext("key") for v in xml.findall("attributes/attribute[code='size']/values/value")] == [
        "small",
        "large",
    ]


def test_post_read_and_resolve_the_token(client, key):
    created = post(client, key, first_name="三丰", last_name="张", email=EMAIL, phone=PHONE)
    [row] = created.json()
    one = client.get(f"{BASE}/requests/{row['service_request_id']}.json").json()
    token = client.get(f"{BASE}/tokens/{row['token']}.json").json()

    assert created.status_code == 201
    grievance = Grievance.objects.get(pk=int(row["service_request_id"]))
    assert grievance.channel == "open311"
    assert grievance.reporter_phone == PHONE
    assert grievance.attributes == {"size": "large"}
    assert one[0]["status"] == "open"
    assert one[0]["service_code"] == "pothole"
    assert (one[0]["lat"], one[0]["long"]) == (32.01, 118.005)
    assert token == [{"service_request_id": row["service_request_id"], "token": row["token"]}]


def test_post_in_xml_and_read_in_xml(client, key):
    created = ET.fromstring(post(client, key, fmt="xml").content)
    code = created.findtext("request/service_request_id")
    listed = ET.fromstring(client.get(f"{BASE}/requests.xml").content)

    assert created.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in listed.findall("request")] == [code]
    assert listed.findtext("request/status") == "open"


def test_reporter_data_is_never_returned(client, key):
    post(client, key, first_name="三丰", last_name="张", email=EMAIL, phone=PHONE, device_id="dev-1", account_id="a1")
    outputs = [client.get(f"{BASE}/requests.json").content, client.get(f"{BASE}/requests.xml").content]
    grievance = Grievance.objects.get()
    code = grievance.pk
    outputs += [client.get(f"{BASE}/requests/{code}.json").content, client.get(f"{BASE}/requests/{code}.xml").content]

    for body in outputs:
        text = body.decode()
        # the tracking code is the reporter's key to rate and reopen: never published either
        for secret in (NAME, "三丰", PHONE, EMAIL, "dev-1", grievance.tracking_code):
            assert secret not in text
    assert "phone" not in json.loads(outputs[0])[0]


def test_filters_and_pages(client, key, cast):
    from apps.grievances.services import grievance_transition

    codes = [post(client, key).json()[0]["service_request_id"] for _ in range(3)]
    leak = post(client, key, service_code="leak", **{"attribute[size]": None}).json()[0]["service_request_id"]
    done = Grievance.objects.get(pk=int(codes[0]))
    done = grievance_transition(grievance=done, action="accept", user=cast["staff"])
    grievance_transition(grievance=done, action="resolve", user=cast["staff"], message="已修补")

    def ids(**params):
        return [r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()]

    assert set(ids(service_code="leak")) == {leak}
    assert set(ids(status="closed")) == {codes[0]}
    assert set(ids(status="open", service_code="pothole")) == set(codes[1:])
    assert set(ids(service_request_id=f"{codes[1]},{leak}", status="closed")) == {codes[1], leak}  # ids override
    assert len(ids(page_size=2)) == 2
    assert len(ids(page_size=2, page=2)) == 2
    assert ids(page_size=2, page=3) == []
    closed = client.get(f"{BASE}/requests/{codes[0]}.json").json()[0]
    assert closed["status_notes"] == "已修补"


@pytest.mark.parametrize(
    ("method", "path", "data", "status"),
    [
        ("post", "/requests.json", {"service_code": "pothole", "lat": "32.01", "long": "118.005"}, 403),
        ("post", "/requests.json", {"api_key": "wrong", "service_code": "pothole"}, 403),
        ("post", "/requests.json", {"api_key": "KEY", "service_code": "nope", "lat": "32", "long": "118"}, 404),
        ("post", "/requests.json", {"api_key": "KEY", "service_code": "pothole"}, 400),  # no location
        ("post", "/requests.json", {"api_key": "KEY", "service_code": "pothole", "lat": "x", "long": "118"}, 400),
        ("post", "/requests.json", {"api_key": "KEY", "service_code": "pothole", "lat": "32.01", "long": "118.005"},
         400),  # the required attribute is missing
        ("post", "/requests.xml", {"api_key": "KEY", "service_code": "pothole", "lat": "0", "long": "0",
                                   "attribute[size]": "large"}, 400),  # outside the city
        ("get", "/services/nope.json", {}, 404),
        ("get", "/requests/NOPE-NOPE.xml", {}, 404),
        ("get", "/requests/99999.json", {}, 404),
        ("get", "/requests.json", {"start_date": "2026-02-30T00:00:00Z"}, 400),  # well-formed, impossible
        ("get", "/requests.json", {"start_date": "9999-12-31T00:00:00Z"}, 400),
        ("get", "/requests.json", {"end_date": "0001-01-01T00:00:00Z"}, 400),
        ("get", "/requests.json", {"page": "²"}, 400),
        ("get", "/requests.json", {"page": "99999999999999999999"}, 400),
        ("get", "/requests.json", {"service_request_id": "1,abc"}, 400),
        ("get", "/tokens/nope.json", {}, 404),
        ("get", "/requests.json", {"start_date": "yesterday"}, 400),
        ("get", "/requests.json", {"status": "pending"}, 400),
        ("get", "/requests.json", {"page_size": "5000"}, 400),
        ("get", "/requests.json", {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
    ],
)  # fmt: skip
def test_errors_as_the_spec_says(client, key, method, path, data, status):
    data = {k: (key if v == "KEY" else v) for k, v in data.items()}

    response = getattr(client, method)(f"{BASE}{path}", data)

    assert response.status_code == status
    if path.endswith(".json"):
        errors = response.json()
        assert isinstance(errors, list)
        assert errors[0]["code"] == str(status)
        assert errors[0]["description"]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        assert root.findtext("error/code") == str(status)
    assert Grievance.objects.count() == 0


def test_the_key_command_prints_a_key_that_works(client, categories, capsys):
    call_command("create_open311_key", "hotline-bridge")
    key = capsys.readouterr().out.strip()

    assert post(client, key).status_code == 201
    with pytest.raises(CommandError, match="hotline-bridge"):  # a second key of the same name: one line, exit 1
        call_command("create_open311_key", "hotline-bridge")


def test_requests_default_to_the_last_90_days(client, key):
    code = post(client, key).json()[0]["service_request_id"]
    Grievance.objects.filter(pk=int(code)).update(created_at=timezone.now() - timedelta(days=100))

    assert client.get(f"{BASE}/requests.json").json() == []
    assert client.get(f"{BASE}/requests/{code}.json").status_code == 200


def test_control_characters_do_not_break_the_xml(client, key):
    post(client, key, description="坑\x0b很深\x07")

    listed = ET.fromstring(client.get(f"{BASE}/requests.xml").content)

    assert listed.findtext("request/description") == "坑很深"


def test_a_nul_character_is_a_400_not_a_500(client, key):
    assert client.get(f"{BASE}/requests.json", {"service_code": "a\x00b"}).status_code == 400
    assert client.get(f"{BASE}/requests/%00.json").status_code in (400, 404)
    assert post(client, key, description="a\x00b").status_code == 400
    assert Grievance.objects.count() == 0


# --- Public output: the labels' rule (positions on a 0.001° grid, the place as district and street) ----------


def request_views(client, pk: int, fmt: str) -> dict[str, dict]:
    """The report as every read shows it: list and one request, with and without extensions, by field."""

    def rows(path, params):
        response = client.get(f"{BASE}{path}.{fmt}", params)
        assert response.status_code == 200, response.content
        if fmt == "json":
            return response.json()
        return [{child.tag: child.text or "" for child in row} for row in ET.fromstring(response.content)]

    views = {}
    for extensions in ("", "true"):
        params = {"extensions": extensions} if extensions else {}
        views[f"list{extensions}"] = rows("/requests", {"page_size": "1000", **params})[0]
        views[f"one{extensions}"] = rows(f"/requests/{pk}", params)[0]
    return views


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_is_published_on_the_grid_and_by_district_and_street(client, submit, fmt):
    # given a report with an exact point and a typed address naming the flat
    g = submit(lon=118.0051234, lat=32.0109876, address="人民路 88 号 5 栋 1203 室")

    # when
    views = request_views(client, g.pk, fmt)

    # then every read shows the point on the 0.001° grid and the district and street only
    for name, row in views.items():
        assert (float(row["lat"]), float(row["long"])) == (32.011, 118.005), name
        assert row["address"] == "西区 · 西一街道", name
    for words in ("1203 室", "5 栋", "人民路"):
        assert words not in str(views)
    assert "0051234" not in str(views)
    assert "0109876" not in str(views)


def test_a_report_placed_by_its_address_alone_is_published_without_it(client, submit):
    g = submit(lon=None, lat=None, address="人民路 88 号 5 栋 1203 室")

    [row] = client.get(f"{BASE}/requests/{g.pk}.json").json()

    assert (row["address"], row["lat"], row["long"]) == ("", None, None)


def test_extensions_add_the_detailed_status_and_every_public_photo(client, submit, cast):
    from apps.grievances.services import grievance_transition

    g = submit()
    grievance_transition(grievance=g, action="accept", user=cast["staff"])

    plain = client.get(f"{BASE}/requests/{g.pk}.json").json()[0]
    extended = client.get(f"{BASE}/requests/{g.pk}.json", {"extensions": "true"}).json()[0]
    xml = ET.fromstring(client.get(f"{BASE}/requests.xml", {"extensions": "true"}).content)
    wrong = client.get(f"{BASE}/requests.json", {"extensions": "maybe"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "extended_attributes" not in plain
    assert extended["extended_attributes"] == {"detailed_status": "accepted", "media_urls": []}
    assert {k: v for k, v in extended.items() if k != "extended_attributes"} == plain
    assert xml.findtext("request/extended_attributes/detailed_status") == "accepted"
    assert wrong.status_code == 400
    assert wrong.json()[0]["description"] == "extensions is true or false"


def test_a_departments_callback_number_reaches_the_citizen_and_the_citizens_stays_masked(client, submit, cast):
    from apps.grievances.services import grievance_reopen, grievance_reply, grievance_transition

    # given a citizen's number in the report, the department's in its reply, the citizen's again on reopening
    g = submit(description="坑很深，请回电 139-8765-4321")
    g = grievance_transition(grievance=g, action="accept", user=cast["staff"])
    grievance_reply(grievance=g, user=cast["staff"], message="请致电养护科 0571-8888-1234", public=True)
    g = grievance_transition(grievance=g, action="resolve", user=cast["staff"], message="已修补，热线 12345")
    grievance_reopen(grievance=g, reason="没修好，打我 139 8765 4321")

    # when
    notes = client.get(f"{BASE}/requests/{g.pk}.json").json()[0]
    page = client.get(f"/grievances/t/{g.tracking_code}/").content.decode()

    # then
    assert notes["description"] == "坑很深，请回电 139****4321"
    assert notes["status_notes"] == "已修补，热线 12345"
    assert "请致电养护科 0571-8888-1234" in page
    assert "没修好，打我 139****4321" in page
    assert "8765 4321" not in page
    assert "139 8765" not in page


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"start_date": "0001-01-01T00:00:00+14:00"}, ["start_date"]),
        ({"end_date": "9999-12-31T23:59:59-14:00"}, ["end_date"]),
        ({"start_date": "0001-01-01T00:00:00+14:00", "end_date": "9999-12-31T23:59:59-14:00"},
         ["start_date", "end_date"]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_moment_outside_the_calendar_is_a_400(client, categories, params, names, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    if fmt == "json":
        errors = [(e["code"], e["description"]) for e in response.json()]
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        errors = [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]
    assert errors == [("400", f"{name} is outside the years 1 to 9999") for name in names]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_reads_without_a_key_are_limited_per_client(client, key, settings, fmt):
    # given a limit of 3 reads a minute
    settings.CITYOPS_OPEN311_READS_PER_MINUTE = 3

    # when a client reads four times, another client once, and a key holder five times
    answers = [client.get(f"{BASE}/services.{fmt}").status_code for _ in range(3)]
    refused = client.get(f"{BASE}/requests.{fmt}", HTTP_ACCEPT_LANGUAGE="en")
    other = client.get(f"{BASE}/services.{fmt}", REMOTE_ADDR="192.0.2.7")
    keyed = [client.get(f"{BASE}/requests.{fmt}", {"api_key": key}).status_code for _ in range(5)]
    posted = post(client, key, fmt=fmt)

    # then
    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    if fmt == "json":
        assert refused.json()[0]["code"] == "429"
        assert "at most 3 a minute" in refused.json()[0]["description"]
    else:
        assert ET.fromstring(refused.content).findtext("error/code") == "429"
    assert other.status_code == 200
    assert keyed == [200] * 5
    assert posted.status_code == 201


def test_the_read_limit_starts_again_after_its_minute(client, categories, settings, clock):
    settings.CITYOPS_OPEN311_READS_PER_MINUTE = 1
    first = client.get(f"{BASE}/services.json").status_code
    second = client.get(f"{BASE}/services.json").status_code

    clock.shift(timedelta(seconds=61))
    third = client.get(f"{BASE}/services.json").status_code

    assert (first, second, third) == (200, 429, 200)
