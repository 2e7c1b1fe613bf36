"""Settings for the test suite: the project's own settings, with a throw-away data dir.

The same file serves the embedded run (`make test`) and the service-backed run (`make test-services`,
which sets DATABASE_URL, REDIS_URL and CELERY_BROKER_URL): production mode needs SECRET_KEY, hosts and
field keys, which are given here for the tests only.
"""

import os
import tempfile

from cryptography.fernet import Fernet

os.environ["CITYOPS_DATA_DIR"] = tempfile.mkdtemp(prefix="cityops-test-")
os.environ["CITYOPS_EMBEDDED_SCHEDULER"] = "0"
os.environ.pop("CITYOPS_DEMO_PASSWORD", None)
if os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SECRET_KEY", "tests-only-" + Fernet.generate_key().decode())
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("CITYOPS_FIELD_KEYS", Fernet.generate_key().decode())
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from cityops.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests never store real passwords
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
WHITENOISE_USE_FINDERS = True  # the browser tests' live server serves static files without collectstatic
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not :memory:, so the live ASGI server of the browser tests sees the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
# Close connections after each request, so server threads of the live tests leave none open on the test DB.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Admins and stewards need a second factor in the app; most tests sign them in with force_login, which cannot
# give one. tests/accounts/test_two_factor.py turns the requirement back on (the `settings` fixture).
CITYOPS_TOTP_REQUIRED_ROLES: list[str] = []

# Random re-checks pick visits by their random UUID: off unless a test turns them on, so a test recording one
# visit does not find a second assignment one run in ten.
CITYOPS_FIELD_RECHECK_SHARE = 0.0

# A small domain kept with the tests (tests/water/): listing it here is all it takes to enable it — its feed,
# indicator, page, role permission, periodic task and field labels come from its manifest (apps/core/plugins.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.water"]  # noqa: F405
