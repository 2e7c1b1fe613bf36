"""接诉即办 accountability pages: the public rates, claimed and verified (/public/performance/, no sign-in), and
the callback desk (/grievances/checks/) where the hotline center calls citizens back to check a sample of
resolutions, from outside the department checked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.audit import log_action
from apps.core.classification import label_for, mask_text, masked_fields, may_reveal, reveal_fields
from apps.core.clients import rate_limited
from apps.core.decorators import permission_required
from apps.core.errors import ApplicationError
from apps.core.forms import form_apply_errors
from apps.grievances.models import ResolutionCheck
from apps.grievances.performance import MonthError, Performance, definitions, month_parse, performance_month
from apps.grievances.verification import resolution_check_record

READS_PER_MINUTE = 60  # public reads of the page or the API per client
CACHE_SECONDS = 60  # the month's rates are recounted at most once a minute for the public


def performance_cached(month: date) -> Performance:
    """The month's rates for public reads: recounted at most once a minute."""
    key = f"grievances.performance:{month:%Y-%m}"
    found = cache.get(key)
    if found is None:
        found = performance_month(month=month)
        cache.set(key, found, CACHE_SECONDS)
    return found


def recent_months(*, count: int = 6) -> list[date]:
    """This month and the ones before it, newest first: the page's quick links."""
    month = timezone.localdate().replace(day=1)
    found = []
    for _n in range(count):
        found.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return found


def performance(request: HttpRequest) -> HttpResponse:
    """The public page: every rate with its definition, claimed beside verified, ranked by verified."""
    context: dict[str, Any] = {
        "months": recent_months(),
        "k": settings.CITYOPS_OPEN_DATA_K,
        "minutes": settings.CITYOPS_RATING_AFTER_STAFF_MINUTES,
        "flag_points": round(settings.CITYOPS_PERFORMANCE_GAP_FLAG * 100),
        "share_percent": round(settings.CITYOPS_RESOLUTION_CHECK_SHARE * 100),
        "month_text": request.GET.get("month", "")[:20],
        "definitions": definitions(),
        "definition_order": ["response", "resolution", "satisfaction", "checks", "excluded", "gap", "small_numbers"],
    }
    if rate_limited(request, action="grievances.performance", limit=READS_PER_MINUTE, window_seconds=60):
        context["error"] = _("Too many requests from this connection. Please try again in a minute.")
        return render(request, "grievances/performance.html", context, status=429)
    try:
        month = month_parse(request.GET.get("month"))
    except MonthError as exc:
        context["error"] = str(exc)
        return render(request, "grievances/performance.html", context, status=400)
    data = performance_cached(month)
    context.update({"p": data, "month": month, "ranked": [u for u in data.departments if u.rank]})
    return render(request, "grievances/performance.html", context)


# --- The callback desk ------------------------------------------------------------------------------------


def _own_departments(user: Any) -> list[int]:
    from apps.accounts.models import Department

    return list(Department.objects.filter(staff__user=user).values_list("pk", flat=True))


def _pending_callbacks(user: Any) -> Any:
    """Callback checks waiting, outside the user's own departments and inside their regions (a desk narrowed to a
    district calls that district's citizens, as everywhere else), oldest first."""
    from apps.accounts.selectors import regions_scope

    waiting = ResolutionCheck.objects.filter(method=ResolutionCheck.Method.CALLBACK, fixed__isnull=True).exclude(
        department_id__in=_own_departments(user)
    )
    return (
        regions_scope(waiting, user=user, field=ResolutionCheck.scope_region)
        .select_related("grievance", "grievance__category", "department")
        .order_by("updated_at")  # oldest first; a call nobody answered goes to the end
    )


class CallbackForm(forms.Form):
    fixed = forms.TypedChoiceField(
        label=gettext_lazy("Is the problem fixed, in the citizen's words?"),
        choices=[("yes", gettext_lazy("yes, fixed")), ("no", gettext_lazy("no, not fixed"))],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
    )
    satisfied = forms.TypedChoiceField(
        label=gettext_lazy("Is the citizen satisfied with how it was handled?"),
        choices=[("yes", gettext_lazy("satisfied")), ("no", gettext_lazy("not satisfied"))],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
    )
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


CONTACT = ["reporter_name", "reporter_phone"]


@permission_required("grievances.log_callback")
def callbacks(request: HttpRequest) -> HttpResponse:
    rows = list(_pending_callbacks(request.user)[:200])
    return render(request, "grievances/callbacks.html", {"rows": rows})


def _check_for(request: HttpRequest, pk: int) -> ResolutionCheck:
    check = _pending_callbacks(request.user).filter(pk=pk).first()
    if check is None:
        raise Http404(_("No callback waiting with this number outside your departments."))
    return check


@require_http_methods(["GET", "POST"])
@permission_required("grievances.log_callback")
def callback(request: HttpRequest, pk: int, *, revealed: dict[str, Any] | None = None) -> HttpResponse:
    """One callback: the report in public words, the contact masked (in clear on request, with a purpose,
    logged), and the form for the outcome."""
    check = _check_for(request, pk)
    if request.method == "POST" and revealed is None and request.POST.get("outcome") == "no_answer":
        # nobody answered: nothing is recorded about the resolution; the check goes to the end of the list
        check.save(update_fields=["updated_at"])
        log_action(
            check.grievance, "grievances.resolution_check.no_answer", user=request.user, data={"check": check.pk}
        )
        messages.info(
            request, _("No answer noted for check %(n)s: it stays on the list, at its end.") % {"n": check.pk}
        )
        return redirect("grievances:callbacks")
    form = CallbackForm(request.POST if request.method == "POST" and revealed is None else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                resolution_check_record(check=check, fixed=data["fixed"], satisfied=data["satisfied"],
                                        note=data["note"], user=request.user)  # fmt: skip
            except ApplicationError as exc:
                form_apply_errors(form, exc)
            else:
                outcome = _("fixed") if data["fixed"] else _("not fixed: the report is open again")
                messages.success(
                    request, _("Callback %(n)s recorded: %(outcome)s.") % {"n": check.pk, "outcome": outcome}
                )
                return redirect("grievances:callbacks")
        status = 400
    return _callback_page(request, check, form=form, revealed=revealed, status=status)


def _callback_page(request: HttpRequest, check: ResolutionCheck, *, form: CallbackForm,
                   revealed: dict[str, Any] | None, status: int, error: str = "") -> HttpResponse:  # fmt: skip
    grievance = check.grievance
    response = render(
        request,
        "grievances/callback.html",
        {
            "check": check,
            "g": grievance,
            "description": mask_text(grievance.description),
            "form": form,
            "contact": revealed or masked_fields(grievance, CONTACT),
            "revealed": revealed is not None,
            "may_reveal": all(may_reveal(request.user, label_for(grievance, n)) for n in CONTACT),
            "has_phone": bool(grievance.reporter_phone),
            "error": error,
        },
        status=status,
    )
    if revealed is not None:
        response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@permission_required("grievances.log_callback")
def callback_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """The citizen's name and phone in clear, to make the call: the reading is logged with its purpose."""
    check = _check_for(request, pk)
    grievance = check.grievance
    if not all(may_reveal(request.user, label_for(grievance, n)) for n in CONTACT):
        raise PermissionDenied
    revealed = reveal_fields(grievance, CONTACT, user=request.user, purpose=f"callback: check {check.pk}")
    return callback(request, pk, revealed=revealed)
