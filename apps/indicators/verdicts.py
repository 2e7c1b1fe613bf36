"""What field verdicts say about the screen, as one rule for every figure built from them.

The wall's ground truth (apps/dashboards) and the data sources' trust scores (apps/fieldwork) both weigh
verdicts; both apps read indicators, so the rule lives here and neither reads the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from apps.indicators.models import Alert

# How far each verdict that decided something bore the screen out: "partly" counts half. "Could not verify"
# decided nothing and counts in neither figure.
AGREEMENT: dict[str, float] = {
    Alert.Verdict.CONFIRMED: 1.0,
    Alert.Verdict.PARTLY: 0.5,
    Alert.Verdict.CONTRADICTED: 0.0,
}


def verdicts_agreeing(counts: Mapping[str, int]) -> float:
    """Of {verdict: how many}, how many bore the screen out, partly counting half."""
    return sum(AGREEMENT.get(verdict, 0.0) * n for verdict, n in counts.items())


def verdicts_decided(counts: Mapping[str, int]) -> int:
    """Of {verdict: how many}, how many decided something (confirmed, partly or contradicted)."""
    return sum(n for verdict, n in counts.items() if verdict in AGREEMENT)
