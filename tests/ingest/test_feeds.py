"""Feeds: marked minutes reach their aggregator once, as spans; a failing aggregator keeps its marks."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.ingest import feeds
from apps.ingest.feeds import Feed, feed_minutes_mark, feeds_aggregate, minute_spans, spans_widened
from apps.ingest.models import FeedMinute

T = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_minutes_become_the_fewest_spans():
    assert minute_spans([T + 5 * M, T, T + M, T + M]) == [(T, T + 2 * M), (T + 5 * M, T + 6 * M)]
    assert minute_spans([]) == []


def test_spans_widen_to_whole_hours_and_merge():
    H = timedelta(hours=1)
    spans = [(T + 5 * M, T + 7 * M), (T + 50 * M, T + 62 * M), (T + 3 * H, T + 3 * H + M)]

    assert spans_widened(spans, H) == [(T, T + 2 * H), (T + 3 * H, T + 4 * H)]


@pytest.fixture
def registry():
    with feeds.feed_registry.override(replace=True) as only_the_tests:
        yield only_the_tests


def test_marked_minutes_are_aggregated_once_and_then_forgotten(db, registry):
    calls = []
    registry.register(Feed(key="test.feed", aggregate=calls.append))
    feed_minutes_mark(feed="test.feed", minutes=[T, T + M, T + 3 * M])
    feed_minutes_mark(feed="test.feed", minutes=[T])  # marked again before the tick: still once

    assert feeds_aggregate() == 3
    assert feeds_aggregate() == 0

    assert calls == [[(T, T + 2 * M), (T + 3 * M, T + 4 * M)]]
    assert not FeedMinute.objects.exists()


def test_a_failing_aggregator_keeps_its_minutes_and_the_other_feeds_go_on(db, registry):
    done = []

    def broken(spans):
        raise RuntimeError("database of another department is down")

    registry.register(Feed(key="test.broken", aggregate=broken))
    registry.register(Feed(key="test.fine", aggregate=done.append))
    feed_minutes_mark(feed="test.broken", minutes=[T])
    feed_minutes_mark(feed="test.fine", minutes=[T])

    feeds_aggregate()

    assert done == [[(T, T + M)]]
    assert list(FeedMinute.objects.values_list("feed", flat=True)) == ["test.broken"]


def test_minutes_of_an_unregistered_feed_wait_for_it(db, registry):
    feed_minutes_mark(feed="test.later", minutes=[T])

    assert feeds_aggregate() == 0
    assert FeedMinute.objects.count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_batch_still_open_while_a_tick_reads_its_minute_is_folded_in_once_it_commits(network):
    """The race of issue 17 on PostgreSQL: a minute already marked, a second batch of it holding its transaction
    open across one tick. The tick must not fold the minute without that batch, or the batch is lost for good."""
    import threading

    from django.db import connection, transaction

    from apps.indicators.models import DataSource, IndicatorValue
    from apps.indicators.services import indicator_rollups_settle
    from apps.traffic.models import TrafficReading
    from apps.traffic.services import traffic_readings_ingest

    loops = DataSource.objects.get(code="loops")
    minute = datetime.now(UTC).replace(second=0, microsecond=0) - 2 * M
    row = lambda code, speed, second: {"sensor": code, "observed_at": (minute + timedelta(seconds=second)).isoformat(),  # noqa: E731
                                       "speed_kmh": speed, "volume": 10, "occupancy": 0.2}  # fmt: skip
    # given a first batch of the minute, committed (its mark is there)
    traffic_readings_ingest(source=loops, rows=[row("L1", 20, 5)])
    stored, release = threading.Event(), threading.Event()

    def second_batch() -> None:
        try:
            with transaction.atomic():
                traffic_readings_ingest(source=loops, rows=[row("L2", 80, 10), row("L1", 100, 30)])
                stored.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    # when a second batch of the same minute is stored but not committed, and a tick runs meanwhile
    writer = threading.Thread(target=second_batch)
    writer.start()
    assert stored.wait(timeout=30)
    feeds_aggregate()
    release.set()
    writer.join(timeout=30)
    while feeds_aggregate():
        pass
    indicator_rollups_settle()

    # then every region's minute equals a recomputation from the raw rows: W1 has 20 and 100, E has 80
    speed = {code: IndicatorValue.objects.get(indicator="traffic.speed", region__code=code, granularity="minute",
                                              bucket_start=minute) for code in ("W1", "E")}  # fmt: skip
    assert TrafficReading.objects.count() == 3
    assert (speed["W1"].count, speed["W1"].sum) == (2, 120.0)
    assert (speed["E"].count, speed["E"].sum) == (1, 80.0)
    assert not FeedMinute.objects.exists()
