"""Django settings, built from the environment by `flightbridge.config` (the only place env is read).

Laptop and fleet run this same file: the database URL picks SQLite (WAL, busy timeout, IMMEDIATE
transactions so a web process and a worker can write at once) or PostgreSQL (psycopg 3), and the
queue storage follows: huey's SQLite file, huey's SQL storage on PostgreSQL, or Redis when set.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

from flightbridge import cli
from flightbridge.config import ConfigError, ensure_private_file, load_config, private_directory

# `flightbridge … --help` only reads: no data directory, keys, database or queue file appear for it.
_WRITE_FILES = not cli.SHOWING_HELP

try:
    CONFIG = load_config(write_files=_WRITE_FILES)
except ConfigError as exc:
    # Raised before Django is configured, so print it plainly; the CLI turns it into exit code 2.
    raise SystemExit(f"flightbridge: configuration error: {exc}") from None

for _name in CONFIG.generated:
    # Said once, when the file is first written: the operator must back it up with the database.
    print(f"flightbridge: generated {_name} into {CONFIG.data_dir} (mode 0600); back it up with the database", file=sys.stderr)

DATA_DIR = CONFIG.data_dir

# Every process (gunicorn's, each worker) keeps its metrics in files here and /metrics adds them up.
# Set before prometheus_client is first imported (the apps import it), which picks its storage then.
# `--help` writes nothing, so its metrics stay in memory.
if _WRITE_FILES:
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(DATA_DIR / "metrics"))
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], mode=0o700, exist_ok=True)
    private_directory(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
PUBLIC_URL = CONFIG.public_url
# Never "*": a reset mail's link is built from the Host header (issue 13, password reset poisoning).
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
CSRF_TRUSTED_ORIGINS = list(CONFIG.csrf_trusted_origins)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "huey.contrib.djhuey",
    "axes",
    "flightbridge.accounts",
    "flightbridge.vault",
    "flightbridge.jobs",
    "flightbridge.logbook",
    "flightbridge.registry",
    "flightbridge.myflightbook",
    "flightbridge.fleet",
    "flightbridge.logger",
    "flightbridge.interchange",
    "flightbridge.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "flightbridge.web.security.ContentSecurityPolicyMiddleware",
    # Before anything reads the body: an oversized request is answered 413 without being read.
    "flightbridge.web.middleware.RequestSizeLimitMiddleware",
    # Uploads beyond the process's share wait their turn at the client (429), not on a request thread.
    "flightbridge.heavy_requests.UploadGateMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "flightbridge.accounts.backoff.LoginBackoffMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "flightbridge.urls"
WSGI_APPLICATION = "flightbridge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "flightbridge.web.context_processors.pilot_preferences",
            ]
        },
    }
]


def _database_settings(config) -> dict:
    db = config.database
    if db.vendor == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": db.name,
            "OPTIONS": {
                # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so
                # two writers queue on busy_timeout instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
            "TEST": {"NAME": os.environ.get("FLIGHTBRIDGE_TEST_DATABASE_NAME") or None},
        }
    options = dict(db.options)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db.name,
        "USER": db.user,
        "PASSWORD": db.password,
        "HOST": db.host,
        "PORT": db.port,
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"NAME": os.environ.get("FLIGHTBRIDGE_TEST_DATABASE_NAME") or None},
    }


DATABASES = {"default": _database_settings(CONFIG)}
if CONFIG.database.vendor == "sqlite" and _WRITE_FILES:
    ensure_private_file(CONFIG.database.name)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _huey_settings(config) -> dict:
    common = {
        "name": "flightbridge",
        "results": False,  # our SyncJob rows hold the state users see; huey only carries the work
        "immediate": os.environ.get("FLIGHTBRIDGE_QUEUE_IMMEDIATE", "") == "1",
        "utc": True,
        "consumer": {"workers": 2, "worker_type": "thread", "periodic": True, "check_worker_health": True},
    }
    if config.redis_url:
        return {**common, "huey_class": "huey.RedisHuey", "url": config.redis_url}
    if config.database.vendor == "postgresql":
        return {**common, "huey_class": "flightbridge.jobs.queue.PostgresHuey", "database_url": config.database_url}
    return {**common, "huey_class": "huey.SqliteHuey", "filename": str(config.data_dir / "queue.sqlite3")}


HUEY = _huey_settings(CONFIG) if _WRITE_FILES else {"huey_class": "huey.MemoryHuey", "name": "flightbridge", "results": False}
if "filename" in HUEY:
    ensure_private_file(HUEY["filename"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): a user name from one address (the pair) with this many failures in a row
# is refused, right password or not, until the cool-off passes or an admin runs `axes_reset`. A user name
# or an address alone is only slowed (accounts/backoff.py), so nobody can lock a pilot out from elsewhere.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("FLIGHTBRIDGE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("FLIGHTBRIDGE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
FLIGHTBRIDGE_LOGIN_USERNAME_FAILURE_LIMIT = int(os.environ.get("FLIGHTBRIDGE_LOGIN_USERNAME_FAILURE_LIMIT", "20"))
FLIGHTBRIDGE_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("FLIGHTBRIDGE_LOGIN_ADDRESS_FAILURE_LIMIT", "50"))
FLIGHTBRIDGE_LOGIN_MAX_BACKOFF_SECONDS = int(os.environ.get("FLIGHTBRIDGE_LOGIN_MAX_BACKOFF_SECONDS", "60"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "flightbridge.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "flightbridge.accounts.lockout.client_address"
AXES_VERBOSE = False

# Password reset exists only where mail can reach the pilot (FLIGHTBRIDGE_EMAIL_URL); see urls.py.
PASSWORD_RESET_ENABLED = CONFIG.email is not None
if CONFIG.email is not None:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = CONFIG.email.host
    EMAIL_PORT = CONFIG.email.port
    EMAIL_HOST_USER = CONFIG.email.user
    EMAIL_HOST_PASSWORD = CONFIG.email.password
    EMAIL_USE_TLS = CONFIG.email.use_tls
    EMAIL_USE_SSL = CONFIG.email.use_ssl
    EMAIL_TIMEOUT = 10
    DEFAULT_FROM_EMAIL = CONFIG.email.sender

# Request bodies: one cap for the API and the pages (issue 13: a 20 MB body used to answer 500).
FLIGHTBRIDGE_MAX_REQUEST_BYTES = CONFIG.max_request_bytes
DATA_UPLOAD_MAX_MEMORY_SIZE = CONFIG.max_request_bytes

# Aircraft model sources: the most one page of a source's answer may have, read as a stream (issue 22: a 50 MB
# body was read whole into the web process).
FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES = int(os.environ.get("FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES", str(8 * 1024**2)))

# Uploads one web process reads at once (flightbridge/heavy_requests.py); more get 429 before their body is read.
FLIGHTBRIDGE_UPLOADS_PER_PROCESS = int(os.environ.get("FLIGHTBRIDGE_UPLOADS_PER_PROCESS", "1"))

# Staged uploads (flightbridge/staging.py): how long a previewed file waits to be saved, and the room all may take.
FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES = int(os.environ.get("FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES", "30"))
FLIGHTBRIDGE_STAGED_UPLOADS_MAX_BYTES = int(os.environ.get("FLIGHTBRIDGE_STAGED_UPLOADS_MAX_BYTES", str(256 * 1024**2)))

# Exports (flightbridge/jobs/exports.py): up to this many flights stream inside the request (about 0.1 ms a flight:
# 1,000 flights take ~0.1 s); more run as an export job whose file waits this many minutes, all such files
# together under the byte cap.
FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = int(os.environ.get("FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS", "1000"))
FLIGHTBRIDGE_EXPORT_FILE_MINUTES = int(os.environ.get("FLIGHTBRIDGE_EXPORT_FILE_MINUTES", "30"))
FLIGHTBRIDGE_EXPORT_FILES_MAX_BYTES = int(os.environ.get("FLIGHTBRIDGE_EXPORT_FILES_MAX_BYTES", str(512 * 1024**2)))

# `registry load` caps (issue 13: a 1.1 MB ZIP expanding to 1.1 GB of commas took 4 GB of memory).
FLIGHTBRIDGE_REGISTRY_MAX_MEMBER_BYTES = int(os.environ.get("FLIGHTBRIDGE_REGISTRY_MAX_MEMBER_BYTES", str(1024**3)))
FLIGHTBRIDGE_REGISTRY_MAX_TOTAL_BYTES = int(os.environ.get("FLIGHTBRIDGE_REGISTRY_MAX_TOTAL_BYTES", str(2 * 1024**3)))
FLIGHTBRIDGE_REGISTRY_MAX_LINE_CHARS = int(os.environ.get("FLIGHTBRIDGE_REGISTRY_MAX_LINE_CHARS", str(16 * 1024)))
# Issue 22: 800 MiB of empty lines passed the byte caps and was read for minutes.
FLIGHTBRIDGE_REGISTRY_MAX_LINES = int(os.environ.get("FLIGHTBRIDGE_REGISTRY_MAX_LINES", "3000000"))
FLIGHTBRIDGE_REGISTRY_MAX_SECONDS = int(os.environ.get("FLIGHTBRIDGE_REGISTRY_MAX_SECONDS", "1800"))

# Data sources may not reach private, loopback or link-local addresses except these (SSRF guard).
FLIGHTBRIDGE_SOURCE_ALLOWLIST = list(CONFIG.source_allowlist)
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/logbook/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(DATA_DIR / "static")
if _WRITE_FILES:
    (DATA_DIR / "static").mkdir(exist_ok=True)  # whitenoise serves app static files from finders; this may stay empty
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PUBLIC_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HSTS only when the public URL is https (config.py); SecurityMiddleware sends it on secure requests only.
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_CONTENT_TYPE_NOSNIFF = True

# Jobs: how often a running job proves it is alive, and when silence means its worker died.
FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS = float(os.environ.get("FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS", "5"))
FLIGHTBRIDGE_JOB_STALE_SECONDS = float(os.environ.get("FLIGHTBRIDGE_JOB_STALE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "flightbridge.redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FLIGHTBRIDGE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # The queue's own lines (a scheduler line a minute) follow FLIGHTBRIDGE_LOG_LEVEL like everything else.
        "huey": {"level": os.environ.get("FLIGHTBRIDGE_LOG_LEVEL", "INFO")},
    },
}
