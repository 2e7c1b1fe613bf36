"""The registry of indicators. Each domain app declares its own in its manifest (apps/core/plugins.py);
nothing here knows the domains. An indicator's values arrive as observations per region (see services) and are
rolled up into minute, hour and day buckets and from child regions to their parents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from apps.core.classification import INTERNAL, Label, Public
from apps.core.i18n import localized
from apps.core.registry import Registry

Aggregation = Literal["mean", "sum", "max", "last"]
Rollup = Literal["weighted_mean", "mean", "sum", "max", "own"]
Direction = Literal["high", "low"]


@dataclass(frozen=True)
class PublicWarningPolicy:
    """That an indicator's breach alerts may become a public warning (CAP 1.2, apps/warnings), and how.

    category: the CAP category ("Env", "Health", "Transport", …). event_zh / event_en: what the warning is about,
        in a few words ("空气污染" / "Air pollution").
    automatic: True — a draft waits for approval as soon as an alert of at least `min_severity` opens (or
        escalates to it); False — nothing is drafted unless a person holding `choose_permission` chooses to (a
        health official for a fever-clinic alarm). Publishing always needs a person's approval.
    advice: value → (Chinese, English) instruction to the public, e.g. the AQI category's advice.
    level: value → (rank, Chinese, English) of the value's level, e.g. the AQI category: a published warning is
        updated when its rank rises. None: the alert's severity is the level (warning 1, critical 2).
    expires_after: how long a message stands without a newer one (effective → expires).
    page: the URL name of the public page of the figures, linked from the warning's own public page (the
        message's `web`) as its current readings ("": none).
    """

    category: str
    event_zh: str
    event_en: str
    automatic: bool = True
    choose_permission: str = ""
    min_severity: Literal["warning", "critical"] = "warning"
    advice: Callable[[float | None], tuple[str, str] | None] | None = field(default=None, compare=False)
    level: Callable[[float | None], tuple[int, str, str] | None] | None = field(default=None, compare=False)
    expires_after: timedelta = timedelta(hours=6)
    page: str = ""


@dataclass(frozen=True)
class Indicator:
    """What a number means and when it is bad.

    aggregation: how observations within a bucket combine into the bucket's value.
    rollup: how child regions' values combine into the parent's (weighted_mean uses population, or the
        value of the indicator named by `weight` in each child at the same bucket, e.g. bed occupancy weighed
        by the beds reporting, so the parent's share is occupied / total); "own" when the domain observes
        every region itself (a median, a distinct count: nothing a parent can combine from its children).
    bad_direction: "high" when larger values are worse (congestion), "low" when smaller are (free beds, a
        satisfaction rating): a value breaches a threshold at or beyond it in that direction, and alerts say
        "above" (超过) or "below" (低于) by it (`direction`).
    warning / critical: thresholds in the indicator's unit; a breach must last `min_duration` to alert.
    min_count: the fewest observations behind a value for it to alert; below it no alert opens (an open one
        neither escalates nor refreshes) and tiles say "too few". Counted in the bucket itself, or, when
        `sample` names an indicator, as that indicator's value in the same region and bucket (a mean rating
        recomputed every minute is one observation of the minute, the ratings behind it are another
        indicator). 0: every value counts, as for a sensor's reading, a count or a facility's own figure.
    stale_after: a value older than this is shown dimmed as stale.
    headline: one of its domain's one or two headline figures, a tile on the command wall (the wall keeps to
        6–8 tiles so they read from across the room; CITYOPS_WALL_TILES chooses others). Every indicator is
        a map layer on the wall and a tile on the region pages.
    shown: False for indicators that exist to weigh others (capacity behind an occupancy): kept and rolled
        up, not made tiles or map layers.
    """

    code: str
    domain: str
    name_zh: str
    name_en: str
    unit: str
    aggregation: Aggregation = "mean"
    rollup: Rollup = "weighted_mean"
    bad_direction: Direction = "high"
    warning: float | None = None
    critical: float | None = None
    min_duration: timedelta = timedelta(minutes=5)
    resolve_after: timedelta = timedelta(minutes=15)
    stale_after: timedelta = timedelta(minutes=10)
    decimals: int = 1
    order: int = 100
    weight: str | None = None
    min_count: int = 0
    sample: str | None = None
    headline: bool = False
    shown: bool = True
    # Its short name on a wall tile, chip or map layer: at most ~8 CJK or ~14 Latin characters, so it fits a tile
    # title at 22 px at 1080p. Empty: its name.
    short_zh: str = ""
    short_en: str = ""
    # How a sentence says its unit after a figure, (Chinese, English), for a unit UNIT_WORDS does not know.
    unit_words: tuple[str, str] | None = None
    # Who may see the figure (apps/core/classification.py): only a figure about places that may leave as it is
    # (PUBLIC) is published — on the public truth panel (/public/), in open data, to contests. One about people
    # (visits to a clinic, counts of citizens' reports) or important data stays INTERNAL, for staff. `public_indicators`
    # is the one rule every public surface reads.
    label: Label = INTERNAL
    # What a breach alert should also say, from the domain: (region id, time) → (Chinese, English) or None,
    # e.g. the primary pollutant behind a high AQI.
    explain: Callable[[int, datetime], tuple[str, str] | None] | None = field(default=None, compare=False)
    # Whether its breach alerts may be published to the public as CAP warnings, and how (None: never).
    public_warning: PublicWarningPolicy | None = None

    @property
    def name(self) -> str:
        return localized(self)

    def unit_in(self, language: str) -> str:
        """The unit as a figure is followed by it in a sentence, in Chinese ("zh") or English: "辆" / "veh",
        "分钟" / "min"; "" for scales and indices that are not units (AQI, 0–10, CUSUM) and for counts."""
        zh, en = self.unit_words or UNIT_WORDS.get(self.unit, ("", ""))
        return zh if language == "zh" else en

    def short(self, language: str) -> str:
        """Its name on a wall tile, chip or map layer, in Chinese ("zh") or English."""
        if language == "zh":
            return self.short_zh or self.name_zh
        return self.short_en or self.name_en or self.name_zh

    def unit_shown(self, language: str) -> str:
        """The unit as a tile, axis or table heads a figure with it, in Chinese ("zh") or English: the sentence unit
        where there is one ("辆", "分钟"), else the indicator's own ("AQI", "0–10")."""
        return self.unit_in(language) or self.unit

    @property
    def direction(self) -> Literal["above", "below"]:
        """How a breach reads: "below" the threshold when low values are bad, "above" it otherwise."""
        return "below" if self.bad_direction == "low" else "above"

    def severity(self, value: float | None) -> str:
        """ "critical", "warning" or "normal" for a value ("normal" when unknown)."""
        if value is None:
            return "normal"
        for level, threshold in (("critical", self.critical), ("warning", self.warning)):
            if threshold is not None and (value >= threshold if self.bad_direction == "high" else value <= threshold):
                return level
        return "normal"


