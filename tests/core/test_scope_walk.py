"""Region scope on every surface: a user of each role scoped to one district walks every page and API route
(found by walking the URL resolver, so a new surface is walked too) and every live stream, and nothing of the
other district comes back — beyond what an anonymous visitor gets from the same URL (public data)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.scope_world import CITY_CODE, OTHER, OTHER_STREET, OWN, OWN_STREET, SCOPED_ROLES, leaked, world_build

# Routes not walked, with why. Everything else is.
SKIPPED = {
    "admin": "walked from the admin's registry instead (admin_urls)",
    "set_language": "a POST-only language switch",
    "logout": "signs the walker out",
    "fieldwork:service-worker": "static script of the field app",
    "core:": "favicon",
}


def routes() -> Iterator[tuple[str, list[str]]]:
    """(URL name, parameter names) of every named URL pattern outside the admin."""

    def walk(patterns: Any, namespace: str = "") -> Iterator[tuple[str, list[str]]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                converters = getattr(pattern.pattern, "converters", None) or {}
                names = list(converters) or list(pattern.pattern.regex.groupindex)
                yield f"{namespace}{pattern.name}", names

    return walk(get_resolver().url_patterns)


def candidates(world: Any, url_name: str, parameter: str) -> list[str]:
    """Values to fill a URL parameter with: this district's objects and the other district's."""
    objects = world.objects
    by_name = {
        "pk": {
            "alert": [a.pk for a in objects["alert"]],
            "incident": [i.pk for i in objects["incident"]],
            "assignment": [a.pk for a in objects["assignment"]],
            "release": [r.pk for r in objects["release"]],
        },
        "code": {
            "region": [OWN, OWN_STREET, OTHER, OTHER_STREET, CITY_CODE],
            "grievance": [r.tracking_code for r in objects["report"]],
            "workbench": [r.tracking_code for r in objects["report"]],
            "detail": [r.tracking_code for r in objects["report"]],
            "indicator": ["traffic.congestion"],
            "dataset": ["citizen-reports"],
            "download": ["citizen-reports"],
            "release": ["citizen-reports"],
        },
        "uuid": {"visit": [str(v.uuid) for v in objects["visit"]]},
        "fmt": {"": ["json", "xml", "csv", "geojson"]},
        "service_code": {"": ["scope-pothole"]},
        "service_request_id": {"": [r.pk for r in objects["report"]]},
    }.get(parameter, {})
    for key, values in by_name.items():
        if key in url_name:
            return [str(v) for v in values]
    return ["1"]


def urls(world: Any) -> list[str]:
    """Every route with its parameters filled in every way the candidates allow, bare and with a query naming the
    other district. A route that cannot be filled at all fails: it would not be walked."""
    found, unfilled = [], []
    query = urlencode({"region": OTHER, "district": OTHER, "code": OTHER, "indicator": "traffic.congestion"})
    for name, parameters in routes():
        if any(name == skipped or name.startswith(f"{skipped}:") for skipped in SKIPPED):
            continue
        paths = []
        for values in itertools.product(*[candidates(world, name, p) for p in parameters]):
            try:
                paths.append(reverse(name, kwargs=dict(zip(parameters, values, strict=True))))
            except NoReverseMatch:  # e.g. "csv" for a route that offers json and xml
                continue
        unfilled += [] if paths else [name]
        found += [url for path in paths for url in (path, f"{path}?{query}")]
    assert unfilled == [], "routes the walk cannot fill: give their parameters candidates"
    return found


def admin_urls(world: Any) -> list[str]:
    """Every admin list, and every admin page of the world's objects (data stewards use the admin)."""
    from django.contrib import admin

    found = []
    for model in admin.site._registry:
        meta = model._meta
        found.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        for objects in world.objects.values():
            found += [reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[o.pk])
                      for o in objects if isinstance(o, model)]  # fmt: skip
    return found


