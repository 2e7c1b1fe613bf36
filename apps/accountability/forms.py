from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accountability.services import CONTACT_MAX, TEXT_MAX


class ContestForm(forms.Form):
    """A visitor's contest, from the panel (a figure of the region shown) or the tracking page (a resolution)."""

    indicator = forms.CharField(required=False, widget=forms.HiddenInput)
    region = forms.CharField(required=False, widget=forms.HiddenInput)
    report_code = forms.CharField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("What do you see?"),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX}),
        max_length=TEXT_MAX + 200,  # the service counts the cleaned text and says so by field
    )
    contact = forms.CharField(
        label=_("Phone or e-mail, if you want to be called back (optional)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": CONTACT_MAX, "autocomplete": "tel"}),
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))


class ContestLookupForm(forms.Form):
    code = forms.CharField(label=_("Contest code"), max_length=32)
