"""ASGI entry point: HTTP through Django, websockets through Channels.

Websocket routes are collected from every installed app that has a `routing` module, so a new domain
adds its routes without editing this file.
"""

import itertools
import os
from collections.abc import AsyncIterator, Iterator
from typing import cast

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
django.setup(set_prefix=False)  # before anything imports models


class DjangoHttp(ASGIHandler):
    """Django's ASGI handler, with the middleware stack and the view run as one synchronous call.

    Django's middleware is sync at heart: in async mode every hook of every middleware is its own hop
    to a worker thread (about 30 per request, 2–3 ms). Here a request makes one hop; async views still
    work (Django adapts them). Streaming, disconnects and request bodies stay Django's ASGI code.
    """

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        response = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        # Only StreamingHttpResponse (and FileResponse, its subclass) has `streaming` set.
        if isinstance(response, StreamingHttpResponse) and not response.is_async:
            # Files (static assets through WhiteNoise, downloads) stream in 64 KiB reads off the event
            # loop, instead of Django reading the whole file into memory first.
            # Not is_async, so its content is a sync iterator (the stubs type it as either kind).
            content = cast(Iterator[bytes], response.streaming_content)
            response.streaming_content = _read_ahead(iter(content))
        return response


async def _read_ahead(parts: Iterator[bytes], per_read: int = 16) -> AsyncIterator[bytes]:
    read = sync_to_async(lambda: list(itertools.islice(parts, per_read)), thread_sensitive=False)
    while batch := await read():
        yield b"".join(batch)


django_asgi_app = DjangoHttp()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.core.origins import SameOriginValidator  # noqa: E402
from cityops.realtime import collect_websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The site's own pages only: the Origin must be the request's own scheme, host and port (apps/core/origins.py).
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(collect_websocket_urlpatterns()))),
    }
)
