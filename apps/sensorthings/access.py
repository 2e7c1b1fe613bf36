"""Who calls the SensorThings API, and how often they may: the ingest token (Bearer, or as the password of HTTP
Basic, which is all frost-sta-client's AuthHandler sends) and the service's own read rates.

Reads page through many Observations (a month of one station's PM2.5 is 8,640 of them), so anonymous reads have
their own rate, `CITYOPS_STA_ANON_RATE` (scope `sta_anon`), instead of the other public APIs' `CITYOPS_ANON_RATE`;
a caller with an ingest token is counted per token at the signed-in rate (`CITYOPS_USER_RATE`), a signed-in person
per user at that rate as elsewhere.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from apps.core.throttling import ClientAnonThrottle, ClientUserThrottle
from apps.ingest.auth import IngestTokenAuthentication
from apps.ingest.models import IngestToken
from apps.ingest.services import ingest_token_authenticate


class StaTokenAuthentication(IngestTokenAuthentication):
    """`Authorization: Bearer <token>`, or `Authorization: Basic base64(any name:<token>)`."""

    def authenticate(self, request: Request) -> tuple[Any, IngestToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != "basic":
            return super().authenticate(request)
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Basic base64(name:token)")
        try:
            _name, colon, password = base64.b64decode(header[1], validate=True).decode("latin-1").partition(":")
        except (binascii.Error, ValueError):
            raise exceptions.AuthenticationFailed("Authorization: Basic base64(name:token)") from None
        token = ingest_token_authenticate(token=password) if colon and password else None
        if token is None:
            raise exceptions.AuthenticationFailed("unknown or revoked token (the password of Basic is the token)")
        return AnonymousUser(), token


class StaAnonThrottle(ClientAnonThrottle):
    """Anonymous reads, per client address, at CITYOPS_STA_ANON_RATE."""

    scope = "sta_anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if isinstance(request.auth, IngestToken):
            return None
        return super().get_cache_key(request, view)


class StaTokenThrottle(ClientUserThrottle):
    """Reads with an ingest token, per token, at the signed-in rate."""

    scope = "user"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, IngestToken):
            return None
        return self.cache_format % {"scope": "sta_token", "ident": request.auth.pk}


class StaUserThrottle(ClientUserThrottle):
    """Reads of a signed-in person, per user, at the signed-in rate."""

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


STA_THROTTLES = [StaAnonThrottle, StaTokenThrottle, StaUserThrottle]
