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
def registry(monkeypatch):
    monkeypatch.setattr(feeds, "_FEEDS", {})
    return feeds


def test_marked_minutes_are_aggregated_once_and_then_forgotten(db, registry):
    calls = []
    registry.register_feed(Feed(key="test.feed", aggregate=calls.append))
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

    registry.register_feed(Feed(key="test.broken", aggregate=broken))
    registry.register_feed(Feed(key="test.fine", aggregate=done.append))
    feed_minutes_mark(feed="test.broken", minutes=[T])
    feed_minutes_mark(feed="test.fine", minutes=[T])

    feeds_aggregate()

    assert done == [[(T, T + M)]]
    assert list(FeedMinute.objects.values_list("feed", flat=True)) == ["test.broken"]


def test_minutes_of_an_unregistered_feed_wait_for_it(db, registry):
    feed_minutes_mark(feed="test.later", minutes=[T])

    assert feeds_aggregate() == 0
    assert FeedMinute.objects.count() == 1
