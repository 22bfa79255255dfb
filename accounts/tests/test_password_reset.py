"""Forgotten passwords: a link by e-mail that works once, throttled, with nothing that
tells a stranger which addresses have accounts; and the favicon every page asks for."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from conftest import PASSWORD

NEW_PASSWORD = "a-brand-new-password-77"
RESET = "/accounts/password/reset/"


@pytest.fixture
def post_reset(django_capture_on_commit_callbacks: Any) -> Any:
    """post_reset(email, client=None) -> response, with the after-commit mail sent."""

    def post(email: str, client: Client | None = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(RESET, {"email": email})

    mail.outbox.clear()
    return post


def _reset_path(message: Any) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body)
    assert match, message.body
    assert match.group(0).startswith(settings.ETIME_BASE_URL)
    return urlsplit(match.group(0)).path


def _logs_in(username: str, password: str) -> bool:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302 and client.get("/profile/").status_code == 200


def _choose_password(path: str, password: str = NEW_PASSWORD) -> Any:
    client = Client()
    landing = client.get(path)
    assert landing.status_code == 302, "Django moves the token out of the address bar"
    return client.post(landing["Location"], {"new_password1": password, "new_password2": password})


def _without_csrf(content: bytes) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", content.decode())


def _rates(**rates: str) -> Any:
    return override_settings(
        REST_FRAMEWORK={
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }
    )


# --- Asking for a link ------------------------------------------------------------------


def test_login_page_links_to_the_password_reset(db: Any) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert f'href="{RESET}"' in page
    form = Client().get(RESET)
    assert form.status_code == 200
    assert 'name="email"' in form.content.decode()


@pytest.mark.embedded
def test_known_and_unknown_addresses_get_the_same_answer(people: Any, post_reset: Any) -> None:
    known = post_reset("alice@example.com")
    unknown = post_reset("nobody@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert sorted(known.headers) == sorted(unknown.headers)
    assert known.cookies.keys() == unknown.cookies.keys()
    sent_page = Client().get(known["Location"])
    assert "If an account uses that address" in sent_page.content.decode()


def test_only_the_known_active_user_gets_a_mail(people: Any, post_reset: Any) -> None:
    people.amir.user.is_active = False
    people.amir.user.save(update_fields=["is_active"])

    post_reset("nobody@example.com")
    post_reset("amir@example.com")
    assert mail.outbox == []

    post_reset(" Alice@Example.com ")  # as people type it
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "alice@example.com" in mail.outbox[0].body  # the login to use
    assert f"valid for {settings.PASSWORD_RESET_TIMEOUT // 86400} days" in mail.outbox[0].body


def test_the_reset_form_refuses_a_post_without_the_csrf_token(people: Any, post_reset: Any) -> None:
    response = post_reset("alice@example.com", Client(enforce_csrf_checks=True))
    assert response.status_code == 403
    assert mail.outbox == []


def test_a_bad_address_gets_a_clear_error_and_no_mail(db: Any, post_reset: Any) -> None:
    response = post_reset("not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mail.outbox == []


@pytest.mark.embedded
def test_the_link_sets_a_password_that_logs_in_and_works_once(people: Any, post_reset: Any) -> None:
    post_reset("alice@example.com")
    path = _reset_path(mail.outbox[0])

    done = _choose_password(path)
    assert done.status_code == 302
    assert "You can now" in Client().get(done["Location"]).content.decode()
    assert _logs_in("alice@example.com", NEW_PASSWORD)
    assert not _logs_in("alice@example.com", PASSWORD)

    reused = Client().get(path, follow=True)
    assert "This link is invalid, has expired or was already used." in reused.content.decode()
    assert 'name="new_password1"' not in reused.content.decode()


def test_the_new_password_must_pass_the_password_rules(people: Any, post_reset: Any) -> None:
    post_reset("alice@example.com")
    refused = _choose_password(_reset_path(mail.outbox[0]), password="short")
    assert refused.status_code == 200
    assert "too short" in refused.content.decode()
    assert _logs_in("alice@example.com", PASSWORD)


def test_an_expired_link_is_refused_with_a_clear_page(people: Any, post_reset: Any) -> None:
    post_reset("alice@example.com")
    path = _reset_path(mail.outbox[0])
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 3600)
    with time_machine.travel(later):
        page = Client().get(path, follow=True)
    assert page.status_code == 200
    body = page.content.decode()
    assert "This link is invalid, has expired or was already used." in body
    assert f'href="{RESET}"' in body  # ask for a new one
    assert 'name="new_password1"' not in body


def test_a_link_stops_working_when_the_login_is_deactivated(people: Any, post_reset: Any) -> None:
    post_reset("alice@example.com")
    path = _reset_path(mail.outbox[0])
    people.alice.user.is_active = False
    people.alice.user.save(update_fields=["is_active"])
    page = Client().get(path, follow=True)
    assert "This link is invalid, has expired or was already used." in page.content.decode()


def test_the_mail_is_in_the_users_language_else_the_pages(people: Any, post_reset: Any) -> None:
    alice = people.alice.user
    german_page = Client(HTTP_ACCEPT_LANGUAGE="de")

    post_reset("alice@example.com", german_page)
    assert mail.outbox[-1].extra_headers["Content-Language"] == "de"
    assert mail.outbox[-1].subject == f"Passwort für {settings.ETIME_COMPANY_NAME} zurücksetzen"

    alice.language = "en"  # chosen in her profile: wins over the browser
    alice.save(update_fields=["language"])
    post_reset("alice@example.com", german_page)
    assert mail.outbox[-1].extra_headers["Content-Language"] == "en"
    assert mail.outbox[-1].subject == f"Reset your {settings.ETIME_COMPANY_NAME} password"


def test_the_link_follows_the_https_base_url(people: Any, post_reset: Any) -> None:
    with override_settings(ETIME_BASE_URL="https://time.example.com"):
        post_reset("alice@example.com")
    assert "https://time.example.com/accounts/password/reset/" in mail.outbox[0].body


# --- Throttles ---------------------------------------------------------------------------


@pytest.mark.embedded
def test_requests_for_one_address_are_throttled_alike_known_or_not(people: Any, post_reset: Any) -> None:
    limit = 5
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["password_reset_account"] == f"{limit}/hour"
    answers = {}
    for email in ("alice@example.com", "nobody@example.com"):
        for attempt in range(limit):
            # Each from its own client address: this is the per-account budget.
            assert post_reset(email, Client(REMOTE_ADDR=f"10.1.0.{attempt}")).status_code == 302
        answers[email] = post_reset(email, Client(REMOTE_ADDR="10.1.1.1"))
    known, unknown = answers["alice@example.com"], answers["nobody@example.com"]
    assert known.status_code == unknown.status_code == 429
    assert _without_csrf(known.content) == _without_csrf(unknown.content)
    assert "Too many password reset requests" in known.content.decode()
    assert 0 < int(known["Retry-After"]) <= 3600
    assert len(mail.outbox) == limit  # the throttled request mailed nothing

    # An hour later the address may ask again.
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert post_reset("alice@example.com").status_code == 302


def test_requests_from_one_client_are_throttled_whatever_the_address(people: Any, post_reset: Any) -> None:
    with _rates(password_reset_client="3/hour"):
        client = Client(REMOTE_ADDR="10.2.0.1")
        for n in range(3):
            assert post_reset(f"someone{n}@example.com", client).status_code == 302
        refused = post_reset("alice@example.com", client)
        assert refused.status_code == 429
        assert "Too many password reset requests" in refused.content.decode()
        assert mail.outbox == []
        # Another client is not held back by this one.
        assert post_reset("alice@example.com", Client(REMOTE_ADDR="10.2.0.2")).status_code == 302
        assert len(mail.outbox) == 1


# --- Audit, lockout ----------------------------------------------------------------------


def test_requests_and_completed_resets_are_audited(people: Any, post_reset: Any) -> None:
    from etime.core.models import AuditEvent

    alice = people.alice.user
    post_reset("alice@example.com", Client(REMOTE_ADDR="10.3.0.1"))
    post_reset("nobody@example.com", Client(REMOTE_ADDR="10.3.0.1"))
    requested = AuditEvent.objects.filter(action="password_reset.requested").order_by("occurred_at")
    assert [(e.object_id, (e.after or {})["email"], e.actor_repr) for e in requested] == [
        (str(alice.pk), "alice@example.com", "anonymous"),
        ("", "nobody@example.com", "anonymous"),
    ]
    assert requested[0].after is not None
    assert requested[0].after["client"] == "10.3.0.1"

    _choose_password(_reset_path(mail.outbox[0]))
    completed = AuditEvent.objects.get(action="password_reset.completed")
    assert completed.object_id == str(alice.pk)
    assert completed.actor_id == alice.pk
    assert "password" not in json.dumps(completed.after)


def test_a_completed_reset_lifts_the_login_lockout(people: Any, post_reset: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alice@example.com", "password": "wrong-guess"})
    assert not _logs_in("alice@example.com", PASSWORD), "locked out, even with the right password"

    post_reset("alice@example.com")
    _choose_password(_reset_path(mail.outbox[0]))
    assert _logs_in("alice@example.com", NEW_PASSWORD)


# --- Favicon -----------------------------------------------------------------------------


@pytest.mark.embedded
def test_favicon_answers_with_an_icon(db: Any) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    icon = Client().get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
    assert icon.getvalue()[:4] == b"\x00\x00\x01\x00"  # an ICO header
    icon.close()


def test_pages_link_the_svg_icon_and_its_fallbacks(db: Any) -> None:
    page = Client().get("/accounts/login/").content.decode()
    for href in ("/static/favicon.svg", "/static/favicon.ico", "/static/apple-touch-icon.png"):
        assert f'href="{href}"' in page
        served = Client().get(href)
        assert served.status_code == 200
        served.close()


def test_favicon_resolves_to_the_hashed_file_in_production_mode(db: Any, tmp_path: Path) -> None:
    """DEBUG off serves collected files under their manifest names: the route must ask the
    storage at request time, and the hashed file must be served."""
    static = Path(settings.BASE_DIR) / "static"
    hashed = "favicon.0123456789ab.ico"
    shutil.copy(static / "favicon.ico", tmp_path / hashed)
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"paths": {"favicon.ico": hashed}, "version": "1.1", "hash": "0"})
    )
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=tmp_path,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        },
    ):
        client = Client()
        response = client.get("/favicon.ico")
        assert response.status_code == 302
        assert response["Location"] == f"/static/{hashed}"
        icon = client.get(response["Location"])
        assert icon.status_code == 200
        assert icon["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}
        icon.close()
