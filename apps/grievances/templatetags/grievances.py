from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.grievances.models import Grievance
from apps.grievances.services import WORKFLOW

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    value = mapping.get(key)
    return ", ".join(map(str, value)) if isinstance(value, list) else value


@register.filter
def grievance_actions(grievance: Any) -> list[tuple[str, str]]:
    """The routine workflow buttons open to this report now. Reject and close end the report for the citizen:
    they have their own forms, apart, with a confirmation (the workbench's danger zone)."""
    labels = {
        "accept": _("Accept"),
        "start": _("Start work"),
        "resolve": pgettext("grievance action", "Resolved"),
    }
    return [
        (action, labels[action])
        for action, (sources, _target) in WORKFLOW.transitions.items()
        if action in labels and grievance.status in sources
    ]


@register.filter
def status_label(value: str) -> str:
    """A grievance status code as the page's language names it."""
    return str(dict(Grievance.Status.choices).get(value, value))


@register.filter
def answers_of(posted: Any, code: str) -> list[str]:
    """What was typed for a category question (`attribute[code]`), to show it again on an error."""
    return posted.getlist(f"attribute[{code}]") if hasattr(posted, "getlist") else []
