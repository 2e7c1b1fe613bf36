from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.grievances.models import Category
from apps.grievances.services import ADDRESS_MAX, DESCRIPTION_MAX, EMAIL_MAX, NAME_MAX, PHONE_MAX


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is the problem"))
    # What is typed is checked where every channel's report is (services.grievance_submit); the form takes it.
    description = forms.CharField(
        label=_("Describe it"), widget=forms.Textarea(attrs={"rows": 4, "maxlength": DESCRIPTION_MAX})
    )
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Or the address"), required=False, widget=forms.TextInput(attrs={"maxlength": ADDRESS_MAX})
    )
    name = forms.CharField(label=_("Your name"), required=False, widget=forms.TextInput(attrs={"maxlength": NAME_MAX}))
    phone = forms.CharField(
        label=_("Phone"), required=False, widget=forms.TextInput(attrs={"maxlength": PHONE_MAX, "inputmode": "tel"})
    )
    email = forms.CharField(label=_("Email"), required=False, widget=forms.EmailInput(attrs={"maxlength": EMAIL_MAX}))
    photo = forms.FileField(label=_("Photo"), required=False)
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `fields` is typed as plain Field: this one is declared a ChoiceField above.
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", "—")] + [
            (c.code, c.name) for c in Category.objects.filter(active=True).order_by("order", "code")
        ]


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


class WorkbenchActionForm(forms.Form):
    """What the workbench's action buttons post; each action reads the fields it needs: a message (a transition,
    a reply, an escalation), whether a reply is public, the colleague to assign, the report to merge into, the
    confirmation box of the danger zone. A field that is not valid is left out (the action then says what it
    needs: "choose a colleague of the department")."""

    message = forms.CharField(required=False)
    # "1" or nothing, as the page's buttons and box send them ("0": an internal note; anything else: left out).
    # empty_value may be any value (Django); django-stubs 6.1.2 types it as str | None.
    public = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce="1".__eq__,
        empty_value=False,  # type: ignore[arg-type]
        required=False,
    )
    confirm = forms.TypedChoiceField(
        choices=[("1", "1")],
        coerce="1".__eq__,
        empty_value=False,  # type: ignore[arg-type]
        required=False,
    )
    assignee = forms.IntegerField(required=False, min_value=1, max_value=10**12 - 1)
    into = forms.CharField(required=False)
