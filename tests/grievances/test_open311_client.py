"""An independent Open311 client from PyPI (georeport) against the running server, in JSON and in XML; it
reads only, so posting and the token go through plain HTTP (requests) as any app would send them."""

import pytest
import requests
from georeport import GeoReport

from apps.grievances.services import open311_key_create


@pytest.fixture
def endpoint(asgi_server, categories):
    return f"http://{asgi_server}/open311/v2"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_independent_client_lists_reads_posts_and_resolves(endpoint, fmt):
    key, _record = open311_key_create(name=f"client-{fmt}")
    client = GeoReport(endpoint, output_format=fmt)

    services = client.get_service_list()
    definition = client.get_service_definition("pothole")
    created = requests.post(
        f"{endpoint}/requests.{fmt}",
        params={"api_key": key},  # real clients often put the key in the query string
        data={
            "service_code": "pothole",
            "lat": "32.01",
            "long": "118.005",
            "description": "人民路有个坑",
            "attribute[size]": "small",
            "email": "someone@example.cn",
        },  # fmt: skip
        timeout=10,
    )
    code = created.json()[0]["service_request_id"] if fmt == "json" else created.text.split(
        "<service_request_id>")[1].split("<")[0]  # fmt: skip
    token = created.json()[0]["token"] if fmt == "json" else created.text.split("<token>")[1].split("<")[0]
    resolved = requests.get(f"{endpoint}/tokens/{token}.{fmt}", timeout=10)
    one = client.get_service_request(code)
    listed = client.get_service_requests(service_code="pothole", status="open")

    assert "pothole" in [s["service_code"] for s in (services if isinstance(services, list) else [services])]
    attributes = definition["attributes"]
    attributes = attributes if fmt == "json" else attributes["attribute"]
    assert [a["code"] for a in attributes] == ["size", "depth"]
    assert created.status_code == 201
    assert code in resolved.text
    assert one["service_request_id"] == code
    assert one["status"] == "open"
    rows = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in rows] == [code]
    assert "someone@example.cn" not in str(one) + str(listed)
