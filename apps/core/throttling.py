"""DRF's rate throttles keyed on the client as the rest of the app knows it (apps/core/clients.py): the address
behind the trusted proxies, an IPv6 client as its /64. DRF's own would key on an X-Forwarded-For header the client
wrote itself whenever the app is reached directly, so a new header would be a new client."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from apps.core.clients import client_key


class ClientAnonThrottle(AnonRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_key(request, purpose="drf-throttle")


class ClientUserThrottle(UserRateThrottle):
    def get_ident(self, request: Any) -> str:
        return client_key(request, purpose="drf-throttle")


PUBLIC_THROTTLES = [ClientAnonThrottle, ClientUserThrottle]
