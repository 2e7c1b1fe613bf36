"""Request guards every view shares."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.core.errors import (
    ErrorFormat,
    api_error_detail,
    error_format_for,
    error_response,
    request_too_big_body,
)


class ApiJsonErrorsMiddleware:
    """Under /api/ every error answer is JSON, and under every other prefix with an error format of its own
    (/open311/) in that format — also those no view made (see apps.core.errors).

    Outside every middleware that can answer an error (only SecurityMiddleware, which never does, comes
    before it), it sees every answer. An error under such a prefix that is not in its format — no URL matched
    (404), an exception that escaped a view or a middleware (500 or 400, logged by Django), a middleware's
    refusal, a method a view does not take (405), DEBUG's technical pages — is answered in the format instead,
    with the sentence of its status, never a traceback or the request's data. Its status, headers (Allow, the
    security headers) and cookies stay: the answer is changed in place, so Django logs it once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error_format = error_format_for(request) if response.status_code >= 400 else None
        if error_format is not None and not error_format.owns(response):
            return _reformatted(request, response, error_format)
        return response


def _reformatted(request: HttpRequest, response: HttpResponse, error_format: ErrorFormat) -> HttpResponse:
    """`response` with the sentence of its status in the format; its status, headers and cookies stay."""
    with translation.override(getattr(request, "LANGUAGE_CODE", None)):
        detail = api_error_detail(response.status_code, method=request.method or "")
        content, content_type = error_format.render(request, response.status_code, detail, {})
    if isinstance(response, StreamingHttpResponse):  # what `response.streaming` says
        response.streaming_content = [content]
    else:
        response.content = content
    response["Content-Type"] = content_type
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(content))
    return response


class RejectNulBytesMiddleware:
    """Input no view should have to read is refused at the door, in the error format of the request's prefix
    (apps.core.errors.error_response; plain UTF-8 text for pages): a NUL character in the path, the query or a
    form field (never meaningful here, and PostgreSQL refuses it in text); a query or form field that is not
    UTF-8 (400 naming the fields: Django reads such bytes as U+FFFD, "�", which would be stored in place of
    what was sent — nobody types it); a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413 naming the limit) or with
    more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS (400). Pages without a format of their own keep Django's
    400 for the last two."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            has_nul = "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or _form_has_nul(request)
            unreadable = [] if has_nul else _fields_not_utf8(request)
        except RequestDataTooBig:
            if error_format_for(request) is None:
                raise
            body = request_too_big_body()
            return error_response(request, 413, body["detail"], extra={"limit_bytes": body["limit_bytes"]})
        except (TooManyFieldsSent, TooManyFilesSent):
            if error_format_for(request) is None:
                raise
            return error_response(request, 400, _("The request has more fields than the limit."))
        if has_nul:
            return error_response(request, 400, _("The request contains a NUL character."))
        if unreadable:
            errors = {name: [_("is not valid UTF-8 text")] for name in unreadable}
            return error_response(request, 400, _("Some fields are not valid UTF-8 text."), extra={"errors": errors})
        return self.get_response(request)


def _is_form(request: HttpRequest) -> bool:
    # content_type is None only on a bare HttpRequest(); a served request has one, "" without the header.
    return request.method == "POST" and (request.content_type or "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    )


def _form_has_nul(request: HttpRequest) -> bool:
    if not _is_form(request):
        return False
    return any("\x00" in value for values in request.POST.lists() for value in [values[0], *values[1]])


def _fields_not_utf8(request: HttpRequest) -> list[str]:
    """The query's and the form's fields holding U+FFFD, what Django makes of bytes that are not UTF-8."""
    fields = [*request.GET.lists(), *(request.POST.lists() if _is_form(request) else [])]
    return sorted({name for name, values in fields if "\ufffd" in name or any("\ufffd" in v for v in values)})


def _tile_origin() -> str:
    """The origin of an intranet tile server (CITYOPS_BASEMAP_TILES) that maps fetch tiles from, after a space."""
    parts = urlsplit(settings.CITYOPS_BASEMAP_TILES)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f" {parts.scheme}://{parts.netloc}"


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy of every page: scripts from our own files only, never inline.

    Styles may be inline (Plotly and MapLibre set style attributes); MapLibre runs its workers from blob:
    URLs; websockets go to this host only. Frame denial is also X-Frame-Options (clickjacking middleware).
    """

    POLICY = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{tiles}; "
        "font-src 'self' data:; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'none'; form-action 'self'; manifest-src 'self'; "
        "connect-src 'self'{tiles} {websockets}"
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
            response["Content-Security-Policy"] = self.POLICY.format(
                websockets=websockets, tiles=_tile_origin()
            ).strip()
        return response
