"""Second-factor pages: the code after the password, enrolment, and the account's security page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from apps.accounts import selectors, services, totp
from apps.accounts.forms import LOCKED_MESSAGE, CodeForm
from apps.accounts.lockout import login_failure_record, login_locked, login_success_record
from apps.core.clients import client_address
from apps.core.errors import ApplicationError

ISSUER = "CityOps"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _second_factor_done(request: HttpRequest) -> HttpResponseRedirect:
    request.session.cycle_key()  # a new session id once the sign-in is complete
    request.session[selectors.SECOND_FACTOR_SESSION_KEY] = True
    login_success_record(username=request.user.get_username())
    return HttpResponseRedirect(_next_url(request))


def _code_refused(request: HttpRequest, form: CodeForm) -> HttpResponse | None:
    """Count a wrong code as a failed sign-in; when that locks the account, sign the session out."""
    username, address = request.user.get_username(), client_address(request)
    if login_failure_record(username=username, address=address) or login_locked(username=username, address=address):
        logout(request)
        messages.error(request, LOCKED_MESSAGE % {"minutes": settings.CITYOPS_LOGIN_LOCK_MINUTES})
        return redirect("login")
    form.add_error("code", _("That code is not valid. Enter the current code from your authenticator app."))
    return None


@sensitive_post_parameters("code")
@never_cache
@login_required
def totp_verify(request: HttpRequest) -> HttpResponse:
    """The code page after the password, for an account with a second factor."""
    if selectors.second_factor_pending(user=request.user, session=request.session) != "verify":
        return HttpResponseRedirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if services.totp_verify(user=request.user, code=form.cleaned_data["code"]):
            return _second_factor_done(request)
        if (refused := _code_refused(request, form)) is not None:
            return refused
    return render(request, "registration/totp_verify.html", {"form": form, "next": _next_url(request)})


@sensitive_post_parameters("code")
@never_cache
@login_required
def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code (or type the key), then confirm with a first code."""
    try:
        device = services.totp_device_start(user=request.user)
    except ApplicationError:
        messages.info(request, _("Two-factor authentication is already set up for your account."))
        return redirect("account-security")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        if services.totp_device_confirm(user=request.user, code=form.cleaned_data["code"]):
            messages.success(request, _("Two-factor authentication is now set up for your account."))
            return _second_factor_done(request)
        if (refused := _code_refused(request, form)) is not None:
            return refused
    uri = totp.provisioning_uri(device.secret, account=request.user.get_username(), issuer=ISSUER)
    context = {
        "form": form,
        "next": _next_url(request),
        "secret": device.secret,
        "required": selectors.second_factor_required(user=request.user),
        # segno's SVG: our own markup (no script), built from the URI only.
        "qr_svg": mark_safe(totp.qr_svg(uri)),  # noqa: S308
    }
    return render(request, "registration/totp_enrol.html", context)


@never_cache
@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The account's security: whether a second factor is set up, and the session idle limit."""
    context = {
        "enrolled": selectors.totp_device_confirmed(user=request.user),
        "required": selectors.second_factor_required(user=request.user),
        "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "registration/security.html", context)