def body(response: Any) -> str:
    """The response's text without the walk's own URL echoed back (a language switch's "next" link, a sign-in
    link): the path the walker asked for and the values of its query."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace")
    path = response.wsgi_request.path
    for echo in (path, quote(path, safe=""), quote(path)):
        text = text.replace(echo, "")
    return re.sub(rf"(=|%3D){OTHER}\b", "=", text)


@pytest.mark.django_db
def test_no_surface_shows_another_district_to_a_district_scoped_user_of_any_role():
    world = world_build()
    anonymous, walked, violations = Client(), 0, []
    public = {}
    for url in urls(world):  # what anyone gets, whatever the status (a 404 naming what was asked for)
        public[url] = set(leaked(body(anonymous.get(url))))
    staff_only = admin_urls(world)
    public.update(dict.fromkeys(staff_only, set()))
    for role in SCOPED_ROLES:
        client = Client()
        client.force_login(world.users[role])
        for url in urls(world) + (staff_only if world.users[role].is_staff else []):
            response = client.get(url)
            walked += 1
            extra = set(leaked(body(response))) - public[url]
            if extra:
                violations.append(f"{role} GET {url} → {response.status_code}: {sorted(extra)}")

    assert walked > 400  # the walk found the surfaces
    assert not violations, "\n".join(violations)


@pytest.mark.django_db
@pytest.mark.parametrize("role", SCOPED_ROLES)
@pytest.mark.parametrize("code", [OTHER, OTHER_STREET, CITY_CODE])
def test_region_pages_outside_the_scope_or_above_it_are_not_found(client, role, code):
    world = world_build()
    client.force_login(world.users[role])

    response = client.get(f"/regions/{code}/?indicator=healthcare.bed_occupancy")

    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_the_region_index_opens_the_users_own_district(client, role):
    world = world_build()
    client.force_login(world.users[role])

    response = client.get("/regions/")

    assert (response.status_code, response.headers["Location"]) == (302, f"/regions/{OWN}/")


@pytest.mark.django_db
def test_a_user_without_regions_in_a_role_that_is_not_city_wide_sees_no_region(client):
    from apps.accounts.roles import Role
    from apps.accounts.services import staff_user_upsert

    world_build()
    staff = staff_user_upsert(username="no.regions", password="x" * 16, roles=[Role.DEPARTMENT_STAFF],
                              department_codes=["roads"])  # fmt: skip
    client.force_login(staff)

    index = client.get("/regions/")
    city = client.get(f"/regions/{CITY_CODE}/")

    assert index.status_code == 200
    assert "尚未为您分配区域" in body(index)  # "No region is assigned to you"
    assert city.status_code == 404


def test_every_admin_of_a_region_bound_model_is_narrowed_to_the_users_regions():
    from django.contrib import admin

    from apps.accounts.selectors import RegionScopedAdminMixin, region_field

    unscoped = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if region_field(model) and not isinstance(model_admin, RegionScopedAdminMixin)
    ]  # fmt: skip

    assert unscoped == []


# --- Live streams ----------------------------------------------------------------------------------------


def stream_candidates(user_ids: tuple[int, ...] = ()) -> list[tuple[str, dict[str, Any]]]:
    """Every registered stream, with each region's code as its parameter where it takes one, and each user's id
    where it takes one (a user's own bell, and everyone else's)."""
    from cityops.realtime import stream_registry

    found = []
    candidates = [{}, *({"code": code} for code in (OWN, OWN_STREET, OTHER, OTHER_STREET, CITY_CODE)),
                  *({"user": pk} for pk in user_ids)]  # fmt: skip
    for stream in stream_registry:
        name = stream.name
        for params in candidates:
            try:
                found.append((name, dict(stream.clean_params(params))))
            except ValueError:
                continue
    return found


async def _frames(communicator: Any, *, wait: float, until: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Frames until `wait` seconds pass with none; with `until` (type, stream), first until such a frame has come
    (at most 20 s: a loaded machine can take seconds from a tick to its delta), then until quiet."""
    import asyncio

    frames: list[dict[str, Any]] = []
    if until is not None:
        async with asyncio.timeout(20):
            while until not in {(f.get("type"), f.get("stream")) for f in frames}:
                frames.append(await communicator.receive_json_from(timeout=20))
    while not await communicator.receive_nothing(timeout=wait):
        frames.append(await communicator.receive_json_from())
    return frames


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_no_stream_gives_another_district_to_a_district_scoped_user(client, role):
    import json

    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async

    from tests.core.test_consumers import open_socket, session_headers
    from tests.scope_world import figures_record

    world = world_build()
    headers = session_headers(client, world.users[role])
    subscribed = stream_candidates(tuple(sorted(user.pk for user in world.users.values())))
    from apps.notifications.services import notify

    # the other district's officer has a bell about their district: nobody else may read it
    notify(users=[world.users["other_officer"]], event="alert.opened", title_zh="隔壁街道：噪声",
           title_en="Nextdoor: noise")  # fmt: skip

    async def scenario() -> list[dict[str, Any]]:
        communicator = await open_socket(headers)
        try:
            for name, params in subscribed:
                await communicator.send_json_to({"type": "subscribe", "stream": name, "params": params})
            frames = await _frames(communicator, wait=0.3)
            # then new figures in both districts, a tick that publishes them, a new alert in the other district
            await database_sync_to_async(figures_record)(world, value_own=42.0, value_other=99.1)
            await database_sync_to_async(_alert_elsewhere)(world)
            return frames + await _frames(communicator, wait=0.5, until=("delta", "region"))
        finally:
            await communicator.disconnect()

    frames = async_to_sync(scenario)()

    assert {name for name, _params in subscribed} >= {"wall", "region", "alerts", "system", "notifications"}
    leaks = [(f.get("type"), f.get("stream"), f.get("params"), leaked(json.dumps(f, ensure_ascii=False)))
             for f in frames]  # fmt: skip
    assert [leak for leak in leaks if leak[3]] == []
    assert {(f["type"], f.get("stream")) for f in frames} >= {("snapshot", "region"), ("delta", "region")}
    walls = [f for f in frames if f.get("stream") == "wall" and f["type"] == "snapshot"]
    assert {w["data"]["city"]["code"] for w in walls} <= {OWN, OWN_STREET}  # never the city as its "city"
    if role == "command_center":
        assert {w["data"]["city"]["code"] for w in walls} == {OWN, OWN_STREET}


def _alert_elsewhere(world: Any) -> None:
    from apps.indicators.alerting import alert_raise
    from apps.indicators.models import Alert
    from apps.notifications.services import notify

    notify(users=[world.users["other_officer"]], event="alert.opened", title_zh="隔壁街道：噪声又超标",
           title_en="Nextdoor: noise again")  # fmt: skip
    alert_raise(
        kind=Alert.Kind.THRESHOLD, severity="warning", title_zh="隔壁街道：噪声", title_en="Nextdoor: noise",
        region=world.regions[OTHER_STREET], indicator="environment.noise_over_limit", value=3, threshold=1,
    )  # fmt: skip
