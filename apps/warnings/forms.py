"""The approval form: the draft's texts, edited within limits, parsed into WarningTexts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.masking import mask_text, visible_text
from apps.core.text import clean_text
from apps.warnings.models import DESCRIPTION_MAX, HEADLINE_MAX, INSTRUCTION_MAX
from apps.warnings.services import WarningTexts


def _text(label: Any, limit: int, *, required: bool = True, rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(attrs={"size": 60})
    return forms.CharField(label=label, max_length=limit, required=required, widget=widget, strip=True)


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve and publish")), ("decline", _("Decline"))])
    headline_zh = _text(_("Headline (Chinese)"), HEADLINE_MAX)
    headline_en = _text(_("Headline (English)"), HEADLINE_MAX)
    description_zh = _text(_("Description (Chinese)"), DESCRIPTION_MAX, rows=3)
    description_en = _text(_("Description (English)"), DESCRIPTION_MAX, rows=3)
    instruction_zh = _text(_("Instruction to the public (Chinese)"), INSTRUCTION_MAX, required=False, rows=2)
    instruction_en = _text(_("Instruction to the public (English)"), INSTRUCTION_MAX, required=False, rows=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in WarningTexts.FIELDS:
            if name not in data:
                continue
            data[name] = clean_text(data[name])
            if self.fields[name].required and not data[name]:
                self.add_error(name, _("This field is required."))
            elif mask_text(data[name]) != visible_text(data[name]):
                # A warning goes to everyone: a phone, ID or card number, an e-mail or a plate has no place in it.
                self.add_error(name, _("This looks like personal data (a phone, ID number, e-mail…): leave it out."))
        return data

    def texts(self) -> WarningTexts:
        return WarningTexts(**{name: self.cleaned_data[name] for name in WarningTexts.FIELDS})
