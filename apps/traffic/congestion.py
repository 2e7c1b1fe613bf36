"""The congestion index: 0 (free flow) to 10 (standstill) from the travel-time ratio.

Travel-time ratio TTI = free-flow speed ÷ observed speed (how much longer a trip takes than at free
flow). Index = 10 × min(1, (TTI − 1) ÷ 2): free flow is 0, twice the free-flow travel time is 5, three
times or worse is 10. Bands, as in Chinese city traffic reports: 0–2 smooth (畅通), 2–4 basically smooth
(基本畅通), 4–6 light congestion (轻度拥堵), 6–8 moderate (中度拥堵), 8–10 severe (严重拥堵).
"""

from __future__ import annotations

BANDS = [(2, "smooth"), (4, "basically_smooth"), (6, "light"), (8, "moderate"), (10, "severe")]
STANDSTILL_KMH = 1.0  # below this a queue is standing: the ratio is capped rather than infinite


def congestion_index(*, speed_kmh: float, free_flow_kmh: float) -> float:
    ratio = free_flow_kmh / max(speed_kmh, STANDSTILL_KMH)
    return round(10 * min(1.0, max(0.0, (ratio - 1) / 2)), 2)


def congestion_band(index: float) -> str:
    for upper, name in BANDS:
        if index <= upper:
            return name
    return "severe"
