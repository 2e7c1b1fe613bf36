"""The registry of surfaces (pages) the home page and navigation link to.

Each app declares its surfaces in its manifest (`pages`) with a visibility test, so the home page shows
every surface a user's role may use without knowing the apps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.core.registry import Registry


@dataclass(frozen=True)
class Surface:
    key: str
    title: str | Promise
    description: str | Promise
    url_name: str
    visible: Callable[[Any], bool]
    order: int = 100
    in_nav: bool = True
    # A count beside the nav entry for this user (things waiting for them), or None; a cheap query: every page.
    badge: Callable[[Any], int] | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# The pages of every app's manifest (`pages`), the core's own below.
surface_registry: Registry[Surface] = Registry("page", key=lambda s: s.key)


def surfaces_for_user(user: Any) -> list[Surface]:
    return sorted((s for s in surface_registry if s.visible(user)), key=lambda s: (s.order, s.key))


def is_authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


CORE_PAGES = (
    Surface(
        key="api-docs",
        title=_("API documentation"),
        description=_("The REST API with its OpenAPI 3 schema, to try calls from the browser."),
        url_name="api-docs",
        visible=is_authenticated,
        order=900,
        in_nav=False,
    ),
    Surface(
        key="admin",
        title=_("Administration"),
        description=_("Accounts, roles, regions and every record, with filters and search."),
        url_name="admin:index",
        visible=lambda user: bool(getattr(user, "is_staff", False)),
        order=950,
        in_nav=False,
    ),
    Surface(
        key="healthz",
        title=_("System health"),
        description=_("Database, channel layer, cache and task broker, checked now (JSON)."),
        url_name="core:healthz",
        visible=lambda user: bool(getattr(user, "is_superuser", False)),
        order=990,
        in_nav=False,
    ),
)
