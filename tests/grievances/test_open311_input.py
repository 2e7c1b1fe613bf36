"""A posted Open311 service request is parsed into a frozen value before the service sees it
(apps/grievances/open311/inputs.py): its own problems are 400s in the spec's format, nothing stored."""

import pytest
from django.core.cache import cache

from apps.grievances.models import Grievance
from apps.grievances.services import open311_key_create

URL = "/open311/v2/requests.json"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
BOTH = "lat and long must both be numbers (WGS84 degrees)"
SOMEWHERE = "a location is required: lat and long, address_string or address_id"


@pytest.fixture
def key(categories):
    cache.clear()
    return open311_key_create(name="citizen-app")[0]


def fields(key, **extra):
    base = {"api_key": key, "service_code": "pothole", "lat": "32.01", "long": "118.005", "description": "有个坑",
            "attribute[size]": "large"}  # fmt: skip
    return {k: v for k, v in {**base, **extra}.items() if v is not None}


@pytest.mark.parametrize(
    ("extra", "status", "descriptions"),
    [
        ({"long": None}, 400, [BOTH]),
        ({"lat": "north"}, 400, [BOTH]),
        ({"lat": "nan"}, 400, [BOTH]),
        ({"lat": "", "long": ""}, 400, [SOMEWHERE]),
        ({"service_code": None, "lat": "north"}, 400, ["service_code is required"]),
        ({"service_code": "nope", "lat": "north"}, 404, None),
    ],
)
def test_a_request_that_cannot_be_read_is_refused_in_the_specs_format(client, key, extra, status, descriptions):
    response = client.post(URL, fields(key, **extra), **ENGLISH)

    assert response.status_code == status
    if descriptions is not None:
        assert [(e["code"], e["description"]) for e in response.json()] == [(str(status), d) for d in descriptions]
    assert Grievance.objects.count() == 0


def test_an_address_alone_is_a_location_and_the_name_is_first_and_last(client, key):
    response = client.post(
        URL, fields(key, lat="", long="", address_string="西一路 12 号", first_name="三丰", last_name="张"), **ENGLISH
    )

    assert response.status_code == 201, response.content
    report = Grievance.objects.get()
    assert (report.address, report.reporter_name, report.lon) == ("西一路 12 号", "三丰 张", None)
