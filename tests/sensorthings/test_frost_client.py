"""FROST-Server's own Python client (frost-sta-client, PyPI) against the running server: list Things, expand their
Datastreams, page through more than 1,000 Observations with a filter by following @iot.nextLink, and create
Observations one by one and as a data array (CreateObservations) with an ingest token."""

from __future__ import annotations

from datetime import timedelta

import frost_sta_client as fsc
import pytest
import requests
from django.utils import timezone

from tests.sensorthings.conftest import datastream, thing

# The client reads its base URL's path with furl's deprecated `pathstr`: theirs to fix, not ours.
pytestmark = pytest.mark.filterwarnings("ignore:furl.pathstr is deprecated:DeprecationWarning")


@pytest.fixture
def url(asgi_server, world):
    return f"http://{asgi_server}/sta/v1.1"


def test_the_client_lists_things_and_expands_their_datastreams(url, world):
    service = fsc.SensorThingsService(url)

    things = list(service.things().query().expand("Datastreams").list())
    a1 = service.things().find(thing(world["A1"]))
    locations = list(a1.get_locations().query().list())

    assert sorted(t.properties["code"] for t in things) == ["A1", "N1"]  # anonymous: the public stations
    by_code = {t.properties["code"]: t for t in things}
    assert sorted(d.name for d in by_code["A1"].datastreams) == sorted(
        f"A1站 {n}" for n in ("PM2.5", "PM10", "SO2", "NO2", "O3", "CO")
    )
    assert [d.unit_of_measurement.symbol for d in by_code["N1"].datastreams] == ["dB(A)"]
    assert a1.name == "A1站"
    assert [loc.location["coordinates"] for loc in locations] == [[118.005, 32.01]]


def test_the_client_pages_through_more_than_1000_filtered_observations(url, world, readings):
    rows = readings(1300)
    since = rows[200].observed_at.isoformat().replace("+00:00", "Z")
    service = fsc.SensorThingsService(url)
    pm25 = service.datastreams().find(datastream(world["A1"], "pm25"))

    found = pm25.get_observations().query().filter(f"phenomenonTime ge {since}").count().list()
    results = [o.result for o in found]  # iterating follows @iot.nextLink page after page

    assert found.count == 1100
    assert len(results) == 1100
    assert results[:3] == [200 % 200, 201 % 200, 202 % 200]
    assert len({o.id for o in found.entities}) == 1100


def test_the_client_creates_observations_one_by_one_and_as_a_data_array(url, world):
    from apps.environment.models import AirReading
    from apps.ingest.models import FeedMinute

    # the client's own AuthHandler: HTTP Basic, the ingest token as the password
    service = fsc.SensorThingsService(url, auth_handler=fsc.AuthHandler("vendor", world["env_token"]))
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    pm25 = fsc.Datastream(id=datastream(world["A1"], "pm25"))
    no2 = fsc.Datastream(id=datastream(world["A1"], "no2"))

    single = fsc.Observation(phenomenon_time=hour - timedelta(hours=3), result=42.0, datastream=pm25)
    service.create(single)
    service.create(fsc.Observation(phenomenon_time=hour - timedelta(hours=3), result=60.0, datastream=no2))
    document = fsc.DataArrayDocument()
    for stream, values in ((pm25, [10.0, 11.0]), (no2, [30.0, 31.0])):
        value = fsc.DataArrayValue()
        value.datastream = stream
        value.components = {fsc.DataArrayValue.Property.PHENOMENON_TIME, fsc.DataArrayValue.Property.RESULT}
        for back, result in zip((2, 1), values, strict=True):
            value.add_observation(fsc.Observation(phenomenon_time=hour - timedelta(hours=back), result=result,
                                                  datastream=stream))  # fmt: skip
        document.add_data_array_value(value)
    created = service.observations().create(document)
    repeated = service.observations().create(document)  # idempotent: the same Observations

    assert isinstance(single.id, int)
    assert service.observations().find(single.id).result == 42.0
    assert len(created) == 4
    assert [o.self_link for o in created] == [o.self_link for o in repeated]
    rows = sorted((r.pm25, r.no2) for r in AirReading.objects.all())
    assert rows == [(10.0, 30.0), (11.0, 31.0), (42.0, 60.0)]  # one POST per Datastream, one reading
    assert FeedMinute.objects.exists()  # the feed's marks, for the live tick
    with pytest.raises(requests.HTTPError) as refused:
        service.create(fsc.Observation(phenomenon_time=hour - timedelta(hours=3), result=43.0, datastream=pm25))
    assert refused.value.response.status_code == 400
    wrong = fsc.SensorThingsService(url, auth_handler=fsc.AuthHandler("vendor", "cio_not-a-token"))
    with pytest.raises(requests.HTTPError) as unknown:
        wrong.create(fsc.Observation(phenomenon_time=hour - timedelta(hours=4), result=1.0, datastream=pm25))
    assert unknown.value.response.status_code == 401