# An indicator's unit as a sentence says it after a figure, (Chinese, English). A unit not listed (a scale such as
# "0–10", an index such as AQI or CUSUM, a bare count) is not said after the figure: "拥堵指数超过严重阈值 8（8.4）".
UNIT_WORDS: dict[str, tuple[str, str]] = {
    "veh": ("辆", "veh"),
    "h": ("小时", "h"),
    "min": ("分钟", "min"),
    "beds": ("张", "beds"),
    "%": ("%", "%"),
    "km/h": ("km/h", "km/h"),
    "µg/m³": ("µg/m³", "µg/m³"),
    "dB(A)": ("dB(A)", "dB(A)"),
    "/5": ("分", "/5"),
}

# Filled from the apps' manifests (apps/core/plugins.py); tests add synthetic ones with `override`.
indicator_registry: Registry[Indicator] = Registry("indicator", key=lambda i: i.code)


def get_indicator(code: str) -> Indicator | None:
    return indicator_registry.get(code)


def indicators(*, include_hidden: bool = False) -> list[Indicator]:
    """The registered indicators in display order; those not `shown` only when asked for."""
    chosen = [i for i in indicator_registry if include_hidden or i.shown]
    return sorted(chosen, key=lambda i: (i.order, i.domain, i.code))


def public_indicators() -> list[Indicator]:
    """The figures the city publishes: shown, about places (not personal), public as they are by their label."""
    return [i for i in indicators() if i.label.public == Public.AS_IS and not i.label.is_personal]
