"""Everything a user reads exists in both languages.

Every model's names, fields, choices and every admin column, filter and action read differently in
Simplified Chinese and English (unless the label is a code, unit or proper name both languages write alike).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path, label_for_field
from django.utils import translation

# Labels that read the same in both languages: codes, units, standards and proper names.
SAME_IN_BOTH = {
    "CSV",
    "JSON",
    "GeoJSON",
    "ID",
    "Open311",
    "SHA-256",
    "TOTP",
    "URL",
    "UUID",
}


def _both(text: Any) -> tuple[str, str]:
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return zh, en


def _labels() -> Iterator[tuple[str, Any]]:
    """(where, label) of every model name, field name and choice of the project's models."""
    for model in apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        name = model.__name__
        yield name, model._meta.verbose_name
        yield f"{name} (plural)", model._meta.verbose_name_plural
        for field in model._meta.get_fields():
            if field.auto_created or not hasattr(field, "verbose_name"):
                continue
            yield f"{name}.{field.name}", field.verbose_name
            for value, label in getattr(field, "flatchoices", None) or []:
                yield f"{name}.{field.name} = {value!r}", label


def _admin_labels() -> Iterator[tuple[str, Any]]:
    """(where, label) of every admin list column, list filter and action."""
    for model, model_admin in admin.site._registry.items():
        name = f"admin {model.__name__}"
        for column in model_admin.list_display:
            if column != "__str__":
                yield f"{name} column {column}", label_for_field(column, model, model_admin)
        for list_filter in model_admin.list_filter:
            if isinstance(list_filter, str | tuple):  # a field path: the admin titles it by its last field
                path = list_filter if isinstance(list_filter, str) else list_filter[0]
                yield f"{name} filter {path}", get_fields_from_path(model, path)[-1].verbose_name
            else:
                yield f"{name} filter {list_filter.__name__}", getattr(list_filter, "title", "")
        for action in model_admin.actions or []:
            if callable(action):
                yield f"{name} action {action.__name__}", getattr(action, "short_description", action.__name__)


def _untranslated(labels: Iterator[tuple[str, Any]]) -> list[str]:
    found = []
    for where, label in labels:
        zh, en = _both(label)
        if zh == en and any(c.isalpha() for c in en) and en not in SAME_IN_BOTH:
            found.append(f"{where}: {en!r}")
    return found


def test_every_model_field_and_choice_reads_differently_in_chinese_and_english():
    assert _untranslated(_labels()) == []


def test_every_admin_column_filter_and_action_reads_differently_in_chinese_and_english():
    assert _untranslated(_admin_labels()) == []
