"""OpenID Connect single sign-on against a real provider (node's oidc-provider), in Chromium."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tests.sso.conftest import PROVIDER_ID, sso_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _claims(email: str, *groups: str, verified: bool = True, **more: Any) -> dict[str, Any]:
    return {"email": email, "email_verified": verified, "groups": list(groups), **more}


def _audit(action: str) -> list[Any]:
    from etime.core.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("occurred_at", "id"))


def _api_me(live_server: Any, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (our live server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_first_login_links_by_verified_email_later_by_subject_logout_ends_both_sessions_tokens_work(
    people: Any, sso: Any, page: Any, live_server: Any
) -> None:
    from allauth.socialaccount.models import SocialAccount

    sso.set_accounts({"sub-alice": _claims("Alice@Example.com", given_name="Alice")})
    sso_login(page, live_server, sso, "sub-alice")
    assert page.get_by_role("heading", name="Hello, Alice").is_visible()
    link = SocialAccount.objects.get(provider=PROVIDER_ID, uid="sub-alice")
    assert link.user_id == people.alice.user_id
    assert [e.after["sub"] for e in _audit("sso.linked")] == ["sub-alice"]

    # A person signed in by SSO creates a scoped API token, and it works.
    page.click("[data-testid=profile-link]")
    page.fill("#id_name", "sso script")
    page.click("text=Create token")
    token = page.inner_text("[data-testid=new-token]").strip()
    status, body = _api_me(live_server, token)
    assert (status, body["code"]) == (200, "E003")

    # Logout ends the etime session, then the provider's (RP-initiated logout: its
    # end_session_endpoint confirms and sends the browser back to etime's login page).
    with page.expect_navigation(url=lambda url: url.startswith(sso.issuer)):
        page.click("header form button[type=submit]")
    with page.expect_navigation(url=lambda url: url.startswith(live_server.url)):
        page.click("button[value=yes]")
    assert urlsplit(page.url).path == "/accounts/login/"
    page.goto(f"{live_server.url}/profile/")
    assert urlsplit(page.url).path == "/accounts/login/"

    # Later logins follow the stored subject, even when the provider's e-mail changed; the
    # provider asks who signs in again (its session ended too: sso_login waits for its form).
    sso.set_accounts({"sub-alice": _claims("alice.able@newdomain.example", given_name="Alice")})
    sso_login(page, live_server, sso, "sub-alice", fresh=False)
    assert page.get_by_role("heading", name="Hello, Alice").is_visible()
    assert SocialAccount.objects.filter(provider=PROVIDER_ID).count() == 1


def test_a_claim_change_changes_role_and_finance_membership_at_next_login(
    people: Any, sso: Any, page: Any, live_server: Any
) -> None:
    from accounts.models import User

    bob = people.bob.user
    sso.set_accounts({"sub-bob": _claims("bob@example.com", "etime-admins", "etime-finance")})
    sso_login(page, live_server, sso, "sub-bob")
    bob = User.objects.get(pk=bob.pk)
    assert (bob.role, bob.is_staff, list(bob.groups.values_list("name", flat=True))) == ("admin", True, ["finance"])
    assert page.locator("header nav a", has_text="Admin").is_visible()

    page.context.clear_cookies()
    sso.set_accounts({"sub-bob": _claims("bob@example.com", "unrelated-group")})
    sso_login(page, live_server, sso, "sub-bob")
    bob = User.objects.get(pk=bob.pk)
    assert (bob.role, bob.is_staff, bob.groups.count()) == ("employee", False, 0)
    assert page.locator("header nav a", has_text="Admin").count() == 0
    changes = [(e.before["role"], e.after["role"]) for e in _audit("employee.updated")]
    assert changes == [("manager", "admin"), ("admin", "employee")]
    assert [e.action for e in _audit("user.group_joined") + _audit("user.group_left")] == [
        "user.group_joined",
        "user.group_left",
    ]


def test_unverified_or_unknown_email_is_refused_unless_just_in_time_creation_is_on(
    people: Any, sso: Any, page: Any, live_server: Any, settings: Any
) -> None:
    from accounts.models import Employee

    sso.set_accounts(
        {
            "sub-fake": _claims("carla@example.com", verified=False),
            "sub-new": _claims("nora@example.com", "etime-managers", given_name="Nora", family_name="New"),
        }
    )
    sso_login(page, live_server, sso, "sub-fake")
    assert "did not confirm your e-mail address" in page.inner_text("[data-testid=sso-refused]")
    page.goto(f"{live_server.url}/profile/")
    assert urlsplit(page.url).path == "/accounts/login/"

    sso_login(page, live_server, sso, "sub-new")
    assert "no employee in etime has your e-mail address" in page.inner_text("[data-testid=sso-refused]")
    assert [e.after["reason"] for e in _audit("sso.refused")] == ["email_unverified", "no_match"]

    settings.SOCIALACCOUNT_PROVIDERS = sso.app(jit=True)
    sso_login(page, live_server, sso, "sub-new")
    assert page.get_by_role("heading", name="Hello, Nora").is_visible()
    nora = Employee.objects.select_related("user").get(email="nora@example.com")
    assert nora.user is not None
    assert (nora.full_name, nora.user.role, nora.user.has_usable_password()) == ("Nora New", "manager", False)


def _tamper(page: Any, live_server: Any, param: str) -> None:
    """Rewrite one parameter of the authorization request etime redirects the browser to."""

    def handle(route: Any) -> None:
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        parts = urlsplit(headers["location"])
        query = dict(parse_qsl(parts.query))
        query[param] = query[param][::-1]
        headers["location"] = urlunsplit(parts._replace(query=urlencode(query)))
        route.fulfill(response=response, headers=headers)

    page.route(re.compile(rf"{re.escape(live_server.url)}/accounts/oidc/{PROVIDER_ID}/login/$"), handle)


def test_a_tampered_state_is_refused(people: Any, sso: Any, page: Any, live_server: Any) -> None:
    sso.set_accounts({"sub-alice": _claims("alice@example.com")})
    _tamper(page, live_server, "state")
    sso_login(page, live_server, sso, "sub-alice")
    assert "could not be completed" in page.inner_text("[data-testid=sso-refused]")
    page.goto(f"{live_server.url}/profile/")
    assert urlsplit(page.url).path == "/accounts/login/"
    assert [e.after["provider"] for e in _audit("sso.failed")] == [PROVIDER_ID]


def test_a_wrong_nonce_is_refused(people: Any, sso: Any, page: Any, live_server: Any) -> None:
    from allauth.socialaccount.models import SocialAccount

    sso.set_accounts({"sub-alice": _claims("alice@example.com")})
    _tamper(page, live_server, "nonce")
    sso_login(page, live_server, sso, "sub-alice")
    assert "did not belong to the sign-in this browser started" in page.inner_text("[data-testid=sso-refused]")
    page.goto(f"{live_server.url}/profile/")
    assert urlsplit(page.url).path == "/accounts/login/"
    assert [e.after["reason"] for e in _audit("sso.refused")] == ["nonce"]
    assert not SocialAccount.objects.exists()
