"""Reading an address list (CSV) for `manage.py import_addresses`: every row checked before anything is written.

Columns, by name in the first row: `address` (the address in Chinese), `lon` and `lat` (WGS84 degrees), and
optionally `address_en`. UTF-8 (with or without a byte-order mark) or, as Excel saves it in China, GB 18030.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from apps.core.errors import ApplicationError

REQUIRED = ("address", "lon", "lat")
OPTIONAL = ("address_en",)
TEXT_MAX = 200
PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class AddressRow:
    line: int  # in the file, the header being line 1
    text_zh: str
    text_en: str
    lon: float
    lat: float


class AddressFileError(ApplicationError):
    """The file cannot be imported: `problems` holds one line per thing wrong (at most PROBLEMS_SHOWN)."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:PROBLEMS_SHOWN]
        if len(problems) > PROBLEMS_SHOWN:
            shown.append(f"… and {len(problems) - PROBLEMS_SHOWN} more")
        super().__init__("; ".join(shown))
        self.problems = shown


def address_rows_read(path: str | Path) -> list[AddressRow]:
    """Every row of the CSV at `path`, checked. Raises AddressFileError naming each bad row (and nothing is
    returned then): a missing column, an empty or too long address, a coordinate that is not a number or off
    the globe, an address listed twice."""
    reader = csv.DictReader(io.StringIO(_text(Path(path))))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(columns) or "none"
        raise AddressFileError([f"the first row must name the columns {', '.join(missing)} (it names: {found})"])
    rows: list[AddressRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}  # address → its line
    for number, raw in enumerate(reader, start=2):
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        if not any(values.values()):
            continue  # a blank line
        row, wrong = _row(number, values)
        if row is not None and row.text_zh in seen:
            first = seen[row.text_zh]
            wrong.append(f"line {number}: the address {row.text_zh!r} is listed again (first on line {first})")
        problems += wrong
        if row is not None and not wrong:
            seen[row.text_zh] = number
            rows.append(row)
    if problems:
        raise AddressFileError(problems)
    if not rows:
        raise AddressFileError(["the file holds no address"])
    return rows


def _text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AddressFileError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AddressFileError([f"{path} is neither UTF-8 nor GB 18030 text: save it as CSV UTF-8"])


def _row(number: int, values: dict[str, str]) -> tuple[AddressRow | None, list[str]]:
    problems = []
    text_zh, text_en = values.get("address", ""), values.get("address_en", "")
    if not text_zh:
        problems.append(f"line {number}: the address is empty")
    for name, text in (("address", text_zh), ("address_en", text_en)):
        if len(text) > TEXT_MAX:
            problems.append(f"line {number}: {name} is {len(text)} characters long, at most {TEXT_MAX}")
    lon = _degrees(values.get("lon", ""), limit=180)
    lat = _degrees(values.get("lat", ""), limit=90)
    for name, value, limit in (("lon", lon, 180), ("lat", lat, 90)):
        if value is None:
            problems.append(f"line {number}: {name} {values.get(name, '')!r} is not a number from -{limit} to {limit}")
    if lon is None or lat is None or problems:
        return None, problems
    return AddressRow(line=number, text_zh=text_zh, text_en=text_en, lon=lon, lat=lat), problems


def _degrees(text: str, *, limit: float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None
