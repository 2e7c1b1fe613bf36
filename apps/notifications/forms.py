from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Send me notifications by e-mail"), required=False)
    language = forms.ChoiceField(label=_("Language of e-mail"), required=False,
                                 choices=[("", _("the site's language")), *settings.LANGUAGES])  # fmt: skip
    quiet_start = forms.TimeField(label=_("Quiet hours from"), required=False, widget=forms.TimeInput(format="%H:%M"))
    quiet_end = forms.TimeField(label=_("Quiet hours until"), required=False, widget=forms.TimeInput(format="%H:%M"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None) and not self.errors:
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        if start is not None and start == end:
            raise forms.ValidationError(_("Quiet hours must end at another time than they start."))
        return data
