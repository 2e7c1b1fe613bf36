from django import template

from apps.deadlines.selectors import calendar_notice

register = template.Library()


@register.simple_tag
def working_calendar_notice(short: bool = False) -> str:
    """The missing year's warning, or "" (apps/deadlines/selectors.py)."""
    return calendar_notice(short=short)
