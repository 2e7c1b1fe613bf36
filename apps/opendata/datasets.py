"""The registry of open datasets: what each publishes (counts only), its data dictionary and its
quasi-identifiers, and how its rows are built. Another app can declare a dataset of its own in
its manifest (`datasets`, apps/core/plugins.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apps.core.i18n import localized
from apps.core.registry import Registry
from apps.opendata import selectors
from apps.opendata.anonymize import Outcome, k_anonymise

LICENSE: dict[str, str] = {
    "id": "CC-BY-4.0",
    "name": "Creative Commons Attribution 4.0 International",
    "name_zh": "知识共享署名 4.0 国际许可协议",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution_zh": "数据来源：CityOps 城市运行管理中心开放数据（经去标识化处理）",
    "attribution_en": "Source: CityOps city operations center open data (de-identified)",
}

# The public figures only (apps/indicators/registry.py public_indicators: their labels decide): healthcare counts
# people (fever-clinic visits, patients waiting) and the grievance indicators are counts of the same reports as the
# reports dataset, so a district's daily total next to the released cells would give back the suppressed ones by
# subtraction; neither is labelled public.


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "date", "string", "integer", "number"
    zh: str
    en: str


@dataclass(frozen=True)
class Dataset:
    """personal: its records are about people, so k-anonymity applies to `quasi_identifiers`; count_column
    holds each row's number of records. build(start, end, k) → (outcome, geometry by `geometry_column` value)."""

    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    source: str
    personal: bool
    quasi_identifiers: tuple[str, ...]
    columns: tuple[Column, ...]
    count_column: str
    geometry_column: str
    build: Callable[[datetime, datetime, int], tuple[Outcome, dict[str, dict]]]

    @property
    def name(self) -> str:
        return localized(self)

    @property
    def description(self) -> str:
        return localized(self, "description")

    def metadata(self) -> dict[str, Any]:
        return {
            "code": self.code, "name_zh": self.name_zh, "name_en": self.name_en,
            "description_zh": self.description_zh, "description_en": self.description_en, "source": self.source,
            "personal": self.personal, "quasi_identifiers": list(self.quasi_identifiers),
            "count_column": self.count_column,
            "dictionary": [{"name": c.name, "type": c.type, "zh": c.zh, "en": c.en} for c in self.columns],
            "license": LICENSE,
        }  # fmt: skip


def _dataset_code(dataset: Dataset) -> str:
    if dataset.code == "releases":
        raise ValueError("'releases' is the stewards' page, not a dataset code")
    return dataset.code


dataset_registry: Registry[Dataset] = Registry("open dataset", key=_dataset_code)


def get_dataset(code: str) -> Dataset | None:
    return dataset_registry.get(code)


def datasets() -> list[Dataset]:
    return sorted(dataset_registry, key=lambda d: d.code)


# --- The built-in datasets --------------------------------------------------------------------------------------

DATE = Column("date", "date", "日期（本地时间，按日汇总）", "day (local time; times are generalised to the day)")


def _area_columns(prefix: str, zh: str, en: str) -> tuple[Column, ...]:
    return (
        Column(f"{prefix}_code", "string", f"{zh}代码", f"{en} code"),
        Column(f"{prefix}_name_zh", "string", f"{zh}名称（中文）", f"{en} name (Chinese)"),
        Column(f"{prefix}_name_en", "string", f"{zh}名称（英文）", f"{en} name (English)"),
    )


def _build_grievances(start: datetime, end: datetime, k: int) -> tuple[Outcome, dict[str, dict]]:
    records, unlocated, geometries = selectors.grievance_records(start=start, end=end)
    outcome = k_anonymise(records, qi=GRIEVANCES.quasi_identifiers, k=k, count_column="reports",
                          measures=("resolved",), generalise=selectors.grievance_generalise,
                          unlocated=unlocated)  # fmt: skip
    return outcome, geometries


def _build_findings(start: datetime, end: datetime, k: int) -> tuple[Outcome, dict[str, dict]]:
    records, unlocated, geometries = selectors.finding_records(start=start, end=end)
    outcome = k_anonymise(records, qi=FIELD_VISITS.quasi_identifiers, k=k, count_column="findings",
                          unlocated=unlocated)  # fmt: skip
    return outcome, geometries


