"""Request guards every view shares."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


class RejectNulBytesMiddleware:
    """A NUL character in the path, the query or a form field is never meaningful here, and PostgreSQL refuses
    it in text: answer 400 at the door instead of failing deep inside a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or _form_has_nul(request):
            return HttpResponseBadRequest(_("The request contains a NUL character."), content_type="text/plain")
        return self.get_response(request)


def _form_has_nul(request: HttpRequest) -> bool:
    if request.method != "POST" or not request.content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        return False
    return any("\x00" in value for values in request.POST.lists() for value in [values[0], *values[1]])


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy of every page: scripts from our own files only, never inline.

    Styles may be inline (Plotly and MapLibre set style attributes); MapLibre runs its workers from blob:
    URLs; websockets go to this host only. Frame denial is also X-Frame-Options (clickjacking middleware).
    """

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "font-src 'self' data:; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'; manifest-src 'self'; "
        "connect-src 'self' {websockets}"
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            try:
                host = request.get_host()
                websockets = f"ws://{host} wss://{host}"
            except DisallowedHost:  # the 400 for a foreign Host header: no websocket source at all
                websockets = ""
            response["Content-Security-Policy"] = self.POLICY.format(websockets=websockets).strip()
        return response
