"""{% source_trust "environment" %}: each of a domain's data sources with how its figures held up on site."""

from __future__ import annotations

from typing import Any

from django import template

from apps.indicators.trust import source_trust as _source_trust

register = template.Library()


@register.inclusion_tag("indicators/_source_trust.html")
def source_trust(domain: str) -> dict[str, Any]:
    return {"sources": _source_trust(domain)}