def _build_indicators(start: datetime, end: datetime, k: int) -> tuple[Outcome, dict[str, dict]]:
    rows, geometries = selectors.indicator_rows(start=start, end=end)
    return Outcome(rows=rows, total_records=len(rows), released_records=len(rows)), geometries


GRIEVANCES = Dataset(
    code="citizen-reports",
    name_zh="市民诉求数量",
    name_en="Citizen reports",
    description_zh="每日每类诉求在每个街道（无街道时为约1公里网格）的数量及其中已办结的数量。不含任何个人信息、"
    "诉求内容或精确位置；少于 k 件的组合先合并到所在区，仍少于 k 件的不予发布。",
    description_en="Reports per day, category and street (or a ~1 km grid cell where there is no street), "
    "and how many of them are resolved. No personal data, no report text, no exact position; combinations of "
    "fewer than k reports are first merged into their district and withheld if still fewer than k.",
    source="grievances",
    personal=True,
    quasi_identifiers=("date", "category", "area_code"),
    columns=(
        DATE,
        Column("category", "string", "诉求类别代码", "report category code"),
        Column("category_name_zh", "string", "诉求类别（中文）", "report category (Chinese)"),
        Column("category_name_en", "string", "诉求类别（英文）", "report category (English)"),
        Column(
            "area_kind",
            "string",
            "区域类型：street 街道、grid 网格、district 区（小数量合并）",
            "kind of area: street, grid (0.01° cell) or district (small counts merged)",
        ),  # fmt: skip
        *_area_columns("area", "区域", "area"),
        Column("reports", "integer", "诉求件数（不少于 k）", "number of reports (at least k)"),
        Column("resolved", "integer", "其中发布时已办结的件数", "of which resolved or closed at release time"),
    ),
    count_column="reports",
    geometry_column="area_code",
    build=_build_grievances,
)


FIELD_VISITS = Dataset(
    code="field-findings",
    name_zh="现场核查结论数量",
    name_en="Field verification findings",
    description_zh="每日每区经审核通过的现场走访的核查结论数量（属实、不属实、部分属实、无法核实）。"
    "不含工作人员、走访对象或位置；少于 k 条的组合不予发布。",
    description_en="Findings of accepted field visits per day, district and verdict (confirmed, contradicted, "
    "partly, could not verify). No officers, no people met, no positions; combinations of fewer than k "
    "findings are withheld.",
    source="fieldwork",
    personal=True,
    quasi_identifiers=("date", "district_code", "verdict"),
    columns=(
        DATE,
        *_area_columns("district", "区", "district"),
        Column(
            "verdict",
            "string",
            "结论：confirmed 属实、contradicted 不属实、partly 部分属实、could_not_verify 无法核实",
            "verdict: confirmed, contradicted, partly or could_not_verify",
        ),
        Column("findings", "integer", "结论条数（不少于 k）", "number of findings (at least k)"),
    ),  # fmt: skip
    count_column="findings",
    geometry_column="district_code",
    build=_build_findings,
)


INDICATORS = Dataset(
    code="district-indicators",
    name_zh="各区每日运行指标",
    name_en="Daily district indicators",
    description_zh="交通与环境监测指标在每个区的日值（传感器汇总，不涉及个人，k 不适用）。",
    description_en="Daily values of the traffic and environment indicators for every district (aggregates "
    "of sensor readings, not about people: k does not apply).",
    source="indicators",
    personal=False,
    quasi_identifiers=(),
    columns=(
        DATE,
        Column("indicator", "string", "指标代码", "indicator code"),
        Column("indicator_name_zh", "string", "指标名称（中文）", "indicator name (Chinese)"),
        Column("indicator_name_en", "string", "指标名称（英文）", "indicator name (English)"),
        Column("unit", "string", "单位", "unit"),
        *_area_columns("district", "区", "district"),
        Column("value", "number", "日值（按指标的汇总方式）", "the day's value (by the indicator's aggregation)"),
        Column("observations", "integer", "观测次数", "number of observations"),
    ),
    count_column="observations",
    geometry_column="district_code",
    build=_build_indicators,
)
