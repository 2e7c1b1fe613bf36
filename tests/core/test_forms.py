"""form_apply_errors: the one way a page shows a service's ApplicationError on the form that sent the input."""

from __future__ import annotations

from django import forms

from apps.core.errors import ApplicationError
from apps.core.forms import form_apply_errors


class ReportForm(forms.Form):
    description = forms.CharField(required=False)
    address = forms.CharField(required=False)
    photos = forms.CharField(required=False)


def bound() -> ReportForm:
    form = ReportForm({})
    assert form.is_valid()
    return form


def test_field_messages_go_next_to_their_fields_and_the_sentence_on_top():
    form = bound()

    form_apply_errors(form, ApplicationError("the report could not be taken", fields={"description": ["say more"]}))

    assert form.errors == {"__all__": ["the report could not be taken"], "description": ["say more"]}


def test_a_field_the_form_names_otherwise_goes_to_that_field_and_a_row_to_its_list():
    form = bound()
    error = ApplicationError("no", fields={"location": ["outside the city"], "photos[1]": ["not a photo"]})

    form_apply_errors(form, error, aliases={"location": "address"})

    assert form.errors == {"__all__": ["no"], "address": ["outside the city"], "photos": ["not a photo"]}


def test_messages_of_fields_the_form_does_not_have_go_on_top():
    form = bound()

    form_apply_errors(form, ApplicationError("refused", fields={"status": ["too late"], "score": ["refused"]}))

    assert form.errors == {"__all__": ["refused", "too late"]}


def test_an_error_without_fields_is_its_sentence_on_top():
    form = bound()

    form_apply_errors(form, ApplicationError("this report has been rated already"))

    assert form.errors == {"__all__": ["this report has been rated already"]}
    assert not form.is_valid()
