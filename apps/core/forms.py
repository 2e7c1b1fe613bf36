"""Domain errors on Django forms: the one way a page shows an ApplicationError."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from apps.core.errors import ApplicationError


def form_apply_errors(
    form: forms.BaseForm, error: ApplicationError, *, aliases: Mapping[str, str] | None = None
) -> None:
    """Put a service's ApplicationError on the form that sent its input.

    The error's sentence goes on top (a non-field error: it says what went wrong, where a field's message may be
    a single word). Each field's messages go next to that field when the form has it — under its own name, its
    list's name for a row (`photos[1]` → `photos`), or the form field `aliases` names for it; messages of fields
    the form does not have go on top after the sentence."""
    form.add_error(None, error.message)
    for field, messages in error.fields.items():
        row_of = field.split("[")[0]  # "photos[1]": a row of the list field "photos"
        name = next((n for n in (field, row_of, (aliases or {}).get(row_of)) if n in form.fields), None)
        for message in messages:
            if name is not None:
                form.add_error(name, message)
            elif message != error.message:
                form.add_error(None, message)
