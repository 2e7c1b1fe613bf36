from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.selectors import regions_scope
from apps.regions.models import Region


class PlanForm(forms.Form):
    """Planned visits to a community: where, when, how often, what to bring back, who (or automatic)."""

    region = forms.ChoiceField(label=_("Community or street"))
    due_at = forms.DateTimeField(
        label=_("Due"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    weeks = forms.IntegerField(label=_("Weeks in a row"), min_value=1, max_value=12, initial=1,
                               help_text=_("1 for a single visit; more for the same visit every week."))  # fmt: skip
    evidence = forms.CharField(label=_("What to look at and bring back"), max_length=300, required=False)
    assignee = forms.ChoiceField(label=_("Officer"), required=False)

    def __init__(self, *args: Any, user: Any, officers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = regions_scope(Region.objects.filter(level__in=[Region.Level.STREET, Region.Level.COMMUNITY]),
                              user=user, field="pk").select_related("parent").order_by("path")  # fmt: skip
        groups: dict[str, list[tuple[str, str]]] = {}
        for area in areas:
            district = area.parent if area.level == Region.Level.STREET else area.parent.parent if area.parent else None
            label = str(district.name) if district else ""
            indent = "　" if area.level == Region.Level.COMMUNITY else ""
            groups.setdefault(label, []).append((area.code, f"{indent}{area.name}"))
        # `fields` is typed as plain Field: these are declared a ChoiceField above.
        cast(forms.ChoiceField, self.fields["region"]).choices = [("", "—")] + list(groups.items())
        assignee = cast(forms.ChoiceField, self.fields["assignee"])
        assignee.choices = [("", _("automatic: the least busy officer of the area"))] + [
            (o.username, o.get_full_name() or o.username) for o in officers
        ]


class ReviewDecisionForm(forms.Form):
    """A supervisor's decision on a visit waiting for review (accept; reject with a reason), or a request to read
    the contact its officer noted, for a stated purpose (recorded with the reading)."""

    visit = forms.IntegerField(min_value=1, max_value=10**12 - 1)
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject"), ("contact", "contact")])
    reason = forms.CharField(required=False)
    purpose = forms.CharField(required=False)


class ReassignForm(forms.Form):
    """An open assignment handed to an officer by username, or back to the area's pool (no username)."""

    assignment = forms.IntegerField(min_value=1, max_value=10**12 - 1)
    assignee = forms.CharField(required=False)
