"""DRF authentication and permission for machines that send data with `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from apps.ingest.models import IngestToken
from apps.ingest.services import ingest_token_authenticate


class IngestTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, IngestToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():  # the scheme is case-insensitive (RFC 9110)
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization: Bearer <token>")
        token = ingest_token_authenticate(token=header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("unknown or revoked token")
        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HasIngestToken(permissions.BasePermission):
    message = "send an ingest token: Authorization: Bearer <token>"

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, IngestToken)
