"""Request guards every view shares."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core.errors import (
    JSON,
    api_error_content,
    api_error_detail,
    api_error_response,
    is_api_request,
    request_too_big_body,
)


class ApiJsonErrorsMiddleware:
    """Under /api/ every error answer is JSON, also those no API view made (see apps.core.errors).

    Outside every middleware that can answer an error (only SecurityMiddleware, which never does, comes
    before it), it sees every answer. An error under /api/ that is not JSON — no URL matched (404),
    an exception that escaped a view or a middleware (500 or 400, logged by Django), a middleware's refusal,
    DEBUG's technical pages — is answered `{"detail": …}` instead: the sentence of its status, never a
    traceback or the request's data. Its status, headers (Allow, the security headers) and cookies stay:
    the answer is changed in place, so Django logs it once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 400 and is_api_request(request) and not _is_json(response):
            return _as_json(request, response)
        return response


def _as_json(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """`response` with the sentence of its status as JSON body; its status, headers and cookies stay."""
    with translation.override(getattr(request, "LANGUAGE_CODE", None)):
        content = api_error_content({"detail": api_error_detail(response.status_code, method=request.method or "")})
    if response.streaming:
        response.streaming_content = [content]
    else:
        response.content = content
    response["Content-Type"] = JSON
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(content))
    return response


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(JSON)


class RejectNulBytesMiddleware:
    """A NUL character in the path, the query or a form field is never meaningful here, and PostgreSQL refuses
    it in text: answer 400 at the door (JSON under /api/) instead of failing deep inside a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            has_nul = "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or _form_has_nul(request)
        except RequestDataTooBig:  # reading the form: Django answers 400, an API 413 with the limit
            if not is_api_request(request):
                raise
            return api_error_response(request, 413, body=request_too_big_body())
        if not has_nul:
            return self.get_response(request)
        message = _("The request contains a NUL character.")
        if is_api_request(request):
            return api_error_response(request, 400, body={"detail": message})
        return HttpResponseBadRequest(message, content_type="text/plain")


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
