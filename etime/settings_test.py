"""Test settings: the real settings, with a fast hasher, a local outbox and per-worker keys.

The suite runs against whatever DATABASE_URL / REDIS_URL say (PostgreSQL and Redis in
`./etimectl test`); with neither set it runs on the embedded default (SQLite), which is
how the `embedded` pass exercises the SQLite-only paths.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "test-" + "x1y2z3" * 10)
os.environ.setdefault("ETIME_LOG_FORMAT", "text")
os.environ.setdefault("ETIME_LOG_LEVEL", "WARNING")

from etime.settings import *  # noqa: E402,F403
from etime.settings import CACHES, REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests about task delivery start a real worker (celery_worker fixture); the rest run
# tasks inline so a test sees a task's effect without a worker.
CELERY_TASK_ALWAYS_EAGER = True
# Each xdist worker gets its own cache key space in the shared Redis.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES["default"]["KEY_PREFIX"] = f"etime-test-{_worker}"
if CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
    # cache.clear() on a file cache deletes its directory: give each worker its own.
    CACHES["default"]["LOCATION"] = f"{CACHES['default']['LOCATION']}-test-{_worker}"
# Each xdist worker gets its own Celery broker, a Redis database of its own: otherwise the
# live worker one test starts consumes a task another worker's test published (and runs it
# against its own test database, so the publisher waits in vain), and answers the other
# test's readiness ping after that test's own worker has stopped.
if REDIS_URL and _worker.startswith("gw"):  # noqa: F405
    from urllib.parse import urlsplit, urlunsplit

    _redis = urlsplit(REDIS_URL)  # noqa: F405
    _db = (int(_redis.path.strip("/") or 0) - 2 - int(_worker[2:])) % 16
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = urlunsplit(_redis._replace(path=f"/{_db}"))
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "100000/hour"}
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests that back up (seed_demo takes a first backup) write to a directory of this run, not
# to the developer's data/backups (whose retention would prune their archives).
if not os.environ.get("ETIME_BACKUP_DIR"):
    import tempfile

    ETIME_BACKUP_DIR = Path(tempfile.mkdtemp(prefix="etime-test-backups-"))  # noqa: F405
# Serve static files from the finders; no collectstatic before tests.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A seller complete enough to issue invoices (issue #17: issuing checks what the law and
# EN 16931 need); tests about missing company details blank these.
ETIME_COMPANY_ADDRESS_LINES = ["Bahnhofstrasse 10", "8001 Zürich"]
ETIME_COMPANY_VAT_ID = "CHE-123.456.789 MWST"
ETIME_COMPANY_IBAN = "CH93 0076 2011 6238 5295 7"
# Two-factor authentication is required for admins and finance by default; most tests sign
# those personas in without a second factor, so the 2FA tests (accounts/tests/test_twofactor.py)
# turn the requirement back on where they test it.
ETIME_2FA_REQUIRED_FOR = []
# A second PostgreSQL database stands in for the read replica (etime.core.db_router): its
# own test database, created only for the tests that ask for the "replica" alias. Routing
# stays off (ETIME_REPORTS_DATABASE "default") unless a test turns it on.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _primary = DATABASES["default"]  # noqa: F405
    DATABASES["replica"] = {  # noqa: F405
        **_primary,
        "TEST": {"NAME": f"test_{_primary['NAME']}_replica"},
    }
    ETIME_REPORTS_DATABASE = "default"
