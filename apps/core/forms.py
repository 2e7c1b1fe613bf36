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
    a single word). Each field's messages go next to that field when the form has it — under its own name, or
    the form field `aliases` names for it (looked up without a row index: `photos[1]` → `photos`); messages of
    fields the form does not have go on top after the sentence."""
    form.add_error(None, error.message)
    for field, messages in error.fields.items():
        name = field if field in form.fields else (aliases or {}).get(field.split("[")[0])
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            elif message != error.message:
                form.add_error(None, message)
