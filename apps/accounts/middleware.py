"""Session idle expiry and the second factor, for every request of a signed-in user."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.selectors import second_factor_pending

SEEN_SESSION_KEY = "cityops_seen"
# A session is saved again (new expiry) at most once a minute, not on every request.
TOUCH_SECONDS = 60


class AccountSecurityMiddleware:
    """Keeps an active session alive and holds a session that owes a second factor at the code page.

    Idle expiry itself is the session's own: SESSION_COOKIE_AGE is the idle limit and the cookie lasts
    for the browser session, so a session nobody uses for that long is expired in the database.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            _touch(request)
            pending = second_factor_pending(user=request.user, session=request.session)
            if pending and not _exempt(request):
                return _second_factor_response(request, pending)
        return self.get_response(request)


def _touch(request: HttpRequest) -> None:
    now = int(time.time())
    if now - request.session.get(SEEN_SESSION_KEY, 0) >= TOUCH_SECONDS:
        request.session[SEEN_SESSION_KEY] = now  # modified: the session middleware saves it with a new expiry


def _exempt(request: HttpRequest) -> bool:
    paths = {reverse(name) for name in ("totp-verify", "totp-enrol", "logout", "set_language")}
    return request.path in paths or request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))


def _second_factor_response(request: HttpRequest, pending: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Two-factor authentication is required.")}, status=403)
    target = reverse("totp-verify" if pending == "verify" else "totp-enrol")
    return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
