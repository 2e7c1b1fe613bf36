"""cityops.settings refuses unsafe or incomplete configurations at start-up (each case in a fresh process)."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

# Every variable cityops.settings reads: a test starts from none of them, whatever the suite runs with.
SETTINGS_VARIABLES = [
    "CITYOPS_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_TIME_LIMIT",
    "CELERY_TASK_SOFT_TIME_LIMIT",
    "DATABASE_CONN_MAX_AGE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "CITYOPS_EMBEDDED_SCHEDULER",
    "CITYOPS_FIELD_KEYS",
    "CITYOPS_DEMO_PASSWORD",
    "CITYOPS_ANON_RATE",
    "CITYOPS_USER_RATE",
    "LANGUAGE_CODE",
    "TIME_ZONE",
    "LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "CITYOPS_LOGIN_MAX_FAILURES",
    "CITYOPS_LOGIN_MAX_FAILURES_PER_ADDRESS",
    "CITYOPS_LOGIN_LOCK_MINUTES",
    "CITYOPS_SESSION_IDLE_MINUTES",
    "CITYOPS_HTTPS",
    "CITYOPS_STATIC_ROOT",
    "CITYOPS_TRUSTED_PROXIES",
]

SETUP = "import django; django.setup()"
PRINT_SECRETS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECRET_KEY); print(','.join(settings.CITYOPS_FIELD_KEYS))"
)


def run_python(args: list[str], data_dir: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="cityops.settings", CITYOPS_DATA_DIR=str(data_dir), **variables)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def production(**overrides: str) -> dict[str, str]:
    variables = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
        "SECRET_KEY": secrets.token_urlsafe(45),
        "ALLOWED_HOSTS": "ops.example.org",
        "CITYOPS_FIELD_KEYS": Fernet.generate_key().decode(),
        # Public warnings name their sender and link the public address: check --deploy refuses the defaults.
        "CITYOPS_CAP_SENDER": "ops.example.org",
        "CITYOPS_PUBLIC_URL": "https://ops.example.org",
    }
    variables.update(overrides)
    return {key: value for key, value in variables.items() if value}


def test_production_without_secret_key_is_refused(tmp_path):
    # when
    result = run_python(["-c", SETUP], tmp_path, **production(SECRET_KEY=""))

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is required" in result.stderr
    assert not (tmp_path / "secret-key").exists()


def test_allowed_hosts_star_is_refused(tmp_path):
    # when
    result = run_python(["-c", SETUP], tmp_path, ALLOWED_HOSTS="*")

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS='*' is refused" in result.stderr


def test_production_without_allowed_hosts_is_refused(tmp_path):
    # when
    result = run_python(["-c", SETUP], tmp_path, **production(ALLOWED_HOSTS=""))

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS is required" in result.stderr


def test_debug_with_a_non_boolean_value_is_refused_naming_debug(tmp_path):
    # when
    result = run_python(["-c", SETUP], tmp_path, DEBUG="maybe")

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG='maybe' is not a boolean" in result.stderr


def test_production_without_field_keys_is_refused(tmp_path):
    # when
    result = run_python(["-c", SETUP], tmp_path, **production(CITYOPS_FIELD_KEYS=""))

    # then
    assert result.returncode != 0
    assert "ImproperlyConfigured: CITYOPS_FIELD_KEYS is required in production" in result.stderr
    assert not (tmp_path / "field-keys").exists()


def test_field_keys_that_are_not_fernet_keys_are_refused(tmp_path):
    # when
    result = run_python(["-c", SETUP], tmp_path, CITYOPS_FIELD_KEYS="not-a-key")

    # then
    assert result.returncode != 0
    assert "CITYOPS_FIELD_KEYS holds a value that is not a Fernet key" in result.stderr


def test_embedded_default_creates_private_secrets_in_the_data_dir_and_reuses_them(tmp_path):
    # when the first start runs with an empty data dir
    first = run_python(["-c", PRINT_SECRETS], tmp_path)

    # then both secrets exist, readable by the owner only, and are the ones in use
    assert first.returncode == 0, first.stderr
    secret_key, field_keys = first.stdout.splitlines()
    for name in ("secret-key", "field-keys"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert (tmp_path / "secret-key").read_text() == secret_key + "\n"
    assert (tmp_path / "field-keys").read_text() == field_keys + "\n"
    assert len(secret_key) >= 50
    Fernet(field_keys)  # a valid key

    # when the second start runs
    second = run_python(["-c", PRINT_SECRETS], tmp_path)

    # then it reuses them
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == [secret_key, field_keys]


def test_check_deploy_passes_with_a_production_environment(tmp_path):
    # when (check --deploy does not connect to the database)
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production())

    # then
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


PRINT_MODE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DEBUG, settings.HTTPS, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS)"
)


def test_make_run_serves_without_debug_pages_unless_asked_and_over_plain_http(tmp_path):
    # when: embedded (make run), with nothing set, then with DEBUG=1
    plain = run_python(["-c", PRINT_MODE], tmp_path)
    asked = run_python(["-c", PRINT_MODE], tmp_path, DEBUG="1")

    # then no debug pages by default, and no secure-only cookies on its plain-HTTP port
    assert plain.returncode == asked.returncode == 0, plain.stderr + asked.stderr
    assert plain.stdout.split()[:3] == ["False", "False", "False"]
    assert asked.stdout.split()[:3] == ["True", "False", "False"]


def test_the_data_dir_the_database_and_uploads_are_private(tmp_path):
    # given a data dir anyone could read
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)

    # when the app starts and migrates its database
    result = run_python(["manage.py", "migrate", "--noinput", "-v", "0"], data)

    # then only this account can read the dir, the database or a photo it stores
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "cityops.sqlite3").stat().st_mode) == 0o600
    check = "from django.conf import settings; print(oct(settings.FILE_UPLOAD_PERMISSIONS))"
    assert run_python(["-c", f"{SETUP}; {check}"], data).stdout.strip() == "0o600"


def test_trusted_proxies_that_are_not_addresses_are_refused(tmp_path):
    result = run_python(["-c", SETUP], tmp_path, CITYOPS_TRUSTED_PROXIES="nginx.local")

    assert result.returncode != 0
    assert "ImproperlyConfigured: CITYOPS_TRUSTED_PROXIES: 'nginx.local' is not an IP address" in result.stderr
