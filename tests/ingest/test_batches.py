"""Batches: the fast path and the row-by-row path agree; every problem is listed; nothing half-parsed."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from apps.core.errors import ApplicationError
from apps.ingest import batches
from apps.ingest.batches import Batch, BatchInvalid, BatchTooLarge, Column, batch_of_rows, batch_parse

COLUMNS = [
    Column("code", "text"),
    Column("at", "time"),
    Column("level", "number", minimum=0, maximum=100),
    Column("count", "count", minimum=0),
    Column("note", "text", required=False),
]
AT = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _parse(rows, *, content_type="application/json", **kwargs):
    return batch_parse(body=json.dumps(rows).encode(), content_type=content_type, columns=COLUMNS, **kwargs)


def _row(**overrides):
    return {"code": "A", "at": "2026-11-29T16:00:00+08:00", "level": 12.5, "count": 3, **overrides}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def paths(monkeypatch):
    """Which path parsed the batch."""
    seen = []
    fast, slow = batches._fast, batches._row_by_row
    monkeypatch.setattr(batches, "_fast", lambda *a: seen.append("fast") or fast(*a))
    monkeypatch.setattr(batches, "_row_by_row", lambda *a: seen.append("rows") or slow(*a))
    return seen


def test_a_clean_batch_takes_the_fast_path_and_reads_as_the_row_by_row_path_does(paths):
    rows = [_row(), _row(code="B", level=0, count=0, note="checked by hand")]

    fast = _parse(rows)
    slow = batch_of_rows(rows=rows, columns=COLUMNS)

    assert paths == ["fast", "rows"]
    assert fast == slow
    assert fast["at"] == [AT, AT]
    assert fast["count"] == [3, 0]
    assert fast["note"] == [None, "checked by hand"]
    assert [type(v) for v in fast["level"]] == [float, float]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ({"level": "12.5"}, 12.5),  # a number as text
        ({"count": 3.0}, 3),  # a whole number written with a decimal point
        ({"code": " A "}, "A"),  # padded text is trimmed
    ],
)
def test_what_the_fast_path_refuses_but_is_fine_is_read_row_by_row(paths, cell, value):
    batch = _parse([_row(**cell)])

    assert paths == ["fast", "rows"]
    (name,) = cell
    assert batch[name] == [value]


def test_every_problem_of_every_row_is_listed_in_row_order():
    rows = [
        _row(level=101, count=-1),
        _row(),
        _row(at="2026-11-29T08:00:00", code=""),
        {"level": "high"},
    ]

    with pytest.raises(BatchInvalid) as raised:
        _parse(rows)

    assert [e.as_dict() for e in raised.value.errors] == [
        {"index": 0, "field": "count", "message": "must be at least 0"},
        {"index": 0, "field": "level", "message": "must be at most 100"},
        {"index": 2, "field": "at", "message": "has no time zone (add Z or +08:00)"},
        {"index": 2, "field": "code", "message": "is required"},
        {"index": 3, "field": "at", "message": "is required"},
        {"index": 3, "field": "code", "message": "is required"},
        {"index": 3, "field": "count", "message": "is required"},
        {"index": 3, "field": "level", "message": "not a valid value"},
    ]


@pytest.mark.parametrize(
    "moment",
    [lambda: datetime.now(UTC) + timedelta(minutes=10), lambda: datetime(1999, 12, 31, 23, 59, tzinfo=UTC)],
    ids=["ahead", "before-2000"],
)
def test_times_too_far_ahead_or_before_2000_are_refused_on_both_paths(moment):
    at = moment()  # when the test runs, not when it was collected minutes earlier
    for parse in (lambda rows: _parse(rows), lambda rows: batch_of_rows(rows=rows, columns=COLUMNS)):
        with pytest.raises(BatchInvalid) as raised:
            parse([_row(at=at.isoformat())])
        assert [(e.index, e.field) for e in raised.value.errors] == [(0, "at")]


def test_a_domain_check_sees_the_parsed_cells_and_its_errors_join_the_rest():
    def check(batch: Batch):
        return [batches.RowError(i, "code", "unknown") for i, code in enumerate(batch["code"]) if code == "Z"]

    with pytest.raises(BatchInvalid) as raised:
        _parse([_row(code="Z"), _row(level=-1)], check=check)

    assert [(e.index, e.field, e.message) for e in raised.value.errors] == [
        (0, "code", "unknown"),
        (1, "level", "must be at least 0"),
    ]


@pytest.mark.parametrize("content_type", ["application/json", "text/csv"])
def test_more_than_5000_rows_is_too_large(content_type):
    if content_type == "text/csv":
        body = ("code,at,level,count\n" + "A,2026-11-29T08:00:00Z,1,1\n" * 5001).encode()
    else:
        body = json.dumps([_row()] * 5001).encode()

    with pytest.raises(BatchTooLarge):
        batch_parse(body=body, content_type=content_type, columns=COLUMNS)


def test_csv_is_read_row_by_row_with_the_same_rules(paths):
    body = b"code,at,level,count\nA,2026-11-29T08:00:00Z,12.5,3\nB,2026-11-29T08:00:00Z,,x\n"

    with pytest.raises(BatchInvalid) as raised:
        batch_parse(body=body, content_type="text/csv", columns=COLUMNS)

    assert paths == ["rows"]
    assert [(e.index, e.field, e.message) for e in raised.value.errors] == [
        (1, "count", "not a valid value"),
        (1, "level", "is required"),
    ]


@pytest.mark.parametrize(
    ("spoiled", "message"),
    [
        (b"caf\xe9", "is not valid UTF-8 text"),  # msgspec raises UnicodeDecodeError
        (b"\\ud800", "is not valid UTF-8 text"),  # msgspec: DecodeError; json: a lone surrogate
        (b"A\\u0000", "contains a NUL character"),  # msgspec takes it: the fast path hands it over
    ],
)
def test_text_no_database_stores_is_refused_in_its_cell_by_the_row_by_row_path(paths, spoiled, message):
    body = json.dumps([_row(), _row(note="SPOILED")]).encode().replace(b"SPOILED", spoiled)

    with pytest.raises(BatchInvalid) as raised:
        batch_parse(body=body, content_type="application/json", columns=COLUMNS)

    assert paths == ["fast", "rows"]
    assert [e.as_dict() for e in raised.value.errors] == [{"index": 1, "field": "note", "message": message}]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps([{**_row(), "extra": "DEEP"}]),
    ],
    ids=["the-body", "an-unknown-field"],
)
def test_nesting_past_the_limit_is_refused_whole_on_either_path(paths, body):
    body = body.replace('"DEEP"', "[" * 2000 + "]" * 2000)  # msgspec recurses into an unknown field to skip it

    with pytest.raises(ApplicationError) as raised:
        batch_parse(body=body.encode(), content_type="application/json", columns=COLUMNS)

    assert paths == ["fast"]
    assert raised.value.message == "The JSON is nested more than 64 levels deep."


def test_an_array_or_object_is_not_text():
    with pytest.raises(BatchInvalid) as raised:
        batch_of_rows(rows=[_row(code=["A"]), _row(code={"A": 1}), _row(code=7)], columns=COLUMNS)

    assert [e.as_dict() for e in raised.value.errors] == [
        {"index": 0, "field": "code", "message": "not a valid value"},
        {"index": 1, "field": "code", "message": "not a valid value"},
    ]
