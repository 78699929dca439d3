"""Settings for the test suite: the real settings, isolated in a run directory of their own.

FLIGHTBRIDGE_TEST_DATABASE=sqlite|postgresql picks the database. Child processes started by tests
(workers, servers) inherit the run directory and database names through the environment and set
FLIGHTBRIDGE_TEST_CHILD=1 to connect to the test database instead of creating one.
"""

import base64
import os
import tempfile

_run_dir = os.environ.get("FLIGHTBRIDGE_TEST_RUN_DIR") or tempfile.mkdtemp(prefix="flightbridge-test-")
os.environ["FLIGHTBRIDGE_TEST_RUN_DIR"] = _run_dir
os.environ["FLIGHTBRIDGE_DATA_DIR"] = _run_dir
os.environ.setdefault("FLIGHTBRIDGE_ENCRYPTION_KEYS", "test1:" + base64.b64encode(bytes(range(32))).decode())
os.environ.setdefault("FLIGHTBRIDGE_SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS", "0")  # no heartbeat thread inside test transactions
os.environ.setdefault("FLIGHTBRIDGE_JOB_STALE_SECONDS", "60")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
# The deployment-wide call budget is off in tests unless a test is about it (as pacing is, via mfb_settings).
os.environ.setdefault("MFB_MAX_CALLS_PER_SECOND", "0")
# Mail "configured" so the password-reset routes exist and can be attacked; Django's test runner swaps
# in the in-memory mail backend, so nothing is ever sent.
os.environ.setdefault("FLIGHTBRIDGE_EMAIL_URL", "smtp://mail.invalid:587")
# The aircraft-model source sandbox listens on 127.0.0.1: allow exactly that address for data sources.
os.environ.setdefault("FLIGHTBRIDGE_SOURCE_ALLOWLIST", "127.0.0.1")

TEST_DATABASE = os.environ.get("FLIGHTBRIDGE_TEST_DATABASE", "sqlite")
if TEST_DATABASE == "postgresql":
    os.environ["FLIGHTBRIDGE_DATABASE_URL"] = os.environ.get(
        "FLIGHTBRIDGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    os.environ.setdefault("FLIGHTBRIDGE_TEST_DATABASE_NAME", f"test_flightbridge_{os.getpid()}")
elif TEST_DATABASE == "sqlite":
    os.environ["FLIGHTBRIDGE_DATABASE_URL"] = f"sqlite:///{_run_dir}/main.sqlite3"
    os.environ.setdefault("FLIGHTBRIDGE_TEST_DATABASE_NAME", f"{_run_dir}/test.sqlite3")
else:
    raise SystemExit(f"FLIGHTBRIDGE_TEST_DATABASE must be sqlite or postgresql, not {TEST_DATABASE!r}")

from flightbridge.settings import *  # noqa: E402,F403
from flightbridge.settings import DATABASES, HUEY  # noqa: E402

# One queue per test run, whatever the database: parallel runs on one machine must not share work.
HUEY = {key: value for key, value in HUEY.items() if key not in ("url", "database_url")}
HUEY.update({"huey_class": "huey.SqliteHuey", "filename": f"{_run_dir}/queue.sqlite3", "immediate": False})

if os.environ.get("FLIGHTBRIDGE_TEST_CHILD") == "1":
    DATABASES["default"]["NAME"] = DATABASES["default"]["TEST"]["NAME"]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405
