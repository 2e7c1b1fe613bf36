"""How the 接诉即办 page writes rates and counts: a count below k as "fewer than k", a rate from fewer than k
reports or checks not at all, with the reason."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from apps.grievances.performance import Measure, Rate

register = template.Library()


def count_text(n: int, k: int) -> str:
    return _("fewer than %(k)s") % {"k": k} if n < k else str(n)


@register.filter
def percent(rate: Rate | None) -> str:
    """ "83%", or "—" when the rate is not published."""
    if rate is None or rate.percent is None:
        return "—"
    return _("%(percent)s%%") % {"percent": rate.percent}


@register.filter
def basis(rate: Rate | None, kind: str = "reports") -> str:
    """What the rate is computed from: "112 of 135 reports", "fewer than 5 of 135 reports", or why it is not
    shown: "from fewer than 5 reports: not shown"."""
    if rate is None:
        return ""
    if rate.value is None and rate.denominator >= rate.k:  # the rate times the total would give back a few people
        return _("not shown: fewer than %(k)s on one side") % {"k": rate.k}
    if rate.value is None:
        if kind == "checks":
            return _("from fewer than %(k)s checks: not shown") % {"k": rate.k}
        return _("from fewer than %(k)s reports: not shown") % {"k": rate.k}
    values = {"n": count_text(rate.numerator, rate.k), "total": rate.denominator}
    if kind == "checks":
        return _("%(n)s of %(total)s checks") % values
    if kind == "ratings":
        return _("%(n)s of %(total)s ratings") % values
    return _("%(n)s of %(total)s reports") % values


@register.filter
def gap(measure: Measure) -> str:
    """ "+23 points" (claimed above verified), or "—" when either is not published."""
    if measure.gap_points is None:
        return "—"
    sign = "+" if measure.gap_points > 0 else ""
    return _("%(sign)s%(points)s points") % {"sign": sign, "points": measure.gap_points}


@register.filter
def fewer_than(n: int, k: int) -> str:
    return count_text(n, k)
