"""Every REST endpoint under /api/v1/ refuses anonymous callers, unless it is declared public here with why;
spot checks that object endpoints refuse objects outside the caller's scope."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# route -> why anonymous callers get an answer. A new public endpoint fails the test until it is listed here.
PUBLIC = {
    "api/v1/regions/": "region boundaries are public reference data",
    "api/v1/regions.geojson": "region boundaries are public reference data",
    "api/v1/regions/lookup": "which region a point is in: public reference data",
    "api/v1/regions/lookup/": "which region a point is in: public reference data",
    "api/v1/regions/<str:code>/": "region boundaries are public reference data",
    "api/v1/environment/aqi": "the published AQI is public information for citizens",
    "api/v1/open-data/datasets": "open data, released after review (k-anonymised)",
    "api/v1/open-data/datasets/<slug:code>": "open data, released after review (k-anonymised)",
    "api/v1/open-data/datasets/<slug:code>/releases": "open data, released after review (k-anonymised)",
    "api/v1/open-data/releases/<int:pk>": "open data, released after review (k-anonymised)",
    "api/v1/open-data/releases/<int:pk>/files/<str:fmt>": "open data, released after review (k-anonymised)",
    "api/v1/public/status": "the public truth panel: public figures (their labels decide) and what backs them",
    "api/v1/public/contests": "citizens contest a published figure or a resolution (JSON, rate-limited per client)",
    "api/v1/public/contests/<str:code>": "a contest for whoever holds its code: state and verdict, words masked",
    "api/v1/public/performance": "接诉即办 rates, counts below k withheld",
    "api/v1/calendar/<int:year>": "the working calendar: the State Council's published holiday arrangement",
    "api/v1/evidence/server-key": "the public half of the server's countersigning key, for inspectors to compare",
    "api/v1/evidence/verifier": "the inspectors' checker of evidence packages (source code, no data)",
}
# Public routes that take an anonymous write, with why (the others answer anonymous reads only).
PUBLIC_WRITES = {"api/v1/public/contests": "a citizen's contest needs no account, as a report to the portal"}
SAMPLE = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000", "path": "x"}


def api_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return sorted({route for route in walk(get_resolver().url_patterns) if route.startswith("api/v1/")})


def sample_path(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)


def test_the_enumeration_finds_the_api():
    routes = api_routes()

    assert "api/v1/alerts/<int:pk>/" in routes
    assert "api/v1/grievances/<str:code>/contact" in routes
    assert set(PUBLIC) <= set(routes), "a public route listed here no longer exists"


@pytest.mark.parametrize("route", [r for r in api_routes() if r not in PUBLIC])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_non_public_endpoint_refuses_anonymous_callers(client, cast, route, method):
    # when
    response = getattr(client, method)(sample_path(route))

    # then
    assert response.status_code in (401, 403, 405), f"{method.upper()} {route} answered {response.status_code}"
    if response.status_code == 405:  # the method is not offered: the other one is checked
        return
    assert b"correct-horse" not in response.content


@pytest.mark.parametrize("route", sorted(set(PUBLIC) - set(PUBLIC_WRITES)))
def test_public_endpoints_answer_anonymous_reads_only(client, cast, route):
    # when
    response = client.post(sample_path(route), {})

    # then
    assert response.status_code in (401, 403, 404, 405)


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", "acknowledge"), ("post", "resolve"), ("post", "request-verification")]
)
def test_an_alert_outside_the_officers_district_is_not_found(client, cast, alert_in_w1, method, suffix):
    # given
    client.force_login(cast["other_officer"])
    before = (alert_in_w1.status, alert_in_w1.updated_at)

    # when
    response = getattr(client, method)(f"/api/v1/alerts/{alert_in_w1.pk}/{suffix}")

    # then
    assert response.status_code in (403, 404)
    alert_in_w1.refresh_from_db()
    assert (alert_in_w1.status, alert_in_w1.updated_at) == before


def test_an_alert_inside_the_officers_district_is_found(client, cast, alert_in_w1):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get(f"/api/v1/alerts/{alert_in_w1.pk}/")

    # then
    assert response.status_code == 200


def test_the_alert_list_holds_only_the_officers_district(client, cast, alert_in_w1):
    # given
    client.force_login(cast["other_officer"])

    # when
    response = client.get("/api/v1/alerts/")

    # then
    assert response.status_code == 200
    assert alert_in_w1.pk not in [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("route", sorted(PUBLIC_WRITES))
def test_public_writes_refuse_an_empty_or_form_body_and_store_nothing(client, cast, route):
    from apps.accountability.models import Contest

    form = client.post(sample_path(route), {})
    empty = client.post(sample_path(route), {}, content_type="application/json")

    assert form.status_code in (400, 415)
    assert empty.status_code == 400
    assert not Contest.objects.exists()
