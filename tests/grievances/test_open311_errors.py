"""Every answer under /open311/ is in the Open311 error format, whoever gives it (a view, the URL resolver, a
middleware refusing a body), by the requested extension (JSON by default) and in UTF-8; a method no resource
takes is a 405. Open311 and the portal check a report the same way (one validation: `grievance_submit`), the
answers to a category's questions by their definition, and refuse text that is not UTF-8 — nothing stored."""

from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache

from apps.grievances.models import CategoryAttribute, Grievance
from apps.grievances.services import open311_key_create
from tests.grievances.conftest import PHONE

BASE = "/open311/v2"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


@pytest.fixture
def key(categories):
    cache.clear()
    return open311_key_create(name="citizen-app")[0]


def fields(key: str, **extra: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "pothole", "lat": "32.01", "long": "118.005", "description": "有个坑",
            "attribute[size]": "large", **extra}  # fmt: skip


def portal_post(client, **extra: str):
    data = {"category": "pothole", "description": "有个坑", "lon": "118.005", "lat": "32.01",
            "attribute[size]": "large", "phone": PHONE, **extra}  # fmt: skip
    return client.post("/grievances/", data, **ENGLISH)


def errors_of(response, fmt: str) -> list[tuple[str, str]]:
    """(code, description) of an Open311 error answer, after checking its content type."""
    assert response["Content-Type"] == CONTENT_TYPES[fmt]
    if fmt == "json":
        return [(e["code"], e["description"]) for e in response.json()]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")]


# --- The format of every answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("method", ["delete", "put", "patch", "options"])
def test_a_method_no_resource_takes_is_a_405_in_the_format_and_changes_nothing(client, key, fmt, method):
    number = client.post(f"{BASE}/requests.json", fields(key)).json()[0]["service_request_id"]

    one = getattr(client, method)(f"{BASE}/requests/{number}.{fmt}", **ENGLISH)
    listed = getattr(client, method)(f"{BASE}/requests.{fmt}", **ENGLISH)

    assert (one.status_code, one["Allow"]) == (405, "GET, HEAD")
    assert errors_of(one, fmt) == [("405", f"{method.upper()} is not allowed here: use GET")]
    assert (listed.status_code, listed["Allow"]) == (405, "GET, HEAD, POST")
    assert errors_of(listed, fmt) == [("405", f"{method.upper()} is not allowed here: use GET or POST")]
    assert Grievance.objects.filter(pk=int(number)).exists()


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("/nonexistent", "json"), ("/nonexistent.xml", "xml"), ("/requests/1.txt", "json"), ("", "json"),
     ("/services/pothole/extra.xml", "xml")],
)  # fmt: skip
def test_a_url_no_view_answers_is_a_404_in_the_format_of_its_extension(client, key, path, fmt):
    response = client.get(f"/open311/v2{path}" if path else "/open311/", **ENGLISH)

    assert response.status_code == 404
    assert errors_of(response, fmt) == [("404", "Not found.")]


