from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.text import clean_text

MAX_EXPORT = 50  # visits in one package


class RevokeForm(forms.Form):
    device = forms.IntegerField(min_value=1, max_value=10**12 - 1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why (kept in the audit trail)"), max_length=300)

    def clean_reason(self) -> str:
        reason = clean_text(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(_("Say why the device is revoked."))
        return reason


class ExportForm(forms.Form):
    visits = forms.CharField(
        label=_("Visit UUIDs"),
        widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text=_("One or more, separated by spaces or new lines (at most %(n)s).") % {"n": MAX_EXPORT},
    )
    purpose = forms.CharField(label=_("Purpose (kept in the audit trail)"), max_length=200)

    def clean_visits(self) -> list[uuid.UUID]:
        found: list[uuid.UUID] = []
        for word in self.cleaned_data["visits"].replace(",", " ").split():
            try:
                found.append(uuid.UUID(word))
            except ValueError:
                raise forms.ValidationError(_("%(word)s is not a visit UUID.") % {"word": word[:60]}) from None
        if not found:
            raise forms.ValidationError(_("Give at least one visit UUID."))
        if len(set(found)) > MAX_EXPORT:
            raise forms.ValidationError(_("At most %(n)s visits in one package.") % {"n": MAX_EXPORT})
        return list(dict.fromkeys(found))

    def clean_purpose(self) -> str:
        purpose: Any = clean_text(self.cleaned_data["purpose"]).strip()
        if not purpose:
            raise forms.ValidationError(_("Say why the package is made."))
        return str(purpose)
