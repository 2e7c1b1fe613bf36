"""`manage.py check --deploy` refuses a production server that keeps the embedded CAP sender or public address."""

from __future__ import annotations

from apps.warnings.checks import cap_sender_check
from tests.core.test_settings import production, run_python


def test_production_with_the_embedded_sender_and_address_fails_check_deploy(tmp_path):
    # when: production (DATABASE_URL set), CITYOPS_CAP_SENDER and CITYOPS_PUBLIC_URL left unset
    result = run_python(
        ["manage.py", "check", "--deploy"], tmp_path, **production(CITYOPS_CAP_SENDER="", CITYOPS_PUBLIC_URL="")
    )

    # then
    assert result.returncode == 1
    assert "(warnings.E001) CITYOPS_CAP_SENDER is the embedded default" in result.stderr
    assert "(warnings.E003) CITYOPS_PUBLIC_URL is the embedded default" in result.stderr


def test_the_check_passes_embedded_and_with_a_city_sender(settings):
    settings.EMBEDDED = True
    assert cap_sender_check() == []

    settings.EMBEDDED = False
    settings.CITYOPS_CAP_SENDER, settings.CITYOPS_PUBLIC_URL = "ops.example.org", "https://ops.example.org"
    assert cap_sender_check() == []

    settings.CITYOPS_CAP_SENDER = "ops example,org"
    assert [e.id for e in cap_sender_check()] == ["warnings.E002"]

    # the embedded default follows `make run`'s PORT: any loopback address is still not a public one
    settings.CITYOPS_CAP_SENDER, settings.CITYOPS_PUBLIC_URL = "ops.example.org", "http://127.0.0.1:9000"
    assert [e.id for e in cap_sender_check()] == ["warnings.E003"]
    settings.CITYOPS_PUBLIC_URL = "http://localhost"
    assert [e.id for e in cap_sender_check()] == ["warnings.E003"]
