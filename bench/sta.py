"""STA-1, STA-2: paging Observations through the SensorThings API (/sta/v1.1/) on a big reading table.

One demo air station gets HISTORY hourly AirReading rows (the raw table then holds them and the demo's own), and
the API is asked as a client asks it, through the whole Django stack (middleware, view, JSON), anonymously (the
stations are public; the anonymous throttle is lifted for the run):

- STA-1: a page of 100 observations 100,000 deep — where @iot.nextLink's `$skiptoken` (the key of the last row
  sent) puts it — ÷ the first page. Each page is one SQL statement that seeks in the (station, observed_at)
  index, so a deep page should cost what the first does (target ≤ 1.5). The same depth by `$skip` (an SQL
  OFFSET, which reads and drops every row before it) is shown beside it.
- STA-2: following @iot.nextLink through 1,200 observations selected by a time filter (12 pages) ÷ the same rows
  read by the ORM in one query (the floor: no HTTP, no JSON) — the cost of the standard's surface per row
  (target ≤ 25).
"""

from __future__ import annotations

from datetime import timedelta

from bench.harness import Result, interleaved_median

HISTORY = 150_000
DEPTH = 100_000
WALK = 1_200


def _setup() -> tuple[object, int, list[object]]:
    from django.utils import timezone

    from apps.core.throttling import ClientAnonThrottle
    from apps.environment.models import AirReading, Station

    ClientAnonThrottle.THROTTLE_RATES = {"anon": None, "sta_anon": None, "user": None}  # the limit has tests
    station = Station.objects.filter(kind="air").order_by("code").first()
    end = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=400)
    AirReading.objects.bulk_create(
        (
            AirReading(station=station, observed_at=end - timedelta(hours=HISTORY - i), pm25=i % 300, pm10=i % 500)
            for i in range(HISTORY)
        ),
        batch_size=5000,
    )
    rows = list(AirReading.objects.filter(station=station).order_by("observed_at").values_list("observed_at", "pk"))
    datastream = station.pk * 100 + 1  # its PM2.5 (apps/sensorthings/mapping.py)
    return station, datastream, rows


def run() -> list[Result]:
    from django.test import Client

    from apps.environment.models import AirReading
    from apps.sensorthings.observations import token_encode

    station, datastream, rows = _setup()
    client = Client(HTTP_HOST="localhost")
    base = f"/sta/v1.1/Datastreams({datastream})/Observations"
    at, pk = rows[DEPTH - 1]
    deep_token = token_encode([at, pk * 100 + 1])  # what @iot.nextLink carries after the DEPTH-th observation

    def page(**params: str) -> object:
        response = client.get(base, {"$top": "100", **params})
        assert response.status_code == 200, response.content[:300]
        return response.json()

    since = rows[-WALK][0].isoformat().replace("+00:00", "Z")

    def walk() -> int:
        body = page(**{"$filter": f"phenomenonTime ge {since}"})
        seen = len(body["value"])
        while "@iot.nextLink" in body:
            body = client.get(body["@iot.nextLink"].removeprefix("http://localhost")).json()
            seen += len(body["value"])
        assert seen == WALK, seen
        return seen

    def orm() -> int:
        found = list(
            AirReading.objects.filter(station=station, pm25__isnull=False, observed_at__gte=rows[-WALK][0])
            .order_by("observed_at")
            .values_list("pk", "observed_at", "pm25")
        )
        assert len(found) == WALK
        return len(found)

    timings = interleaved_median(
        {
            "first": lambda: page(),
            "deep": lambda: page(**{"$skiptoken": deep_token}),
            "skip": lambda: page(**{"$skip": str(DEPTH)}),
            "walk": walk,
            "orm": orm,
        }
    )
    deep = timings["deep"] / timings["first"]
    per_row = timings["walk"] / timings["orm"]
    total = AirReading.objects.count()
    return [
        Result(
            "STA-1",
            "a page 100,000 observations deep (@iot.nextLink) ÷ the first page",
            deep,
            "<= 1.5",
            deep <= 1.5,
            f"{timings['deep'] * 1000:.2f} ms vs {timings['first'] * 1000:.2f} ms for 100 observations of one "
            f"datastream among {total:,} air readings; by $skip={DEPTH:,} (OFFSET) {timings['skip'] * 1000:.2f} ms",
        ),
        Result(
            "STA-2",
            f"{WALK:,} filtered observations through @iot.nextLink (12 pages) ÷ the same rows by the ORM",
            per_row,
            "<= 25",
            per_row <= 25,
            f"{timings['walk'] * 1000:.1f} ms through the API vs {timings['orm'] * 1000:.2f} ms in one ORM query",
        ),
    ]


if __name__ == "__main__":
    from bench.harness import django_with_demo_city

    django_with_demo_city()
    for result in run():
        print(result.line())
