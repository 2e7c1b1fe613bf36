"""Inline SVG drawings of boundaries, for the admin (no tile server, no JavaScript)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _rings(geometry: dict[str, Any] | None) -> Iterator[list[list[float]]]:
    if not geometry:
        return
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for polygon in polygons:
        yield from polygon


class _View(NamedTuple):
    """A north-up drawing of some rings, `scale` viewBox units a degree, `width` × `height` units."""

    west: float
    north: float
    scale: float
    width: float
    height: float


def _view(frame: list[list[list[float]]], size: int) -> _View:
    """The view that fits the rings of `frame` into `size` units at its longer side."""
    xs = [x for ring in frame for x, _y in ring]
    ys = [y for ring in frame for _x, y in ring]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    # Longitude degrees shrink with latitude; a plain equirectangular view is fine at city scale.
    scale = size / max(east - west, north - south, 1e-9)
    return _View(west, north, scale, (east - west) * scale, (north - south) * scale)


def _path(rings: list[list[list[float]]], view: _View) -> str:
    west, north, scale = view.west, view.north, view.scale
    parts = []
    for ring in rings:
        points = " ".join(f"{(x - west) * scale:.1f},{(north - y) * scale:.1f}" for x, y in ring)
        parts.append(f"M{points}Z")
    return "".join(parts)


def region_svg(geometry: dict[str, Any] | None, *, size: int, context: dict[str, Any] | None = None) -> SafeString:
    """An SVG of the boundary (filled), optionally over a context outline (e.g. the parent), north up.

    Built only from numbers formatted here, so marking it safe cannot inject markup.
    """
    rings = list(_rings(geometry))
    context_rings = list(_rings(context))
    frame = context_rings or rings
    if not frame:
        return mark_safe("")  # noqa: S308  (constant)
    view = _view(frame, size)
    context_path = _path(context_rings, view) if context_rings else ""
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{view.width:.0f}" height="{view.height:.0f}" '
        f'viewBox="0 0 {view.width:.1f} {view.height:.1f}" role="img" class="region-svg">'
        + (
            f'<path d="{context_path}" fill="#eef2f7" stroke="#9aa7b8" stroke-width="1" fill-rule="evenodd"/>'
            if context_path
            else ""
        )
        + f'<path d="{_path(rings, view)}" fill="#2f6fb3" fill-opacity="0.55" stroke="#1d4f86" '
        'stroke-width="1.2" fill-rule="evenodd"/></svg>'
    )
    return mark_safe(svg)  # noqa: S308  (only numbers we formatted)


def regions_map_svg(outline: dict[str, Any] | None, parts: list[tuple[str, str, dict[str, Any] | None]], *,
                    size: int = 600) -> SafeString:  # fmt: skip
    """A clickable map without tiles: the outline and its parts (code, name, geometry), north up, with the
    projection in data attributes so a script turns a click into longitude and latitude:
    lon = west + x / scale, lat = north - y / scale (x, y in viewBox units)."""
    frame = list(_rings(outline)) or [ring for _c, _n, g in parts for ring in _rings(g)]
    if not frame:
        return mark_safe("")  # noqa: S308  (constant)
    view = _view(frame, size)
    shapes = "".join(
        f'<path d="{_path(list(_rings(geometry)), view)}" data-code="{escape(code)}">'
        f"<title>{escape(name)}</title></path>"
        for code, name, geometry in parts
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view.width:.1f} {view.height:.1f}" class="pick-map" '
        f'data-west="{view.west:.6f}" data-north="{view.north:.6f}" data-scale="{view.scale:.6f}" role="img">'
        f'<path class="outline" d="{_path(frame, view)}"/>{shapes}'
        '<circle class="pin" r="7" cx="-100" cy="-100"/></svg>'
    )
    return mark_safe(svg)  # noqa: S308  (numbers we formatted and escaped names)


def region_map_svg(region: Any, *, size: int = 300) -> str:
    """A region's outline with the regions below it drawn inside (its own outline alone for a leaf); "" for none."""
    if region is None:
        return ""
    from apps.regions.models import Region

    parts = [(r.code, r.name, r.geometry) for r in Region.objects.filter(parent=region).order_by("code")]
    return regions_map_svg(region.geometry, parts or [(region.code, region.name, region.geometry)], size=size)
