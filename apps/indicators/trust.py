"""How far each data source's figures held up on site, shown next to the source's data on the domain pages.

The numbers come from in-person verdicts; the app that records them (field work) registers a provider, so
the domain pages ask here and know nothing of field work. Without a provider nothing is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SourceTrustProvider = Callable[[str], list[dict[str, Any]]]
_PROVIDERS: list[SourceTrustProvider] = []


def register_source_trust(provider: SourceTrustProvider) -> None:
    """`provider(domain) -> [{code, name_zh, name_en, trust, trust_level, checks, contradicted, ...}]`."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def source_trust(domain: str) -> list[dict[str, Any]]:
    return [row for provider in _PROVIDERS for row in provider(domain)]
