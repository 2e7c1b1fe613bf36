"""How far each data source's figures held up on site, shown next to the source's data on the domain pages.

The numbers come from in-person verdicts; the app that records them (field work) declares a provider, so
the domain pages ask here and know nothing of field work. Without a provider nothing is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.core.registry import Registry, qualified_name

# `provider(domain) -> [{code, name_zh, name_en, trust, trust_level, checks, contradicted, ...}]`, named by its
# dotted path; declared in the providing app's manifest (`trust_sources`).
SourceTrustProvider = Callable[[str], list[dict[str, Any]]]
trust_registry: Registry[SourceTrustProvider] = Registry("trust source", key=qualified_name)


def source_trust(domain: str) -> list[dict[str, Any]]:
    return [row for provider in trust_registry for row in provider(domain)]
