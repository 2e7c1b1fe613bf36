"""How far each data source's figures held up on site, shown next to the source's data on the domain pages.

The numbers come from in-person verdicts; the app that records them (field work) declares a provider, so
the domain pages ask here and know nothing of field work. Without a provider nothing is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypedDict

from apps.core.registry import Registry, qualified_name


class SourceTrust(TypedDict):
    """A data source's record on site over the last `days`, as the domain pages show it
    (templates/indicators/_source_trust.html). A provider's rows may hold more."""

    code: str
    name_zh: str
    name_en: str
    days: int
    alerts: int  # its alerts in those days …
    verified: int  # … given an in-person verdict
    coverage: float | None  # verified / alerts
    checks: int  # decisive verdicts on it
    contradicted: int
    trust: float | None  # None: nobody has looked yet
    trust_percent: int | None
    trust_level: str  # "high", "medium", "low" or "unchecked"
    days_since_check: int | None


# `provider(domain) -> [SourceTrust, …]`, named by its dotted path; declared in the providing app's manifest
# (`trust_sources`).
SourceTrustProvider = Callable[[str], Sequence[SourceTrust]]
trust_registry: Registry[SourceTrustProvider] = Registry("trust source", key=qualified_name)


def source_trust(domain: str) -> list[SourceTrust]:
    return [row for provider in trust_registry for row in provider(domain)]
