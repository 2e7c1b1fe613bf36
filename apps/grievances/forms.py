from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.grievances.models import Category

PHONE = re.compile(r"^\+?[\d\s-]{5,20}$")


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is the problem"))
    description = forms.CharField(label=_("Describe it"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Or the address"), max_length=200, required=False)
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), max_length=200, required=False)
    photo = forms.FileField(label=_("Photo"), required=False)
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = [("", "—")] + [
            (c.code, c.name) for c in Category.objects.filter(active=True).order_by("order", "code")
        ]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("digits, spaces, + and - only"))
        return phone


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How well was it solved"), coerce=int, choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )  # fmt: skip
    comment = forms.CharField(
        label=_("Comment"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("What is still wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
