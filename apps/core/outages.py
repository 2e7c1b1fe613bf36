"""A service that is down for a moment is told apart from a broken request: 503 with Retry-After, never a 500.

While PostgreSQL restarts, or Redis (the channel layer, the cache and the sequence counters) is unreachable, a
request that needs it fails with the driver's connection error. A gateway posting readings, a phone's outbox
and a citizen's app must know that trying again later will work — and that their request was not at fault — so
every such failure is answered 503 with `Retry-After`: JSON under /api/, the Open311 error format under
/open311/ (apps.core.errors.error_response), a plain page elsewhere. Where the failure is caught:

- a view's: `ServiceOutageMiddleware.process_exception`;
- a middleware's (a session or a user loaded from the database): `server_error`, the project's handler500,
  which looks at the exception being handled.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

from apps.core.errors import error_format_for, error_response

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5


def is_outage(exc: BaseException | None) -> bool:
    """A failure to reach the database, Redis or the broker (not a fault of the request)."""
    if exc is None:
        return False
    outages: list[type[BaseException]] = [OperationalError, InterfaceError, ConnectionError, TimeoutError]
    try:
        from redis import exceptions as redis_exceptions

        outages += [redis_exceptions.ConnectionError, redis_exceptions.TimeoutError]
    except ImportError:  # pragma: no cover - redis is a dependency, but the embedded mode never loads it
        pass
    return isinstance(exc, tuple(outages))


def outage_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: in the error format of the request's prefix (JSON under /api/, Open311's under
    /open311/), a page that says to try again elsewhere."""
    headers = {"Retry-After": str(RETRY_AFTER_S)}
    if error_format_for(request) is not None:
        detail = _("The service is briefly unavailable. Please try again in a few seconds.")
        return error_response(request, 503, detail, extra={"retry_after": RETRY_AFTER_S}, headers=headers)
    body = loader.render_to_string("503.html")
    return HttpResponse(body, status=503, headers=headers, content_type="text/html; charset=utf-8")


class ServiceOutageMiddleware:
    """A view's connection failure becomes a 503 with Retry-After (see the module)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_outage(exception):
            return None
        logger.warning("%s %s: a service is down (%s), answered 503", request.method, request.path,
                       type(exception).__name__)  # fmt: skip
        return outage_response(request)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: a 503 when the exception being handled is an outage (raised in a middleware, which
    process_exception does not see), Django's 500 page otherwise."""
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    return django_server_error(request, template_name=template_name)
