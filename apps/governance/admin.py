"""The classification registry inside the admin too (Admin → Data governance → classification registry)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from apps.core.classification import registry


def classification_admin_view(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("core.view_auditlog"):
        raise PermissionDenied
    context: dict[str, Any] = {**admin.site.each_context(request), "title": _("Classification registry"),
                               "rows": registry()}  # fmt: skip
    return TemplateResponse(request, "governance/admin_classification.html", context)


_original_get_urls = admin.site.get_urls


def _get_urls() -> list[Any]:
    return [
        path(
            "governance/classification/",
            admin.site.admin_view(classification_admin_view),
            name="governance-classification",
        ),  # fmt: skip
        *_original_get_urls(),
    ]


if admin.site.get_urls is not _get_urls:
    admin.site.get_urls = _get_urls  # type: ignore[method-assign]
