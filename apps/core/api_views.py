"""Small pieces every domain's staff API shares."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.views import APIView


class PermissionApi(APIView):
    """An API view for signed-in staff holding every one of `permissions` (403 otherwise)."""

    permissions: tuple[str, ...] = ()

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not request.user.has_perms(self.permissions):
            self.permission_denied(request)
