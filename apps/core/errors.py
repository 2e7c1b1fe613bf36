"""One domain error type, the one DRF exception handler that turns it into HTTP 400, and the error formats of
the machine-read parts of the site.

Under /api/ every error is JSON with a `detail` sentence, whoever answers: API views through
`exception_handler`, and whatever else (no URL matched, an exception that escaped a view, a middleware's
refusal) through apps.core.middleware.ApiJsonErrorsMiddleware, which gives it `api_error_detail`.
An answer with its own body or headers is `api_error_response` (e.g. a 503 with Retry-After: decide it
where the exception is seen — `_response_for` in API views, a `handler500` outside them — and answer
with it; the middleware leaves JSON alone).

Other prefixes declare their own format the same way (`register_error_format`: Open311 under /open311/, its
errors as `[{code, description}]` in JSON or XML), and `error_response` answers a refusal made outside a view
(a NUL byte, an oversized body, text that is not UTF-8) in the format of the request's prefix, or as plain text
in UTF-8 elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.registry import Registry

API_PREFIX = "/api/"
JSON = "application/json"

# The sentence of an error answer under /api/ that no view worded: DRF's own (translated by DRF).
_DETAILS = {
    400: exceptions.ParseError.default_detail,
    401: exceptions.NotAuthenticated.default_detail,
    403: exceptions.PermissionDenied.default_detail,
    404: exceptions.NotFound.default_detail,
    405: exceptions.MethodNotAllowed.default_detail,
    406: exceptions.NotAcceptable.default_detail,
    429: exceptions.Throttled.default_detail,
    500: exceptions.APIException.default_detail,
}


class ApplicationError(Exception):
    """A domain rule was broken by the caller's input. Maps to HTTP 400 / a form error / exit code 1.

    `message` is shown to the user; `fields` maps field names to lists of messages.
    """

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus ApplicationError and Django's ValidationError as 400 with field messages, and a
    body over DATA_UPLOAD_MAX_MEMORY_SIZE as 413.

    Every error body has `detail` (one sentence) and, where fields are at fault, `errors`
    ({field: [messages]}). It is JSON whatever the client asked for (the browsable API's HTML, a view's
    CSV). None (an unexpected exception) lets Django log it and answer 500 — JSON under /api/ too.
    """
    response = _response_for(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    return response


def _response_for(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        return Response(request_too_big_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.fields:
            body["errors"] = exc.fields
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": str(_first_message(response.data)), "errors": response.data}
    return response


def _first_message(data: Any) -> str:
    if isinstance(data, dict):
        for value in data.values():
            return _first_message(value)
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


def request_too_big_body() -> dict[str, Any]:
    """The 413 answer to a body over DATA_UPLOAD_MAX_MEMORY_SIZE: the limit in words and in bytes."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return {
        "detail": _("The request body is larger than the limit of %(limit)s.") % {"limit": filesizeformat(limit)},
        "limit_bytes": limit,
    }


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error_detail(status_code: int, *, method: str) -> str:
    """The sentence of an error answer under /api/ that no view worded, in the active language."""
    fallback = _DETAILS[500] if status_code >= 500 else _DETAILS[400]
    return str(_DETAILS.get(status_code, fallback)).format(method=method)


def api_error_response(
    request: HttpRequest,
    status_code: int,
    *,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """An error answer under /api/ from outside an API view: `body`, by default `{"detail": …}` with the
    sentence of its status."""
    body = body or {"detail": api_error_detail(status_code, method=request.method or "")}
    return HttpResponse(api_error_content(body), status=status_code, headers=headers, content_type=JSON)


def api_error_content(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()  # as DRF renders it


# --- Error formats by path prefix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorFormat:
    """How errors are written under a path prefix. `render(request, status, detail, extra)` gives the body and its
    content type (`extra`: {"errors": {field: [messages]}} and format-specific keys, e.g. "limit_bytes");
    `owns(response)` tells an answer already in the format, which the middleware leaves alone."""

    prefix: str
    render: Callable[[HttpRequest, int, str, dict[str, Any]], tuple[bytes, str]]
    owns: Callable[[HttpResponse], bool]


# One format per prefix, declared in an app's manifest (`error_formats`).
error_format_registry: Registry[ErrorFormat] = Registry("error format", key=lambda f: f.prefix)


def error_format_for(request: HttpRequest) -> ErrorFormat | None:
    """The format of the longest registered prefix of the request's path; None for pages."""
    path = request.path_info
    found = [f for f in error_format_registry if path.startswith(f.prefix)]
    return max(found, key=lambda f: len(f.prefix), default=None)


def error_response(
    request: HttpRequest,
    status_code: int,
    detail: str,
    *,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """An error answer in the format of the request's prefix, or plain text in UTF-8 (a page's)."""
    error_format = error_format_for(request)
    if error_format is None:
        return HttpResponse(detail, status=status_code, headers=headers, content_type="text/plain; charset=utf-8")
    content, content_type = error_format.render(request, status_code, detail, extra or {})
    return HttpResponse(content, status=status_code, headers=headers, content_type=content_type)


def _api_render(request: HttpRequest, status_code: int, detail: str, extra: dict[str, Any]) -> tuple[bytes, str]:
    return api_error_content({"detail": detail, **extra}), JSON


API_ERROR_FORMAT = ErrorFormat(
    prefix=API_PREFIX,
    render=_api_render,
    owns=lambda response: response.get("Content-Type", "").startswith(JSON),
)
