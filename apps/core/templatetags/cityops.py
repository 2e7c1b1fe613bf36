"""Template helpers shared by every app."""

from __future__ import annotations

from typing import Any

from django import template

from apps.core.i18n import localized as _localized

register = template.Library()


@register.filter
def localized(obj: Any, field: str = "name") -> str:
    """`obj.<field>_zh` or `obj.<field>_en` by the active language: {{ category|localized:"advice" }}."""
    return _localized(obj, field) if obj is not None else ""


@register.filter
def masked(text: str) -> str:
    """Free text with phone numbers, e-mails and ID numbers masked (apps/core/classification.py `mask_text`)."""
    from apps.core.classification import mask_text

    return mask_text(str(text or ""))
