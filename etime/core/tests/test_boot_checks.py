"""Boot-time refusal (DESIGN §2): with DEBUG off, etime will not start on a weak or
default SECRET_KEY, an empty ALLOWED_HOSTS, or a bootstrap admin that still has its
initial password, whether started by manage.py, a WSGI server or a Celery worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

BASE_DIR = Path(__file__).resolve().parents[3]
STRONG_KEY = "k7Qp2vX9mR4tY8wZ1aB5cD3eF6gH0jL2nP4sU7xV9yA1bC3dE5fG7hJ9kM"


def etime_errors() -> set[str]:
    return {m.id for m in checks.run_checks() if m.id and m.id.startswith("etime.") and m.is_serious()}


@pytest.fixture
def production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """DEBUG off with otherwise safe settings; each test breaks one thing."""
    # The browser tests' switch (set for the whole worker process once they ran) is a
    # deploy error of its own (async.E001); it is not what these tests are about.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    settings.ALLOWED_HOSTS = ["etime.example.com"]
    return settings


def test_safe_production_settings_pass_the_boot_checks(production: Any, db: Any) -> None:
    assert etime_errors() == set()
    call_command("check", "--deploy", "--fail-level", "ERROR", stdout=_Sink(), stderr=_Sink())


@pytest.mark.parametrize(
    "key",
    [
        "django-insecure-etime-default-key-do-not-use-in-production",  # the shipped default
        "changeme",
        "django-insecure-" + "x" * 60,
        "short-but-random-Q2v9",
        "a" * 64,  # long but not random
    ],
)
def test_weak_secret_key_is_refused(production: Any, db: Any, key: str) -> None:
    production.SECRET_KEY = key
    assert etime_errors() == {"etime.E001"}
    with pytest.raises(SystemCheckError, match="SECRET_KEY"):
        call_command("check", "--deploy", stdout=_Sink(), stderr=_Sink())


def test_weak_secret_key_message_says_what_to_set(production: Any, db: Any) -> None:
    production.SECRET_KEY = "tiny"
    [error] = [m for m in checks.run_checks() if m.id == "etime.E001"]
    assert "4 characters" in error.msg
    assert error.hint is not None
    assert "50" in error.hint and "SECRET_KEY" in error.hint


def test_empty_allowed_hosts_is_refused(production: Any, db: Any) -> None:
    production.ALLOWED_HOSTS = []
    assert etime_errors() == {"etime.E002"}
    with pytest.raises(SystemCheckError, match="ALLOWED_HOSTS"):
        call_command("check", "--deploy", stdout=_Sink(), stderr=_Sink())


def test_bootstrap_admin_with_its_initial_password_is_refused_until_changed(production: Any, db: Any) -> None:
    from accounts.services import bootstrap_admin_create

    user, initial = bootstrap_admin_create(username="root", email="root@example.com")
    assert etime_errors() == {"etime.E003"}
    with pytest.raises(SystemCheckError, match="root"):
        call_command("check", "--deploy", stdout=_Sink(), stderr=_Sink())

    user.refresh_from_db()
    user.set_password("a-brand-new-admin-password")
    user.save()
    assert etime_errors() == set()
    call_command("check", "--deploy", "--fail-level", "ERROR", stdout=_Sink(), stderr=_Sink())


def test_bootstrap_admin_changing_password_through_the_page_lifts_the_refusal(production: Any, db: Any) -> None:
    from django.test import Client

    from accounts.services import bootstrap_admin_create

    user, initial = bootstrap_admin_create(username="root", email="root@example.com")
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": initial,
            "new_password1": "a-brand-new-admin-password",
            "new_password2": "a-brand-new-admin-password",
        },
        HTTP_HOST="etime.example.com",
    )
    assert response.status_code == 302
    assert etime_errors() == set()


def test_deactivated_bootstrap_admin_no_longer_blocks_boot(production: Any, db: Any) -> None:
    from accounts.services import bootstrap_admin_create

    user, _ = bootstrap_admin_create(username="root")
    user.is_active = False
    user.save()
    assert etime_errors() == set()


def test_every_unsafe_setting_is_reported_at_once(production: Any, db: Any) -> None:
    from accounts.services import bootstrap_admin_create

    production.SECRET_KEY = "changeme"
    production.ALLOWED_HOSTS = []
    bootstrap_admin_create(username="root")
    assert etime_errors() == {"etime.E001", "etime.E002", "etime.E003"}


def test_debug_mode_skips_the_boot_checks(settings: Any, db: Any) -> None:
    from accounts.services import bootstrap_admin_create

    settings.DEBUG = True
    settings.SECRET_KEY = "changeme"
    settings.ALLOWED_HOSTS = []
    bootstrap_admin_create(username="root")
    assert etime_errors() == set()


class _Sink:
    """A stdout/stderr for call_command that keeps the test output clean."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


# --- Real processes -------------------------------------------------------------------


def _unsafe_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a production start that forgot SECRET_KEY (and ALLOWED_HOSTS)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="etime.settings",
        DEBUG="false",
        ETIME_DATA_DIR=str(tmp_path / "data"),
        ETIME_CACHE_PREFIX=f"etime-boot-test-{tmp_path.name}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    # DATABASE_URL / REDIS_URL pass through: the PostgreSQL pass boots against them.
    return env


def _run(args: list[str], tmp_path: Path, timeout: int = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        args, cwd=BASE_DIR, env=_unsafe_env(tmp_path), capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.embedded
def test_manage_py_check_deploy_refuses_without_secret_key(tmp_path: Path) -> None:
    result = _run([sys.executable, "manage.py", "check", "--deploy"], tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "etime.E001" in output
    assert "SECRET_KEY" in output
    assert "ALLOWED_HOSTS" in output


@pytest.mark.embedded
def test_manage_py_check_passes_with_safe_settings(tmp_path: Path) -> None:
    env = _unsafe_env(tmp_path)
    env.update(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="etime.example.com")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.embedded
def test_wsgi_application_refuses_to_load_without_secret_key(tmp_path: Path) -> None:
    result = _run([sys.executable, "-c", "import etime.wsgi"], tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "refuses to start" in result.stderr


@pytest.mark.embedded
def test_celery_worker_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    result = _run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "etime",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        tmp_path,
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "refuses to start" in output
    assert "etime.E001" in output and "SECRET_KEY" in output
