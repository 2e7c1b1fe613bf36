"""The basemap's endpoints, public and outside the throttled REST API (a map asks for dozens of tiles at once):
the MapLibre style, our labelled layers as GeoJSON, place search, and the tiles of a local basemap file."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET

from apps.core.clients import rate_limited
from apps.regions.basemap import (
    LANGUAGES,
    QUERY_MAX,
    basemap_features,
    basemap_search,
    basemap_strings,
    basemap_style,
)
from apps.regions.tiles import TileFileError, tile_address_valid, tile_file_open

logger = logging.getLogger(__name__)

SEARCHES_PER_MINUTE = 120
# z/x/y as typed in a URL: plain decimal numbers; an extension (".png", ".pbf") is allowed and ignored.
_NUMBER = re.compile(r"[0-9]{1,9}")
_LAST = re.compile(r"([0-9]{1,9})(?:\.[a-z0-9]{1,5})?")


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400)


def _language(request: HttpRequest) -> str | None:
    """The `lang` asked for, else the page's language; None when `lang` is not one we have."""
    asked = request.GET.get("lang", "").lower()
    if asked:
        return asked if asked in LANGUAGES else None
    return "zh-hans" if (get_language() or "").lower().startswith("zh") else "en"


def _cached(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={seconds}"
    return response


@require_GET
@gzip_page  # public reference data, no secret in it: compressing it reveals nothing (no BREACH concern)
def style(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    if language is None:
        return _bad_request(_("Unknown language: use one of %(languages)s.") % {"languages": ", ".join(LANGUAGES)})
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = basemap_style(language=language, base_url=base_url)
    with translation.override(language):
        body["metadata"] = {"cityops:strings": basemap_strings()}
    return _cached(JsonResponse(body), 300)


@require_GET
@gzip_page  # ~150 kB of GeoJSON for a city of 200 regions: ~35 kB on a phone's network
def features(request: HttpRequest) -> HttpResponse:
    return _cached(JsonResponse(basemap_features(), content_type="application/geo+json"), 300)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    if language is None:
        return _bad_request(_("Unknown language: use one of %(languages)s.") % {"languages": ", ".join(LANGUAGES)})
    query = request.GET.get("q", "")
    if len(query) > QUERY_MAX:
        return _bad_request(_("Type at most %(count)d characters.") % {"count": QUERY_MAX})
    if rate_limited(request, action="regions.search", limit=SEARCHES_PER_MINUTE, window_seconds=60):
        return JsonResponse({"detail": _("Too many searches: wait a minute.")}, status=429)
    with translation.override(language):  # the kinds' words too, in the language asked for
        results = [
            {
                "name": place.name,
                "kind": place.kind,
                "kind_label": str(place.kind_label),
                "context": place.context,
                "center": list(place.center),
                "bbox": list(place.bbox) if place.bbox else None,
            }
            for place in basemap_search(query=query, language=language)
        ]
    return JsonResponse({"results": results})


@require_GET
def tile(request: HttpRequest, z: str, x: str, y: str) -> HttpResponse:
    """A tile of CITYOPS_BASEMAP_FILE: 200 with its bytes, 204 where the file has none, 400 for a bad address,
    404 when no file is configured, 503 when it cannot be read."""
    last = _LAST.fullmatch(y)
    if not (_NUMBER.fullmatch(z) and _NUMBER.fullmatch(x) and last):
        return _bad_request(_("A tile address is three numbers: zoom/column/row."))
    zoom, column, row = int(z), int(x), int(last.group(1))
    if not tile_address_valid(z=zoom, x=column, y=row):
        return _bad_request(_("No such tile: the zoom is 0–24 and the column and row below 2 to the zoom."))
    if not settings.CITYOPS_BASEMAP_FILE:
        return JsonResponse({"detail": _("No basemap file is configured.")}, status=404)
    try:
        archive = tile_file_open(settings.CITYOPS_BASEMAP_FILE)
        data = archive.tile(z=zoom, x=column, y=row)
    except (TileFileError, OSError, ValueError) as exc:
        logger.error("basemap file unreadable: %s", exc)
        return JsonResponse({"detail": _("The basemap file cannot be read.")}, status=503)
    if data is None:
        return _cached(HttpResponse(status=204), 3600)
    return _cached(HttpResponse(data, content_type=archive.info.media_type), 86400)
