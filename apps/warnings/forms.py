"""The approval form: the draft's texts, edited within limits, parsed into WarningTexts."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from apps.core.masking import mask_text, visible_text
from apps.core.text import clean_text
from apps.warnings.models import DECLINE_REASON_MAX, DESCRIPTION_MAX, HEADLINE_MAX, INSTRUCTION_MAX
from apps.warnings.services import WarningTexts

# What XML 1.0 cannot carry, or carries only to no one's benefit in a public text: C0 controls but tab and line
# breaks, lone surrogates, and the Unicode non-characters (U+FDD0–U+FDEF, and U+FFFE / U+FFFF of every plane; the
# last two make a document not well-formed, and a published message is never changed).
NOT_PUBLISHABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)


def publishable(value: str) -> None:
    """ValidationError for a character that has no place in a published XML text."""
    if NOT_PUBLISHABLE.search(value or ""):
        raise ValidationError(
            _("This text holds a character that cannot be published (a control character or a non-character)."),
            code="not_publishable",
        )


def holds_personal_data(text: str) -> bool:
    """The one mask of free text (apps/core/masking.py) finds something to hide, in the text or in what a reader of
    its rendered markup sees (139 <b>1234</b> 5678)."""
    return any(mask_text(t) != visible_text(t) for t in {text, strip_tags(text)})


def _text(label: Any, limit: int, *, required: bool = True, rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, "cols": 80}) if rows else forms.TextInput()
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=widget, strip=True, validators=[publishable]
    )


class ApprovalForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve and publish")), ("decline", _("Decline"))])
    # The level of the draft the page showed: approving after the alert got worse (and the draft was drafted anew)
    # is refused, so no one publishes texts they did not see.
    level = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=100)
    headline_zh = _text(_("Headline (Chinese)"), HEADLINE_MAX)
    headline_en = _text(_("Headline (English)"), HEADLINE_MAX)
    description_zh = _text(_("Description (Chinese)"), DESCRIPTION_MAX, rows=5)
    description_en = _text(_("Description (English)"), DESCRIPTION_MAX, rows=6)
    instruction_zh = _text(_("Instruction to the public (Chinese)"), INSTRUCTION_MAX, required=False, rows=3)
    instruction_en = _text(_("Instruction to the public (English)"), INSTRUCTION_MAX, required=False, rows=4)
    # Required when declining (the service refuses a decline without one); kept and audited.
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=DECLINE_REASON_MAX, required=False, strip=True,
        widget=forms.TextInput(attrs={"maxlength": DECLINE_REASON_MAX}),
    )  # fmt: skip

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and self.data.get("decision") == "decline" and not self.errors.get("reason"):
            # A decline publishes nothing: the texts' checks do not stand in its way, only the reason does.
            cleaned = getattr(self, "cleaned_data", {})
            if not cleaned.get("reason"):
                self.add_error("reason", _("Say in a few words why it is not published."))
            for name in WarningTexts.FIELDS:
                self.errors.pop(name, None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in WarningTexts.FIELDS:
            if name not in data:
                continue
            data[name] = clean_text(data[name])
            if self.fields[name].required and not data[name]:
                self.add_error(name, _("This field is required."))
            elif holds_personal_data(data[name]):
                # A warning goes to everyone: a phone, ID or card number, an e-mail or a plate has no place in it.
                self.add_error(name, _("This looks like personal data (a phone, ID number, e-mail…): leave it out."))
        return data

    def texts(self) -> WarningTexts:
        return WarningTexts(**{name: self.cleaned_data[name] for name in WarningTexts.FIELDS})

    def shown_level(self) -> int | None:
        level = self.cleaned_data.get("level")
        return level if isinstance(level, int) else None