def test_the_root_redirects_to_discovery_and_takes_only_reads(client, key):
    assert client.get(f"{BASE}/")["Location"] == f"{BASE}/discovery.json"
    assert errors_of(client.delete(f"{BASE}/", **ENGLISH), "json") == [("405", 'Method "DELETE" not allowed.')]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_nul_in_the_path_or_a_field_is_a_400_in_the_format_in_utf8(client, key, fmt):
    in_path = client.get(f"{BASE}/requests/1%00.{fmt}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    in_field = client.post(f"{BASE}/requests.{fmt}", fields(key, description="坑\x00"), **ENGLISH)

    assert (in_path.status_code, errors_of(in_path, fmt)) == (400, [("400", "请求中含有 NUL 字符。")])
    assert (in_field.status_code, errors_of(in_field, fmt)) == (400, [("400", "The request contains a NUL character.")])
    assert Grievance.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_body_over_the_limit_is_a_413_naming_it_and_too_many_fields_a_400(client, key, settings, fmt):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 30_000
    big = client.post(f"{BASE}/requests.{fmt}", fields(key, description="坑" * 20_000), **ENGLISH)
    many = client.post(f"{BASE}/requests.{fmt}", {**fields(key), **{f"f{i}": "1" for i in range(5000)}}, **ENGLISH)

    assert (big.status_code, errors_of(big, fmt)) == (413, [("413", "The request body is larger than the limit of "
                                                                     "29.3\xa0KB.")])  # fmt: skip
    assert (many.status_code, errors_of(many, fmt)) == (400, [("400", "The request has more fields than the limit.")])
    assert Grievance.objects.count() == 0


def test_pages_keep_their_own_answers_in_utf8(client):
    nul = client.get("/grievances/track/", {"code": "a\x00"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert (nul.status_code, nul["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert nul.content.decode() == "请求中含有 NUL 字符。"


# --- One validation, and text that is not UTF-8 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"phone": "1" * 1000}, "phone: at most 20 characters"),
        ({"phone": "call me maybe"}, "phone: digits, spaces, + and - only"),
        ({"email": "notanemail"}, "email: not a valid e-mail address"),
        ({"first_name": "张" * 10_000}, "first_name/last_name: at most 100 characters"),
        ({"address_string": "路" * 201, "lat": "", "long": ""}, "address_string: at most 200 characters"),
    ],
)
def test_open311_refuses_what_the_portal_refuses(client, key, extra, expected):
    portal_fields = {"first_name": "name", "address_string": "address", "lat": "lat", "long": "lon"}

    response = client.post(f"{BASE}/requests.json", fields(key, **extra), **ENGLISH)
    portal = portal_post(client, **{portal_fields.get(k, k): v for k, v in extra.items()})

    assert (response.status_code, errors_of(response, "json")) == (400, [("400", expected)])
    assert (portal.status_code, expected.split(": ")[1] in portal.content.decode()) == (400, True)
    assert Grievance.objects.count() == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("-5", "must be from 0 to 500"), ("501", "must be from 0 to 500"), ("2.5", "must be a whole number"),
     ("1e400", "must be a number"), ("nan", "must be a number")],
)  # fmt: skip
def test_a_number_answer_is_checked_by_its_question_in_both_channels(client, key, answer, expected):
    CategoryAttribute.objects.filter(code="depth").update(minimum=0, maximum=500, whole_number=True)

    response = client.post(f"{BASE}/requests.json", fields(key, **{"attribute[depth]": answer}), **ENGLISH)
    portal = portal_post(client, **{"attribute[depth]": answer})

    assert errors_of(response, "json") == [("400", f"attribute[depth]: {expected}")]
    assert (portal.status_code, expected in portal.content.decode()) == (400, True)
    assert Grievance.objects.count() == 0


def test_a_number_answer_in_range_is_stored_and_the_definition_says_the_range(client, key):
    CategoryAttribute.objects.filter(code="depth").update(minimum=0, maximum=500, whole_number=True)

    created = client.post(f"{BASE}/requests.json", fields(key, **{"attribute[depth]": "12"}))
    definition = client.get(f"{BASE}/services/pothole.json", **ENGLISH).json()

    assert created.status_code == 201
    assert Grievance.objects.get().attributes == {"size": "large", "depth": 12}
    depth = next(a for a in definition["attributes"] if a["code"] == "depth")
    assert depth["datatype_description"] == "number (whole numbers) must be from 0 to 500"


def test_text_that_is_not_utf8_is_refused_in_open311_and_the_portal(client, key):
    body = "&".join(f"{k}={quote(v)}" for k, v in fields(key).items() if k != "description") + "&description=%ff%fe"

    response = client.post(f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded", **ENGLISH)
    portal = client.post("/grievances/", "category=pothole&lon=118.005&lat=32.01&description=%ff%fe坑",
                         content_type="application/x-www-form-urlencoded", **ENGLISH)  # fmt: skip
    query = client.get(f"{BASE}/requests.xml?service_code=%ff", **ENGLISH)

    assert errors_of(response, "json") == [("400", "description: is not valid UTF-8 text")]
    assert (portal.status_code, portal["Content-Type"]) == (400, "text/plain; charset=utf-8")
    assert errors_of(query, "xml") == [("400", "service_code: is not valid UTF-8 text")]
    assert Grievance.objects.count() == 0
