"""k-anonymity by generalisation and suppression, as pure functions over records.

A record is one person-event (a citizen's report, a visit's finding) as a dict of already generalised values
(a street or grid cell, a day). Records with the same quasi-identifier values form a cell; a released row is
one cell and its count. A cell smaller than k is first offered one step up (a street to its district), where
it joins the other small cells of that district; what is still smaller than k is withheld. So every released
combination of quasi-identifiers covers at least k records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


@dataclass
class Outcome:
    rows: list[Record]
    total_records: int = 0
    released_records: int = 0
    suppressed_records: int = 0
    suppressed_cells: int = 0
    generalised_records: int = 0
    max_risk: float | None = None
    mean_risk: float | None = None


def _cells(records: Sequence[Record], qi: Sequence[str]) -> dict[tuple, list[Record]]:
    cells: dict[tuple, list[Record]] = defaultdict(list)
    for record in records:
        cells[tuple(record[c] for c in qi)].append(record)
    return cells


def _row(records: list[Record], *, count_column: str, measures: Sequence[str]) -> Record:
    """One released row: the cell's descriptive values (from its first record), its count and measure sums."""
    row = {key: value for key, value in records[0].items() if key not in measures and not key.startswith("_")}
    row[count_column] = len(records)
    for measure in measures:
        row[measure] = sum(int(r[measure]) for r in records)
    return row


def k_anonymise(
    records: Sequence[Record],
    *,
    qi: Sequence[str],
    k: int,
    count_column: str,
    measures: Sequence[str] = (),
    generalise: Callable[[Record], Record | None] | None = None,
    unlocated: int = 0,
) -> Outcome:
    """Rows whose every quasi-identifier combination covers ≥ k records, and what it cost.

    `generalise` maps a record of a small cell one step up (None: it cannot be); `unlocated` counts records
    that could not be placed at all and are withheld before this step (they are part of the total).
    """
    if k < 2:
        raise ValueError("k must be at least 2")
    released: dict[tuple, list[Record]] = {}
    small_cells: list[list[Record]] = []
    for key, members in _cells(records, qi).items():
        if len(members) >= k:
            released[key] = members
        else:
            small_cells.append(members)
    lifted_ids: set[int] = set()  # ids of the small cells' records released one level up
    if generalise is not None:
        lifted: dict[tuple, list[tuple[int, Record]]] = defaultdict(list)
        for record in (r for members in small_cells for r in members):
            up = generalise(record)
            if up is not None:
                lifted[tuple(up[c] for c in qi)].append((id(record), up))
        for key, pairs in lifted.items():
            if key in released or len(pairs) >= k:
                released.setdefault(key, []).extend(up for _id, up in pairs)
                lifted_ids.update(i for i, _up in pairs)
    withheld = [m for m in small_cells if not all(id(r) in lifted_ids for r in m)]
    suppressed = sum(len(m) for m in small_cells) - len(lifted_ids)
    outcome = Outcome(rows=[_row(m, count_column=count_column, measures=measures) for m in released.values()])
    outcome.rows.sort(key=lambda row: tuple(str(row[c]) for c in qi))
    outcome.released_records = sum(len(m) for m in released.values())
    outcome.suppressed_records = suppressed + unlocated
    outcome.total_records = outcome.released_records + outcome.suppressed_records
    outcome.suppressed_cells = len(withheld) + (1 if unlocated else 0)
    outcome.generalised_records = len(lifted_ids)
    if released:
        outcome.max_risk = 1 / min(len(m) for m in released.values())
        outcome.mean_risk = len(released) / outcome.released_records
    return outcome
