"""The public warnings in force, for a public page of the figures they warn of (the AQI page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from apps.warnings.selectors import warnings_in_force

register = template.Library()


@register.inclusion_tag("warnings/_in_force_banner.html")
def public_warnings_in_force() -> dict[str, Any]:
    """A banner linking each warning in force (its page) and the index of them; nothing when none is."""
    zh = get_language() == "zh-hans"
    return {"rows": [(w, w.zh if zh else w.en) for w in warnings_in_force()]}
