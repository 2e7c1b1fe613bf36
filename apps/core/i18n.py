"""Bilingual model names: every named entity stores name_zh and name_en."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language


def localized(obj: Any, field: str = "name") -> str:
    """obj.<field>_zh or obj.<field>_en (or a dict's keys) by the active language, falling back to the other."""
    if isinstance(obj, dict):
        zh, en = obj.get(f"{field}_zh") or "", obj.get(f"{field}_en") or ""
    else:
        zh, en = getattr(obj, f"{field}_zh", "") or "", getattr(obj, f"{field}_en", "") or ""
    if (get_language() or "zh-hans").startswith("zh"):
        return zh or en
    return en or zh
