"""Each feed's batch in the OpenAPI schema: an array of its rows, each row described from the msgspec Struct the
fast path decodes it into, so the schema and the parser cannot drift apart."""

from __future__ import annotations

import pytest

from apps.environment.services import READING_COLUMNS as ENVIRONMENT_COLUMNS
from apps.healthcare.services import SNAPSHOT_COLUMNS
from apps.ingest.batches import _decoder, row_schema, row_struct
from apps.traffic.services import READING_COLUMNS as TRAFFIC_COLUMNS
from tests.conftest import PASSWORD

FEEDS = [
    ("/api/v1/traffic/readings", TRAFFIC_COLUMNS),
    ("/api/v1/environment/readings", ENVIRONMENT_COLUMNS),
    ("/api/v1/healthcare/snapshots", SNAPSHOT_COLUMNS),
]


@pytest.mark.parametrize(("path", "columns"), FEEDS)
def test_the_schema_describes_each_feeds_rows(client, cast, path, columns):
    client.login(username="command", password=PASSWORD)  # the schema is for staff

    schema = client.get("/api/schema/?format=json").json()

    body = schema["paths"][path]["post"]["requestBody"]["content"]
    assert body["text/csv"]["schema"] == {"type": "string"}
    assert body["application/json"]["schema"]["type"] == "array"
    row = schema["components"]["schemas"][body["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert list(row["properties"]) == [c.name for c in columns]
    assert row["required"] == [c.name for c in columns if c.required]
    assert {k: v for k, v in row.items() if k != "description"} == row_schema(columns)


def test_a_rows_schema_is_made_from_the_struct_the_fast_path_decodes_into():
    row = row_schema(TRAFFIC_COLUMNS)

    assert _decoder(tuple(TRAFFIC_COLUMNS)).type == list[row_struct(TRAFFIC_COLUMNS)]
    assert row["properties"]["sensor"] == {"type": "string", "minLength": 1}
    assert row["properties"]["observed_at"] == {"type": "string", "format": "date-time"}
    assert row["properties"]["speed_kmh"] == {"type": "number", "minimum": 0.0, "maximum": 250.0}
    assert row["properties"]["volume"] == {"type": "integer", "minimum": 0, "maximum": 10000}


def test_an_optional_column_is_nullable_in_openapi_3_0():
    row = row_schema(SNAPSHOT_COLUMNS)

    assert row["properties"]["icu_occupied"] == {"type": "integer", "minimum": 0, "nullable": True}
    assert "icu_occupied" not in row["required"]
