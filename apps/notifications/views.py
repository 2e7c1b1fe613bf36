"""The notification centre (/notifications/) and the preferences page (/notifications/settings/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.notifications.forms import PreferenceForm
from apps.notifications.selectors import notifications_for_user
from apps.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
    preference_for,
    preference_update,
)

PAGE_SIZE = 25


@login_required
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/centre.html", {"page": page})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one's own notification read and go to its object (the centre for one without a link)."""
    notification = notification_mark_read(user=request.user, notification_id=pk)
    link = notification.link if notification is not None else ""
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return redirect("notifications:centre")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    done = notifications_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": done})
    return redirect("notifications:centre")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    preference = preference_for(user=request.user)
    initial = {"email": preference.email, "quiet_start": preference.quiet_start, "quiet_end": preference.quiet_end,
               "language": preference.language or request.LANGUAGE_CODE}  # fmt: skip
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        preference_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notifications:preferences")
    status = 400 if form.is_bound else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)
