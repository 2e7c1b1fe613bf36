"""What is for staff only: the API schema and its docs, /healthz's details (not for a client behind a proxy on
this machine), and a refused request logged on one line."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/?format=json", "/api/docs/", "/api/docs/?script="])
def test_the_api_schema_and_docs_are_not_served_to_visitors(client, cast, path):
    # when
    visitor = client.get(path)
    client.login(username="officer", password=PASSWORD)
    staff = client.get(path)

    # then: the schema is a JSON 403, the docs send to sign in; staff get them
    if path.startswith("/api/schema/"):
        assert (visitor.status_code, visitor["Content-Type"]) == (403, "application/json")
    else:
        assert (visitor.status_code, visitor["Location"].split("?")[0]) == (302, "/accounts/login/")
    assert "/api/v1/" not in visitor.content.decode()
    assert staff.status_code == 200


@pytest.mark.parametrize(
    ("headers", "details"),
    [
        ({}, True),
        ({"HTTP_X_FORWARDED_FOR": "198.51.100.4"}, False),
        ({"HTTP_FORWARDED": "for=198.51.100.4"}, False),
        ({"HTTP_X_REAL_IP": "198.51.100.4"}, False),
    ],
    ids=["this machine", "x-forwarded-for", "forwarded", "x-real-ip"],
)
def test_healthz_details_go_to_this_machine_only_when_no_proxy_forwarded_the_request(client, db, settings, headers,
                                                                                     details):  # fmt: skip
    # given an untrusted proxy on this machine (not in CITYOPS_TRUSTED_PROXIES): every client looks like loopback
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CITYOPS_TRUSTED_PROXIES = []

    # when
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", **headers)

    # then
    assert response.status_code == 200
    assert ("checks" in response.json()) is details


def test_healthz_details_go_to_signed_in_staff_behind_a_proxy(client, cast, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client.force_login(cast["officer"])

    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")

    assert set(response.json()["checks"]) == {"database", "channel_layer", "cache", "broker"}


def test_a_refused_page_is_logged_on_one_line_without_a_traceback(client, cast):
    import io
    import logging

    # given an officer opening the supervisors' review queue; LOGGING's console handler writing here; a handler
    # noting what Django attached to the record
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    attached: list[bool] = []
    handler = logging.Handler()
    handler.emit = lambda record: attached.append(record.exc_info is not None)
    logging.getLogger("django.request").addHandler(handler)  # before the console's (the root's): sees it whole
    client.force_login(cast["officer"])
    stream = console.setStream(io.StringIO())

    # when
    try:
        response = client.get("/field/review/")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
        written = console.setStream(stream).getvalue()

    # then: Django attached the PermissionDenied; the console wrote the line alone
    assert (response.status_code, attached) == (403, [True])
    assert written.endswith(" WARNING django.request: Forbidden (Permission denied): /field/review/\n")
    assert written.count("\n") == 1
    assert "Traceback" not in written


def test_a_server_error_keeps_its_traceback():
    import logging
    import sys

    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    try:
        raise ValueError("boom")
    except ValueError:
        error = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x", None, error)
    record.status_code = 500

    assert console.filter(record)
    assert "Traceback" in console.format(record)
