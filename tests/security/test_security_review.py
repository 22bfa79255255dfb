"""Security review checks that must stay true (docs/SECURITY.md): lockout on every login
path, CSRF on every form, a clean ``check --deploy`` with production settings, secrets never
in API output or logs, uploads stored under names we choose, SQL built from strings reviewed.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.security.test_authz_matrix import MODEL_BACKEND, PAGES, _user

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "attendance", "devices", "leave", "timesheets", "billing", "etime"]

# Every path that checks a password. accounts/tests/test_lockout.py proves django-axes locks
# each of them (and that failures count across them). API bearer tokens are not passwords:
# they are 256-bit random secrets, stored hashed, so there is nothing to guess.
LOGIN_PATHS = {"/admin/login/", "/accounts/login/", "/api/v1/auth/token/"}


def _routes_with_views() -> list[tuple[str, Any]]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: Any, prefix: str) -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield "/" + (prefix + str(p.pattern)).lstrip("^").rstrip("$"), p.callback

    return list(walk(get_resolver().url_patterns, ""))


@pytest.mark.embedded
def test_every_password_login_path_is_one_the_lockout_tests_cover() -> None:
    from django.contrib.auth.views import LoginView

    found = set()
    for route, view in _routes_with_views():
        cls = getattr(view, "view_class", None) or getattr(view, "cls", None)
        if (
            (cls is not None and issubclass(cls, LoginView))
            or route == "/admin/login/"
            or route.startswith("/api/v1/auth/")
        ):
            found.add(route)
    assert found == LOGIN_PATHS, (
        f"login paths changed: {sorted(found ^ LOGIN_PATHS)}; add a lockout test in accounts/tests/test_lockout.py "
        "and update LOGIN_PATHS"
    )


@pytest.mark.postgres
def test_every_page_form_refuses_a_post_without_the_csrf_token(people: Any) -> None:
    from tests.security.world import build_world

    world = build_world(people)
    posts = [key.split(" ", 1)[1] for key in PAGES if key.startswith("POST ")]
    posts += ["/accounts/login/", "/admin/login/", "/accounts/password/change/", "/accounts/logout/"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(_user(people, "alice"), backend=MODEL_BACKEND)
    for path in posts:
        key = next((k for k in PAGES if k.endswith(" " + path)), None)
        row = PAGES.get(key) if key else None
        if row and row.obj:
            path = re.sub(r"\{\w+\}", str(world[row.obj].pk), path)
        response = client.post(path, {"x": "1"})
        assert response.status_code == 403, (path, response.status_code)
        assert b"CSRF" in response.content or response.status_code == 403


def _production_env(db_url: str) -> dict[str, str]:
    # Not the test process's own switches: the browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE
    # for its lifetime (check --deploy rightly refuses it), and the run may share the worker.
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "etime.settings",
            "DEBUG": "false",
            "SECRET_KEY": "prod-" + "Zq8r!Lm2@Vx6#Tn4$Wp9%Hs1^Kd7&Bf3*Gj5" * 2,
            "ALLOWED_HOSTS": "etime.example.com",
            "ETIME_BASE_URL": "https://etime.example.com",
            "ETIME_BEHIND_TLS_PROXY": "true",
            "DATABASE_URL": db_url,
            "ETIME_DATA_DIR": str(ROOT / "data"),
        }
    )
    return env


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_check_deploy_is_clean_with_production_settings() -> None:
    s = connection.settings_dict
    db_url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(db_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    flags = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT or "
            "bool(s.SECURE_PROXY_SSL_HEADER), s.SECURE_HSTS_SECONDS > 0, s.X_FRAME_OPTIONS, s.SESSION_COOKIE_SAMESITE)",
        ],
        cwd=ROOT,
        env=_production_env(db_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert flags.returncode == 0, flags.stderr
    assert flags.stdout.split() == ["True", "True", "True", "True", "True", "DENY", "Lax"], flags.stdout


@pytest.mark.postgres
def test_secrets_never_reach_api_output_or_logs(people: Any, token_client: Any, caplog: Any) -> None:
    from devices.models import Device

    caplog.set_level(logging.DEBUG)
    admin = token_client(people.admin)
    comm_key = 918273
    created = admin.post(
        "/api/v1/devices/", {"name": "Back door", "host": "127.0.0.1", "comm_key": comm_key}, format="json"
    )
    assert created.status_code == 201, created.content
    device = Device.objects.get(pk=created.json()["id"])
    outputs = [
        created.content,
        admin.get(f"/api/v1/devices/{device.pk}/").content,
        admin.get("/api/v1/devices/").content,
        admin.get("/api/v1/audit-events/?object_type=devices.device").content,
    ]
    password = "correct-horse-battery-staple"
    anon = Client()
    issued = anon.post(
        "/api/v1/auth/token/",
        {"username": "alice@example.com", "password": password, "name": "x"},
        content_type="application/json",
    )
    raw = issued.json()["token"]
    alice = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    outputs += [alice.get("/api/v1/me/").content, admin.get("/api/v1/audit-events/").content]
    for body in outputs:
        text = body.decode()
        assert str(comm_key) not in text
        assert device.comm_key_encrypted not in text
        assert raw not in text and raw[8:] not in text
        assert password not in text
    logs = "\n".join(r.getMessage() + str(r.__dict__.get("args", "")) for r in caplog.records)
    for secret in (str(comm_key), raw, password, device.comm_key_encrypted):
        assert secret not in logs


@pytest.mark.postgres
def test_uploaded_file_names_cannot_escape_the_upload_folder(people: Any, token_client: Any) -> None:
    import io
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from leave.models import LeaveRequest
    from leave.services import allocation_create
    from tests.security.world import build_world

    world = build_world(people)
    day = timezone.localdate() + timedelta(days=14)  # in the future, whatever today is
    while day.weekday() >= 5 or (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 6):
        day += timedelta(days=1)  # a plain working day, away from the year-end holidays
    if day.year != 2026:  # the world allocates 2026 only
        allocation_create(
            employee=people.alice, leave_type=world["leave_type"], year=day.year, days=Decimal("20"), actor=people.admin
        )
    upload = io.BytesIO(b"%PDF-1.4 certificate")
    upload.name = "../../../../etc/cron.d/evil.pdf"
    alice = token_client(people.alice)
    response = alice.post(
        "/api/v1/leave-requests/",
        {"leave_type": "VAC", "start_date": day.isoformat(), "end_date": day.isoformat(), "attachment": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    stored = LeaveRequest.objects.get(pk=response.json()["id"]).attachment.name
    assert ".." not in stored and stored.startswith(f"leave/{people.alice.pk}/"), stored
    assert "/media/" not in {r for r, _ in _routes_with_views()}  # uploads are not served publicly


# Reviewed places that build SQL text (ruff S608/S611 flag them; each needs a noqa). All
# interpolate table/column names from model metadata; every value is a bound parameter.
REVIEWED_SQL = {
    "accounts/selectors.py": 2,
    "attendance/services/recompute.py": 6,
    "billing/services.py": 1,
    # the bulk punch write: the model's table and column names (quoted), a constant staging
    # table name; every value is a bound parameter or a COPY row. On PostgreSQL the same
    # statement upserts the inserted rows' dirty days (DirtyDay's table and columns through
    # db.upsert_sql; the employees' zones bound as two arrays, the mark's time as a parameter)
    "attendance/services/punch_store.py": 1,
    # model/introspected table and column names (and an archive's, after its checksums
    # are verified), always quoted as identifiers by _quote or the backend's quote_name;
    # values never
    "etime/ops/backup/database.py": 5,
    # partition names built from a month (punch_YYYYMM) and the model's tables, quoted by the
    # backend's quote_name; the one value (a month) is a bound parameter
    "attendance/partitions.py": 7,
    # the lock table's constant name; the lock's key is a bound parameter
    "etime/core/db/locks.py": 2,
}


@pytest.mark.embedded
def test_sql_built_from_strings_is_only_in_reviewed_places() -> None:
    found: dict[str, int] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/tests/" in rel or "/migrations/" in rel:
                continue
            count = len(re.findall(r"noqa:[^\n]*\bS6(08|11)\b", path.read_text()))
            if count:
                found[rel] = count
    # Exact, both ways: a new place must be reviewed, and a place that no longer builds SQL
    # leaves the list (a stale entry would let a later one in unreviewed).
    assert found == REVIEWED_SQL, (
        f"SQL built from strings in {found}, reviewed {REVIEWED_SQL}: bind every value as a parameter, then "
        "review it and update REVIEWED_SQL in tests/security/test_security_review.py (and docs/SECURITY.md)"
    )
