"""Security headers on every page: a CSP without inline scripts, frame denial, no sniffing, referrer policy;
and no template carries inline script code (JSON data blocks are not executed and are allowed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def csp(response) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
        for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
    }


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_pages_carry_the_content_security_policy_and_headers(client, db, path):
    # when
    response = client.get(path)

    # then
    policy = csp(response)
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["connect-src"] == "'self' ws://testserver wss://testserver"
    assert policy["worker-src"] == "'self' blob:"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response  # DEBUG (embedded) run: HSTS is for production only


def test_api_responses_carry_the_policy_too(client, cast):
    # given
    client.force_login(cast["command"])

    # when
    response = client.get("/api/v1/alerts/")

    # then
    assert csp(response)["script-src"] == "'self'"


def test_api_docs_start_swagger_ui_from_a_script_file(client, cast):
    # given
    client.force_login(cast["officer"])

    # when
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    # then
    html = page.content.decode()
    assert [body.strip() for _attrs, body in SCRIPT_TAG.findall(html)] == ["", "", ""]
    assert 'src="/api/docs/?script="' in html
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_has_inline_script_code_or_event_handlers():
    offenders = []
    for template in sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "apps").rglob("templates/**/*.html")):
        text = template.read_text()
        for attrs, body in SCRIPT_TAG.findall(text):
            if body.strip() and 'type="application/json"' not in attrs:
                offenders.append(f"{template.relative_to(ROOT)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text) or "javascript:" in text:
            offenders.append(f"{template.relative_to(ROOT)}: event handler attribute or javascript: URL")

    assert offenders == []


def test_production_sends_hsts_secure_cookies_and_redirects_to_https(tmp_path):
    from tests.core.test_settings import production, run_python

    # when
    result = run_python(
        ["-c", "import django; django.setup(); from django.conf import settings as s; "
               "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"],
        tmp_path, **production(),
    )  # fmt: skip

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["31536000", "True", "True", "True"]
