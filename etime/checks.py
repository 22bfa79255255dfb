"""Boot-time refusal (DESIGN §2) as Django system checks of level Error.

With DEBUG off, etime refuses to start on a weak or default SECRET_KEY, an empty
ALLOWED_HOSTS, or while a bootstrap admin still has its initial password. These checks
run in ``manage.py check [--deploy]`` and runserver through Django's check framework,
and ``enforce()`` runs them when gunicorn loads etime/wsgi.py and when a Celery
worker or beat starts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import SystemCheckError
from django.db import DatabaseError

TAG = "etime_boot"
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARS = 5
KNOWN_DEFAULT_KEYS = {
    "django-insecure-etime-default-key-do-not-use-in-production",
    "changeme",
    "change-me",
    "secret",
    "secret-key",
    "your-secret-key",
}


def _weak_secret_key(key: str) -> str | None:
    if key in KNOWN_DEFAULT_KEYS or key.startswith("django-insecure"):
        return "it is a known default"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"it has {len(key)} characters; at least {MIN_SECRET_KEY_LENGTH} are needed"
    if len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARS:
        return "it repeats too few distinct characters"
    return None


@checks.register(checks.Tags.security, TAG)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    reason = _weak_secret_key(settings.SECRET_KEY)
    if reason is None:
        return []
    return [
        checks.Error(
            f"SECRET_KEY is weak: {reason}.",
            hint="Set SECRET_KEY (or SECRET_KEY_FILE) to a random value of 50+ characters, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`.",
            id="etime.E001",
        )
    ]


@checks.register(checks.Tags.security, TAG)
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.ALLOWED_HOSTS:
        return []
    return [
        checks.Error(
            "ALLOWED_HOSTS is empty.",
            hint="Set ALLOWED_HOSTS to the host names etime is served under, comma-separated, "
            "e.g. ALLOWED_HOSTS=etime.example.com.",
            id="etime.E002",
        )
    ]


@checks.register(checks.Tags.security, TAG)
def check_bootstrap_admin(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    from django.contrib.auth import get_user_model

    try:
        usernames = list(
            get_user_model()
            .objects.filter(password_change_required=True, is_active=True, is_superuser=True)
            .values_list("username", flat=True)[:5]
        )
    except DatabaseError:
        return []  # not migrated yet: nothing to check
    if not usernames:
        return []
    names = ", ".join(usernames)
    return [
        checks.Error(
            f"The bootstrap admin account(s) {names} still have their initial password.",
            hint=f"Change it: `python manage.py changepassword {usernames[0]}` (or log in with DEBUG=true and "
            "change it on the password page), or deactivate the account.",
            id="etime.E003",
        )
    ]


def enforce() -> None:
    """Raise SystemCheckError when any boot check fails (used by wsgi and Celery)."""
    errors = [m for m in checks.run_checks(tags=[TAG]) if m.is_serious()]
    if errors:
        lines = "\n".join(f"{m.id}: {m.msg} HINT: {m.hint}" for m in errors)
        raise SystemCheckError(f"etime refuses to start:\n{lines}")
