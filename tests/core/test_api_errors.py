"""Under /api/ every error is JSON — also those no API view answers — and no body makes a 500; pages keep
their HTML error pages.

The module is also a URLconf (`@pytest.mark.urls(__name__)`): the product's URLs plus views that fail."""

import json
import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.fieldwork.models import Visit
from tests.fieldwork.conftest import visit_data

VISITS = "/api/v1/fieldwork/visits"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8", "HTTP_ACCEPT_LANGUAGE": "en"}


class _FailingApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> HttpResponse:
        raise RuntimeError("the view broke while holding " + str(request.data))


def _failing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the page broke")


urlpatterns = [
    path("api/v1/failing", _FailingApi.as_view()),
    path("pages/failing", _failing_page),
    path("", include("cityops.urls")),
]


def nested(kind: str, depth: int) -> str:
    return "[" * depth + "]" * depth if kind == "arrays" else '{"a":' * depth + "1" + "}" * depth


def post_json(client: Client, url: str, body: str, **headers: str) -> HttpResponse:
    return client.post(url, data=body, content_type="application/json", **{**ENGLISH, **headers})


# --- Bodies that made a 500 ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_json_nested_100000_deep_is_400_and_stores_nothing(client, cast, city, kind):
    # given
    client.force_login(cast["officer"])

    # when
    response = post_json(client, VISITS, nested(kind, 100_000))

    # then
    assert (response.status_code, response.json()) == (400, {"detail": "The JSON is nested more than 64 levels deep."})
    assert Visit.objects.count() == 0


def test_the_depth_refusal_is_told_in_chinese(client, cast, city):
    client.force_login(cast["officer"])

    response = post_json(client, VISITS, nested("arrays", 1000), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.json() == {"detail": "JSON 嵌套超过 64 层。"}


@pytest.mark.parametrize("text", ["\ud800", "tail \udfff", "a\x00b"])
def test_text_no_database_stores_is_400_and_stores_nothing(client, cast, city, text):
    # given a visit that is fine but for a NUL or half a surrogate pair (sent as a JSON escape)
    client.force_login(cast["officer"])
    body = json.dumps(visit_data(notes=text))

    # when
    response = post_json(client, VISITS, body)

    # then
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON text contains a NUL character or an unpaired surrogate escape."}
    assert Visit.objects.count() == 0


def test_bytes_that_are_not_utf8_are_400_and_store_nothing(client, cast, city):
    client.force_login(cast["officer"])
    body = json.dumps(visit_data(notes="NOTES")).encode().replace(b"NOTES", b"caf\xe9")

    response = client.post(VISITS, data=body, content_type="application/json", **ENGLISH)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - 'utf-8' codec can't decode byte 0xe9")
    assert Visit.objects.count() == 0


# --- Errors no API view words ----------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_json_413_naming_the_limit(client, cast, city, settings):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(cast["officer"])

    # when
    response = post_json(client, VISITS, json.dumps(visit_data(notes="x" * 2000)))

    # then
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than the limit of 1.0\xa0KB.", "limit_bytes": 1024}
    assert Visit.objects.count() == 0


def test_a_form_over_the_upload_limit_is_json_413_under_api_and_a_400_page_elsewhere(client, settings):
    # given
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    form = "notes=" + "x" * 2000

    # when
    api = client.post(VISITS, data=form, content_type="application/x-www-form-urlencoded", **ENGLISH)
    page = client.post("/no-such-page/", data=form, content_type="application/x-www-form-urlencoded")

    # then
    assert (api.status_code, api.json()["limit_bytes"]) == (413, 1024)
    assert (page.status_code, page["Content-Type"]) == (400, "text/html; charset=utf-8")


def test_a_nul_in_a_form_under_api_is_json_400(client):
    response = client.post(VISITS, data="notes=%00", content_type="application/x-www-form-urlencoded", **ENGLISH)

    assert (response.status_code, response.json()) == (400, {"detail": "The request contains a NUL character."})


def test_an_unknown_api_url_is_json_404_and_an_unknown_page_stays_html(client):
    # when
    api = client.get("/api/v1/no-such-thing", **ENGLISH)
    chinese = client.get("/api/nothing/here", HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get("/no-such-page/")

    # then
    assert (api.status_code, api["Content-Type"], api.json()) == (404, "application/json", {"detail": "Not found."})
    assert chinese.json() == {"detail": "未找到。"}
    assert (page.status_code, page["Content-Type"]) == (404, "text/html; charset=utf-8")


def test_a_wrong_method_is_json_405_even_for_a_browser(client):
    response = client.put("/api/v1/regions/", data="{}", content_type="application/json", **BROWSER)

    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert response.json() == {"detail": 'Method "PUT" not allowed.'}
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_session_post_without_csrf_token_is_json_403_and_stores_nothing(cast, city):
    # given a signed-in browser that sends no CSRF token
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast["officer"])

    # when
    response = browser.post(VISITS, data=json.dumps(visit_data()), content_type="application/json", **BROWSER)

    # then
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert Visit.objects.count() == 0


def test_a_malformed_body_is_json_400_even_for_a_browser(client, cast, city):
    client.force_login(cast["officer"])

    response = post_json(client, VISITS, "{nope", **BROWSER)

    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json()["detail"].startswith("JSON parse error - Expecting property name")


# --- Server errors ---------------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("debug", [False, True])
def test_a_view_that_raises_is_json_500_without_traceback_or_request_data_and_is_logged(caplog, settings, debug):
    # given (DEBUG or not: a deployment left in DEBUG must not show its traceback either)
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)

    # when
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post("/api/v1/failing", data={"secret": "s3cr3t-value"}, **ENGLISH)

    # then
    assert (response.status_code, response["Content-Type"]) == (500, "application/json")
    assert response.json() == {"detail": "A server error occurred."}  # the whole body: no traceback, no data
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /api/v1/failing"
    assert record.exc_info[0] is RuntimeError


@pytest.mark.urls(__name__)
def test_a_page_that_raises_keeps_its_html_500(settings):
    client = Client(raise_request_exception=False)

    response = client.get("/pages/failing")

    assert (response.status_code, response["Content-Type"]) == (500, "text/html; charset=utf-8")


@pytest.mark.urls(__name__)
def test_an_unknown_api_url_is_json_404_in_debug_too(settings):
    settings.DEBUG = True

    response = Client().get("/api/v1/no-such-thing", **ENGLISH)

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_headers_of_the_replaced_answer_stay(client):
    response = client.get("/api/v1/no-such-thing", **ENGLISH)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Content-Length"] == str(len(response.content))
