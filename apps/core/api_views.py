"""Small pieces every domain's staff API shares."""

from __future__ import annotations

from typing import cast

from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.views import APIView


def default_paginator() -> BasePagination:
    """A new paginator of REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] (api_settings resolves it at run time, so
    its type is unknown to the type checker)."""
    return cast(type[BasePagination], api_settings.DEFAULT_PAGINATION_CLASS)()


class PermissionApi(APIView):
    """An API view for signed-in staff holding every one of `permissions` (403 otherwise)."""

    permissions: tuple[str, ...] = ()

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not request.user.has_perms(self.permissions):
            self.permission_denied(request)
