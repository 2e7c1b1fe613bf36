"""ASGI entry point: HTTP through Django, websockets through Channels.

Websocket routes are collected from every installed app that has a `routing` module, so a new domain
adds its routes without editing this file.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
django_asgi_app = get_asgi_application()  # sets up Django before anything imports models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cityops.realtime import collect_websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(collect_websocket_urlpatterns()))),
    }
)
