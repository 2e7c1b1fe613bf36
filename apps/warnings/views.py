"""The public CAP feed and messages, and the approvers' pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import condition, require_POST, require_safe

from apps.accounts.selectors import regions_scope
from apps.core.decorators import permission_required
from apps.core.errors import ApplicationError
from apps.indicators.models import Alert
from apps.regions.models import Region
from apps.warnings.cap import CAP_CONTENT_TYPE, FeedEntry, atom_xml
from apps.warnings.forms import ApprovalForm
from apps.warnings.models import CapMessage, PublicWarning
from apps.warnings.selectors import (
    alerts_to_choose_for_user,
    message_public,
    messages_public,
    warning_get_for_user,
    warning_public,
    warnings_for_user,
    warnings_in_force,
)
from apps.warnings.services import (
    APPROVE,
    WarningTexts,
    warning_approve,
    warning_choose,
    warning_decline,
    warning_policy,
    warning_summary,
)


def _feed_etag(request: HttpRequest) -> str:
    """The feed's version: the newest message's id and how many there are (a conditional GET answers 304 while
    they stand). No Last-Modified: `sent` has whole seconds, and a message sent in the same second as the one a
    client has seen would be hidden by a 304 to its If-Modified-Since."""
    newest = CapMessage.objects.order_by("-id").values_list("id", flat=True).first()
    return f"{newest or 0}-{CapMessage.objects.count()}-{len(warnings_in_force())}"  # one expiring changes it


def _public_url(name: str, *args: str) -> str:
    """An absolute address on the public server (CITYOPS_PUBLIC_URL), whatever host the request came by: Atom
    ids are permanent."""
    return settings.CITYOPS_PUBLIC_URL.rstrip("/") + reverse(name, args=args)


# A message's kind in both languages, for the feed's summaries (the XML does not depend on the reader's language).
MSG_WORDS = {"Alert": ("预警发布", "Warning issued"), "Update": ("预警更新", "Warning updated"),
             "Cancel": ("预警解除", "Warning lifted")}  # fmt: skip


def _summary(message: CapMessage) -> str:
    """ "预警发布（演练）：headline | Warning issued (exercise): headline", and CAP's severity and status."""
    zh, en = MSG_WORDS.get(message.msg_type, (message.msg_type, message.msg_type))
    exercise = message.status == "Exercise"
    return (
        f"{zh}{'（演练）' if exercise else ''}：{message.headline_zh} | "
        f"{en}{' (exercise)' if exercise else ''}: {message.headline_en} · "
        f"{message.msg_type} · {message.severity} · {message.status}"
    )


@require_safe
@cache_control(public=True, max_age=60)
@condition(etag_func=_feed_etag)
def feed(request: HttpRequest) -> HttpResponse:
    """The Atom index of the CAP messages, newest first, each linked as application/cap+xml. Anonymous."""
    entries = [
        FeedEntry(
            identifier=m.identifier,
            title=f"{m.headline_zh} | {m.headline_en}",
            summary=_summary(m),
            sent=m.sent,
            msg_type=m.msg_type,
            url=_public_url("warnings:message", m.identifier),
        )
        for m in messages_public()
    ]
    body = atom_xml(
        feed_id=_public_url("warnings:feed"),
        title="城市运行管理中心公共预警 | City Operations Center public warnings",
        self_url=_public_url("warnings:feed"),
        author="城市运行管理中心 | City Operations Center",
        entries=entries,
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=86400, immutable=True)
def message(request: HttpRequest, identifier: str) -> HttpResponse:
    """One CAP message exactly as published (messages never change). Anonymous."""
    found = message_public(identifier=identifier)
    if found is None:
        raise Http404
    return HttpResponse(found.xml, content_type=f"{CAP_CONTENT_TYPE}; charset=utf-8")


def _policy_page(warning_id: int) -> str:
    """The public page of the warning's figures (the AQI page), if its policy names one."""
    row = PublicWarning.objects.filter(pk=warning_id).select_related("alert").first()
    found = warning_policy(row.alert) if row else None
    return reverse(found[1].page) if found and found[1].page else ""


@require_safe
@cache_control(public=True, max_age=60)
def public_warning(request: HttpRequest, key: str) -> HttpResponse:
    """A warning's page for everyone (the CAP messages' `web` link): in force, updated or lifted, its published
    texts in the reader's language, the area, the times, and its messages. Anonymous; only what was published."""
    found = warning_public(key=key)
    if found is None:
        raise Http404
    region_id = PublicWarning.objects.filter(pk=found.latest.warning_id).values_list("region_id", flat=True).first()
    region = Region.objects.filter(pk=region_id or 0).only("geometry_simplified", "bbox").first()
    return render(
        request,
        "warnings/public_warning.html",
        {
            "w": found,
            "texts": found.zh if get_language() == "zh-hans" else found.en,
            "now": timezone.now(),
            "figures_page": _policy_page(found.latest.warning_id),
            # The area outlined on the offline basemap (the region's published boundary).
            "map_data": {"outline": region.geometry_simplified, "bbox": region.bbox} if region else None,
        },
    )


@require_safe
@cache_control(public=True, max_age=60)
def public_index(request: HttpRequest) -> HttpResponse:
    """The public warnings in force now, in the reader's language. Anonymous."""
    zh = get_language() == "zh-hans"
    rows = [(w, w.zh if zh else w.en) for w in warnings_in_force()]
    return render(request, "warnings/public_index.html", {"rows": rows})


@never_cache  # drafts are internal until approved: not kept by a browser or a proxy
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


@never_cache
@permission_required(APPROVE)
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """One warning's draft, both languages, to edit and approve (publish) or decline."""
    warning = warning_get_for_user(user=request.user, pk=pk)
    if warning is None:
        raise Http404
    form = ApprovalForm(request.POST or None, initial=_drafted(warning))
    if request.method == "POST" and warning.state == PublicWarning.State.PENDING and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "decline":
                warning_decline(warning=warning, user=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("Declined: nothing was published."))
            else:
                published = warning_approve(
                    warning=warning, user=request.user, texts=form.texts(), shown_level=form.shown_level()
                )
                messages.success(request, _("Published as %(identifier)s.") % {"identifier": published.identifier})
            return redirect("warnings:pending")
        except ApplicationError as error:
            if error.fields and "level" in error.fields:  # drafted anew: show the new draft, not the stale texts
                warning.refresh_from_db()
                form = ApprovalForm({**_drafted(warning)})
                form.is_valid()
            form.add_error(None, error.message)
    if request.method == "POST" and warning.state != PublicWarning.State.PENDING:
        form.add_error(None, _("This warning is no longer waiting for approval: nothing was changed."))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "warnings/review.html",
        {
            "warning": warning,
            "form": form,
            "messages_sent": list(warning.messages.order_by("sent", "id")),
            "summary": warning_summary(warning),
        },
        status=status,
    )


@require_POST
@never_cache
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


def _drafted(warning: PublicWarning) -> dict[str, object]:
    """The form's values for the warning's draft as it stands, and its level."""
    return {"decision": "approve", "level": warning.level, **{n: getattr(warning, n) for n in WarningTexts.FIELDS}}
