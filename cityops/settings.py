"""CityOps settings: one env-driven module.

Embedded by default (no DATABASE_URL): SQLite in WAL mode, the in-memory channel layer, Celery in eager
mode with an in-process runner for the beat schedule, and a local-memory cache. Setting DATABASE_URL,
REDIS_URL and CELERY_BROKER_URL switches each part to its production service. Every variable is listed
with a comment in .env.example.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from cityops.env import (
    env_bool,
    env_choice,
    env_float,
    env_hours,
    env_int,
    env_list,
    env_networks,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CITYOPS_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
try:  # keys, the database and citizens' photos: for the account that runs CityOps only
    DATA_DIR.chmod(0o700)
except PermissionError:
    raise ImproperlyConfigured(f"CITYOPS_DATA_DIR {DATA_DIR} belongs to another account: run as its owner") from None

DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
EMBEDDED = not DATABASE_URL

# Debug pages show the URLconf and tracebacks with request data: only when asked for, in embedded mode too
# (`make run` is also how a small city on a closed network runs CityOps).
DEBUG = env_bool("DEBUG", default=False)
# Served over HTTPS (secure cookies, redirects, HSTS): production by default; embedded mode serves plain HTTP on
# its own port unless a TLS proxy is put in front and this is set.
HTTPS = env_bool("CITYOPS_HTTPS", default=not EMBEDDED)


def _data_dir_secret(filename: str, make: Callable[[], str]) -> str:
    """Read a generated secret from the data dir, creating it (mode 0600) on first use."""
    path = DATA_DIR / filename
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(make() + "\n")
    return path.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY is required in production (50+ random characters)")
    SECRET_KEY = _data_dir_secret("secret-key", lambda: secrets.token_urlsafe(50))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if EMBEDDED else [])
if "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS='*' is refused: list the host names this server answers to")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client (apps/core/clients.py). Empty:
# no proxy is trusted and the client is the connection's peer, so nobody can choose their own address.
CITYOPS_TRUSTED_PROXIES = env_networks("CITYOPS_TRUSTED_PROXIES")

# Flash messages in the session, not a cookie: one may carry a secret shown once (a new webhook's signing key),
# and a cookie is signed, not encrypted.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "apps.core",
    "apps.regions",
    "apps.accounts",
    "apps.indicators",
    "apps.dashboards",
    "apps.ingest",
    "apps.traffic",
    "apps.environment",
    "apps.healthcare",
    "apps.grievances",
    "apps.fieldwork",
    "apps.evidence",
    "apps.sensorthings",
    "apps.warnings",
    "apps.governance",
    "apps.opendata",
    "apps.accountability",
    "apps.deadlines",
    "apps.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.ApiJsonErrorsMiddleware",  # outside all that answers errors: JSON under /api/
    "apps.core.outages.ServiceOutageMiddleware",  # a view's lost database or Redis: 503 with Retry-After
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "apps.core.middleware.RejectNulBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "cityops.urls"
ASGI_APPLICATION = "cityops.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.cityops",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
if EMBEDDED:
    _sqlite = DATA_DIR / "cityops.sqlite3"
    _sqlite.touch(mode=0o600)  # SQLite gives its -wal and -shm files the database file's mode
    _sqlite.chmod(0o600)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite,
            "OPTIONS": {
                # WAL lets the web process read while the scheduler thread writes; IMMEDIATE avoids
                # "database is locked" upgrades from read to write transactions.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
else:
    _db = parse_database_url("DATABASE_URL", DATABASE_URL)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _db.name,
            "USER": _db.user,
            "PASSWORD": _db.password,
            "HOST": _db.host,
            "PORT": _db.port,
            "OPTIONS": _db.options,
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache ----------------------------------------------------------------------------
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # Redis pub/sub: a group is a Redis channel each ASGI process's hub subscribes to, so a message is one
            # PUBLISH pushed at once to every process (channels-redis's list-based layer cost four round trips
            # and a blocking pop per message: 1.6 ms against 0.2). Nothing is stored: a process that is
            # disconnected misses messages, and its screens see the gap in sequence numbers and take a fresh
            # snapshot (cityops/realtime.py), as they do after any outage.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "cityops"},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cityops",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cityops"}}

# --- Celery ---------------------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# The beat schedule is not listed here: each app declares its periodic tasks in its manifest, and the core merges
# them into Celery's `beat_schedule` at start-up (apps/core/plugins.py `beat_schedule()`).
# Embedded mode runs the beat schedule in a thread of `manage.py serve` (no broker, no beat process).
CITYOPS_EMBEDDED_SCHEDULER = CELERY_TASK_ALWAYS_EAGER and env_bool("CITYOPS_EMBEDDED_SCHEDULER", True)

# --- Personal data --------------------------------------------------------------------------------------
# Fernet keys, newest first; older keys still decrypt until `manage.py rotate_field_keys` re-encrypts.
CITYOPS_FIELD_KEYS = env_list("CITYOPS_FIELD_KEYS")
if not CITYOPS_FIELD_KEYS:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "CITYOPS_FIELD_KEYS is required in production (comma-separated Fernet keys, newest first)"
        )
    CITYOPS_FIELD_KEYS = [
        line.strip()
        for line in _data_dir_secret("field-keys", lambda: Fernet.generate_key().decode()).splitlines()
        if line.strip()
    ]
for _key in CITYOPS_FIELD_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured("CITYOPS_FIELD_KEYS holds a value that is not a Fernet key") from None

# Signed field evidence (apps/evidence): "preferred" takes unsigned visits as they are; "required" flags them for
# review and counts only signed visits in officers' outcomes.
CITYOPS_FIELD_SIGNING = env_str("CITYOPS_FIELD_SIGNING") or "preferred"
if CITYOPS_FIELD_SIGNING not in ("preferred", "required"):
    raise ImproperlyConfigured(f"CITYOPS_FIELD_SIGNING is 'preferred' or 'required', not {CITYOPS_FIELD_SIGNING!r}")
# The server's countersigning key (an unencrypted ECDSA P-256 PEM): the same file on every host of a deployment.
# Unset: generated once into the data dir (evidence-key.pem).
CITYOPS_EVIDENCE_KEY_FILE = env_str("CITYOPS_EVIDENCE_KEY_FILE")
if CITYOPS_EVIDENCE_KEY_FILE and not Path(CITYOPS_EVIDENCE_KEY_FILE).is_file():
    raise ImproperlyConfigured(f"CITYOPS_EVIDENCE_KEY_FILE {CITYOPS_EVIDENCE_KEY_FILE} is not a readable file")

CITYOPS_DEMO_PASSWORD = env_str("CITYOPS_DEMO_PASSWORD")
# Run the domain apps' demo simulators; screens then say that the data is simulated. Embedded default: on.
CITYOPS_SIMULATE = env_bool("CITYOPS_SIMULATE", EMBEDDED)
# The AQI standard for every reading; empty: by the reading's date (HJ 633-2012 before 2026-03-01, then 2026).
# The command wall's tiles (indicator codes, comma-separated); empty: each domain's headline indicators.
CITYOPS_WALL_TILES = env_list("CITYOPS_WALL_TILES", [])
# The storm guard: more than this many new alerts within this many seconds and the walls are told once that a
# storm is on (and once that it is over, at half the count or fewer).
CITYOPS_ALERT_STORM_COUNT = env_int("CITYOPS_ALERT_STORM_COUNT", 10, minimum=1)
CITYOPS_ALERT_STORM_WINDOW_S = env_int("CITYOPS_ALERT_STORM_WINDOW_S", 300, minimum=10)
# Grievances: a citizen may reopen a resolved report within this many days; portal submissions per client per hour.
CITYOPS_GRIEVANCE_REOPEN_DAYS = env_int("CITYOPS_GRIEVANCE_REOPEN_DAYS", 7)
CITYOPS_GRIEVANCE_REPORTS_PER_HOUR = env_int("CITYOPS_GRIEVANCE_REPORTS_PER_HOUR", 10)
# 接诉即办 performance (/public/performance/): the share of resolved-and-rated reports checked independently (a
# field visit or a callback from outside the department); a rating within this many minutes of a staff action on
# the report is not independent; a gap between a claimed and a verified rate at least this large is flagged.
CITYOPS_RESOLUTION_CHECK_SHARE = env_float("CITYOPS_RESOLUTION_CHECK_SHARE", 0.2, minimum=0.0, maximum=1.0)
CITYOPS_RATING_AFTER_STAFF_MINUTES = env_int("CITYOPS_RATING_AFTER_STAFF_MINUTES", 10, minimum=0)
CITYOPS_PERFORMANCE_GAP_FLAG = env_float("CITYOPS_PERFORMANCE_GAP_FLAG", 0.15, minimum=0.0, maximum=1.0)
# Contests of published figures (/public/): contests of one figure in one place within this many hours are one
# group; a group of this many contestants (or any contest of a resolution) is sent to the field; contests per
# client per hour.
CITYOPS_CONTEST_WINDOW_HOURS = env_int("CITYOPS_CONTEST_WINDOW_HOURS", 24, minimum=1)
CITYOPS_CONTEST_THRESHOLD = env_int("CITYOPS_CONTEST_THRESHOLD", 3, minimum=1)
CITYOPS_CONTESTS_PER_HOUR = env_int("CITYOPS_CONTESTS_PER_HOUR", 10, minimum=1)
# The working calendar (apps/deadlines): office hours in TIME_ZONE on working days ("09:00-17:00"), and how many
# days before a year begins its missing holiday arrangement is reported on the wall and in the admin.
CITYOPS_WORKING_HOURS = env_hours("CITYOPS_WORKING_HOURS", "09:00-17:00")  # (start, end) in minutes
CITYOPS_CALENDAR_WARN_DAYS = env_int("CITYOPS_CALENDAR_WARN_DAYS", 60, minimum=1)
# Notifications (apps/notifications): like notifications of one group (an alert storm) within this many minutes are
# one message with a count. E-mail goes through Django's mail settings: the console in embedded mode, SMTP otherwise.
CITYOPS_NOTIFY_GROUP_MINUTES = env_int("CITYOPS_NOTIFY_GROUP_MINUTES", 30, minimum=1)
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if EMBEDDED else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cityops@localhost")
# Outgoing webhooks: seconds a receiver has to answer; attempts of one delivery before it is given up (backoff
# 30 s, 60 s, … capped at an hour); consecutive failed attempts after which the webhook is disabled.
CITYOPS_WEBHOOK_TIMEOUT_S = env_float("CITYOPS_WEBHOOK_TIMEOUT_S", 5.0, minimum=0.1, maximum=60.0)
CITYOPS_WEBHOOK_MAX_ATTEMPTS = env_int("CITYOPS_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
CITYOPS_WEBHOOK_DISABLE_AFTER = env_int("CITYOPS_WEBHOOK_DISABLE_AFTER", 10, minimum=1)
# Open311: the jurisdiction_id this endpoint answers to (empty: any or none); reads per client per minute
# without an API key (key holders are not limited by it).
CITYOPS_OPEN311_JURISDICTION = env_str("CITYOPS_OPEN311_JURISDICTION", "")
CITYOPS_OPEN311_READS_PER_MINUTE = env_int("CITYOPS_OPEN311_READS_PER_MINUTE", 120, minimum=1)
# CAP public warnings (apps/warnings): the sender every message names (a domain of the city's, unique to this
# sender), and the public address of this server, which a message's `web` link starts with.
CITYOPS_CAP_SENDER = env_str("CITYOPS_CAP_SENDER", "cityops.localhost")
# (embedded: the address `make run` serves on, PORT included)
CITYOPS_PUBLIC_URL = env_str("CITYOPS_PUBLIC_URL", f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}")
# Personal data of finished records (closed reports, reviewed visits) is kept this many days, then erased or
# coarsened (apps/core/retention.py); statistics stay.
CITYOPS_PERSONAL_DATA_RETENTION_DAYS = env_int("CITYOPS_PERSONAL_DATA_RETENTION_DAYS", 365, minimum=1)
# Raw readings (traffic, air, noise, healthcare snapshots) are kept this many days (apps/ingest/lifecycle.py); their
# rollups stay. At least 120: the demo's healthcare history goes 100 days back, and ingest refuses older readings.
CITYOPS_RAW_RETENTION_DAYS = env_int("CITYOPS_RAW_RETENTION_DAYS", 400, minimum=120)
# Field work: the share of accepted visits checked again by another officer (random re-checks).
CITYOPS_FIELD_RECHECK_SHARE = float(env_str("CITYOPS_FIELD_RECHECK_SHARE", "0.1") or 0.1)
CITYOPS_AQI_STANDARD = env_choice("CITYOPS_AQI_STANDARD", "", ("", "hj633-2012", "hj633-2026", "us-epa-2024"))
# Open data: every released combination of quasi-identifiers covers at least this many records (k-anonymity).
CITYOPS_OPEN_DATA_K = env_int("CITYOPS_OPEN_DATA_K", 5, minimum=2)
# Basemap (README "Basemap"). Without either setting every map draws only our own labelled layers (regions,
# roads, facilities, stations): fully offline. CITYOPS_BASEMAP_TILES: a URL template ({z}/{x}/{y}) of an intranet
# tile server (天地图, a self-hosted raster or vector tile server), fetched by the browser and allowed by the CSP;
# CITYOPS_BASEMAP_TILES_KIND says what it serves ("raster" or "vector"). CITYOPS_BASEMAP_FILE: a local .mbtiles or
# .pmtiles file the app serves itself at /maps/tiles/{z}/{x}/{y} (raster or vector, read from the file).
CITYOPS_BASEMAP_TILES = env_str("CITYOPS_BASEMAP_TILES")
CITYOPS_BASEMAP_TILES_KIND = env_choice("CITYOPS_BASEMAP_TILES_KIND", "raster", ("raster", "vector"))
CITYOPS_BASEMAP_ATTRIBUTION = env_str("CITYOPS_BASEMAP_ATTRIBUTION")
CITYOPS_BASEMAP_FILE = env_str("CITYOPS_BASEMAP_FILE")
if CITYOPS_BASEMAP_TILES and not all(f"{{{key}}}" in CITYOPS_BASEMAP_TILES for key in "zxy"):
    raise ImproperlyConfigured("CITYOPS_BASEMAP_TILES must be a URL template with {z}, {x} and {y}")
if CITYOPS_BASEMAP_TILES and not CITYOPS_BASEMAP_TILES.startswith(("http://", "https://", "/")):
    raise ImproperlyConfigured("CITYOPS_BASEMAP_TILES must start with http://, https:// or /")
if CITYOPS_BASEMAP_FILE and not CITYOPS_BASEMAP_FILE.endswith((".mbtiles", ".pmtiles")):
    raise ImproperlyConfigured("CITYOPS_BASEMAP_FILE must be a .mbtiles or .pmtiles file")

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Lockout: this many failed sign-ins (passwords or second-factor codes) within the lock period lock the username
# for the lock period; a client address is locked after its own, higher count (password spraying).
CITYOPS_LOGIN_MAX_FAILURES = env_int("CITYOPS_LOGIN_MAX_FAILURES", 5, minimum=1)
CITYOPS_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("CITYOPS_LOGIN_MAX_FAILURES_PER_ADDRESS", 30, minimum=1)
CITYOPS_LOGIN_LOCK_MINUTES = env_int("CITYOPS_LOGIN_LOCK_MINUTES", 15, minimum=1)
# Who must have a TOTP second factor: role names, and "superuser" for admins. Others may set one up.
CITYOPS_TOTP_REQUIRED_ROLES = ["superuser", "data_steward"]
# Sessions end after this many minutes without a request (the command wall's open socket counts as activity).
# The cookie lasts for the browser session; the server expires the session (see AccountSecurityMiddleware).
CITYOPS_SESSION_IDLE_MINUTES = env_int("CITYOPS_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = CITYOPS_SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# --- Internationalisation -------------------------------------------------------------------------------
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "zh-hans", tuple(code for code, _name in LANGUAGES))
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cityops.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------------
STATIC_URL = "static/"
# Collected static files: inside the data dir for `make run`; a proxy that serves them itself (nginx) needs them
# where it may read, e.g. /var/www/cityops/static (the data dir is private).
STATIC_ROOT = Path(env_str("CITYOPS_STATIC_ROOT") or DATA_DIR / "static").resolve()
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.js comes from the installed plotly package: no CDN, the version always matches the Python side.
    "cityops.staticfinders.PlotlyJsFinder",
]
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_PERMISSIONS = 0o600  # photos are served only through permission-checked views, never as files
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "cityops.staticstorage.PublicCompressedManifestStaticFilesStorage",
        # Public files, read by a proxy that serves them itself (nginx as www-data): not the uploads' 0600 / 0700,
        # whatever the umask of collectstatic (the compressed copies too: cityops/staticstorage.py).
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# WhiteNoise hands Django file responses; under ASGI Django reads them in a thread and warns on every
# static file. That is the intended path for one-process embedded mode (production puts a proxy in front).
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.errors.exception_handler",
    # JSON: DRF's parser, refusing deep nesting and text no database stores (400, not a 500)
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("CITYOPS_ANON_RATE", "120/minute"),
        "user": env_str("CITYOPS_USER_RATE", "2000/minute"),
        # anonymous reads of the SensorThings API (/sta/): a client pages 100–1,000 Observations a request
        "sta_anon": env_str("CITYOPS_STA_ANON_RATE", "1200/minute"),
    },
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CityOps API",
    "DESCRIPTION": "Operations center for smart governance: regions, indicators, alerts, field truth.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its Swagger UI are for signed-in staff (integrators get the feeds and Open311 in README).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by more than one serializer, named once (else a hashed "StatusDd6Enum").
    "ENUM_NAME_OVERRIDES": {"VisitStatusEnum": "apps.fieldwork.models.Visit.Status"},
}

# --- Security -------------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging --------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A 4xx keeps its line and loses Django's traceback (a 403 logged the same stack every time).
    "filters": {"client_errors_on_one_line": {"()": "cityops.logfilters.ClientErrorsOnOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client_errors_on_one_line"]}
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    # Eager tasks would log "succeeded" every second (the publish tick); workers keep their own --loglevel.
    "loggers": {"celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"}},
}
