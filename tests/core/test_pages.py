"""The home page, sign-in and sign-out, the language switch, the API docs, and no CDN anywhere."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from tests.conftest import PASSWORD

EXTERNAL_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
STAFF_LINKS = ['href="/regions/"', 'href="/admin/"', 'href="/api/docs/"', 'href="/healthz"']


def test_home_for_a_visitor_shows_sign_in_and_no_staff_surface(client, db):
    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/accounts/login/"' in html
    assert [link for link in STAFF_LINKS if link in html] == []
    assert 'action="/accounts/logout/"' not in html


def test_home_for_the_command_center_links_to_regions_only(client, cast):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/regions/"' in html
    assert 'href="/api/docs/"' in html
    assert 'href="/admin/"' not in html
    assert 'href="/healthz"' not in html
    assert 'href="/accounts/login/"' not in html
    assert 'action="/accounts/logout/"' in html


def test_home_for_the_admin_links_to_admin_api_docs_and_health(client, cast):
    # given
    client.force_login(cast["admin"])

    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert [link for link in STAFF_LINKS if link not in html] == []


@pytest.mark.parametrize(
    ("accept_language", "lang", "title", "other_title"),
    [
        ("en", "en", "City Operations Center", "城市运行中心"),
        ("zh-hans", "zh-hans", "城市运行中心", "City Operations Center"),
        ("zh-CN,zh;q=0.9", "zh-hans", "城市运行中心", "City Operations Center"),
    ],
)
def test_home_speaks_the_browser_language(client, db, accept_language, lang, title, other_title):
    # when
    response = client.get("/", headers={"accept-language": accept_language})

    # then
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert f"<h1>{title}</h1>" in html
    assert other_title not in html


def test_home_defaults_to_simplified_chinese(client, db):
    # when no language is asked for
    response = client.get("/")

    # then
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "<h1>城市运行中心</h1>" in html


def test_login_with_a_wrong_password_shows_an_error_and_keeps_the_username(client, cast):
    # when
    response = client.post(
        "/accounts/login/", {"username": "officer", "password": "wrong-password"}, headers={"accept-language": "en"}
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="form-errors" role="alert"' in html
    assert "Please enter a correct username and password." in html
    assert 'name="username" id="id_username" value="officer"' in html
    assert SESSION_KEY not in client.session


def test_login_with_the_right_password_goes_home_signed_in(client, cast):
    # when
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(cast["officer"].pk)


def test_login_follows_a_local_next_but_not_a_foreign_one(client, cast):
    # when
    local = client.post("/accounts/login/", {"username": "command", "password": PASSWORD, "next": "/regions/"})
    client.logout()
    foreign = client.post(
        "/accounts/login/", {"username": "command", "password": PASSWORD, "next": "https://evil.example/"}
    )

    # then
    assert (local.status_code, local["Location"]) == (302, "/regions/")
    assert (foreign.status_code, foreign["Location"]) == (302, "/")


def test_logout_by_post_signs_out(client, cast):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.post("/accounts/logout/")

    # then
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert SESSION_KEY not in client.session


def test_logout_by_get_is_refused_and_keeps_the_session(client, cast):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/accounts/logout/")

    # then
    assert response.status_code == 405
    assert client.session[SESSION_KEY] == str(cast["officer"].pk)


def test_language_switch_keeps_english_for_later_pages(client, db):
    # when
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    later = client.get("/", headers={"accept-language": "zh-hans"})

    # then the chosen language wins over the browser's
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = later.content.decode()
    assert '<html lang="en"' in html
    assert "<h1>City Operations Center</h1>" in html


def test_language_switch_back_to_chinese(client, db):
    # given
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    # when
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    later = client.get("/")

    # then
    assert '<html lang="zh-hans"' in later.content.decode()


def test_api_docs_serve_local_assets_only(client, cast):
    # given
    client.force_login(cast["officer"])

    # when
    response = client.get("/api/docs/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "https://" not in html
    assert "http://" not in html


@pytest.mark.parametrize(
    ("user", "path"),
    [
        (None, "/"),
        (None, "/accounts/login/"),
        ("command", "/"),
        ("command", "/regions/"),
        ("officer", "/api/docs/"),
        ("admin", "/"),
        ("admin", "/admin/"),
        ("admin", "/admin/core/auditlog/"),
    ],
)
def test_no_page_loads_anything_from_another_site(client, cast, user, path):
    # given
    if user:
        client.force_login(cast[user])

    # when
    response = client.get(path, follow=True)

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert EXTERNAL_ASSET.findall(html) == []
    # (a CSRF token is random text and may contain "cdn": look for CDN host names, not the letters)
    assert re.findall(r"cdn\.|unpkg\.com|jsdelivr|googleapis\.com", html.lower()) == []
