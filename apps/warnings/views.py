"""The public CAP feed and messages, and the approvers' pages."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET, require_POST

from apps.accounts.selectors import regions_scope
from apps.core.decorators import permission_required
from apps.core.errors import ApplicationError
from apps.indicators.models import Alert
from apps.warnings.cap import CAP_CONTENT_TYPE, FeedEntry, atom_xml
from apps.warnings.forms import ApprovalForm
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.selectors import (
    alerts_to_choose_for_user,
    message_public,
    messages_public,
    warning_get_for_user,
    warnings_for_user,
)
from apps.warnings.services import APPROVE, WarningTexts, warning_approve, warning_choose, warning_decline


def _latest(request: HttpRequest) -> datetime | None:
    """When the newest message was sent: the feed's Last-Modified (a conditional GET answers 304)."""
    return CapMessage.objects.order_by("-sent").values_list("sent", flat=True).first()


@require_GET
@cache_control(public=True, max_age=60)
@condition(last_modified_func=_latest)
def feed(request: HttpRequest) -> HttpResponse:
    """The Atom index of the CAP messages, newest first, each linked as application/cap+xml. Anonymous."""
    entries = [
        FeedEntry(
            identifier=m.identifier,
            title=f"{m.headline_zh} | {m.headline_en}",
            summary=f"{m.msg_type} · {m.severity} · {m.status}",
            sent=m.sent,
            msg_type=m.msg_type,
            url=request.build_absolute_uri(reverse("warnings:message", args=[m.identifier])),
        )
        for m in messages_public()
    ]
    body = atom_xml(
        feed_id=request.build_absolute_uri(reverse("warnings:feed")),
        title="城市运行管理中心公共预警 | City Operations Center public warnings",
        self_url=request.build_absolute_uri(reverse("warnings:feed")),
        author="城市运行管理中心 | City Operations Center",
        entries=entries,
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=86400, immutable=True)
def message(request: HttpRequest, identifier: str) -> HttpResponse:
    """One CAP message exactly as published (messages never change). Anonymous."""
    found = message_public(identifier=identifier)
    if found is None:
        raise Http404
    return HttpResponse(found.xml, content_type=f"{CAP_CONTENT_TYPE}; charset=utf-8")


@permission_required(APPROVE)
def pending(request: HttpRequest) -> HttpResponse:
    """Warnings waiting for approval in the user's regions, alerts they may choose to publish, and the latest
    decided ones."""
    scoped = warnings_for_user(user=request.user)
    return render(
        request,
        "warnings/pending.html",
        {
            "pending": list(scoped.filter(state=PublicWarning.State.PENDING)[:100]),
            "decided": list(scoped.exclude(state=PublicWarning.State.PENDING)[:30]),
            "to_choose": alerts_to_choose_for_user(user=request.user),
        },
    )


@permission_required(APPROVE)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One warning's draft, both languages, to edit and approve (publish) or decline."""
    warning = warning_get_for_user(user=request.user, pk=pk)
    if warning is None:
        raise Http404
    initial = {name: getattr(warning, name) for name in WarningTexts.FIELDS}
    form = ApprovalForm(request.POST or None, initial={**initial, "decision": "approve"})
    if request.method == "POST" and warning.state == PublicWarning.State.PENDING and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "decline":
                warning_decline(warning=warning, user=request.user)
                messages.success(request, _("Declined: nothing was published."))
            else:
                published = warning_approve(warning=warning, user=request.user, texts=form.texts())
                messages.success(request, _("Published as %(identifier)s.") % {"identifier": published.identifier})
            return redirect("warnings:pending")
        except ApplicationError as error:
            form.add_error(None, error.message)
    if request.method == "POST" and warning.state != PublicWarning.State.PENDING:
        form.add_error(None, _("This warning is no longer waiting for approval: nothing was changed."))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "warnings/review.html",
        {"warning": warning, "form": form, "messages_sent": list(warning.messages.order_by("sent", "id"))},
        status=status,
    )


@require_POST
@permission_required(APPROVE)
def choose(request: HttpRequest, alert_pk: int) -> HttpResponse:
    """Draft a warning from an alert a person must choose to publish (a fever-clinic alarm)."""
    alert = regions_scope(Alert.objects.filter(pk=alert_pk), user=request.user).first()
    if alert is None:
        raise Http404
    try:
        warning = warning_choose(alert=alert, user=request.user)  # PermissionDenied: 403
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("warnings:pending")
    return redirect("warnings:review", pk=warning.pk)
