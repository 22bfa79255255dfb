"""Password-login policy (accounts.ldap_policy) and the LDAP settings (accounts.ldap_config),
without a directory: the per-person flag, ETIME_PASSWORD_LOGIN=breakglass, the messages,
lockout and audit of refusals, and the settings an operator's ETIME_LDAP_* produce."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD, user_of

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[2]
GENERIC = "Please try again."
TURNED_OFF = "Password login is turned off for this account. Sign in with single sign-on."


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_everyone_may_use_a_password_by_default(people: Any) -> None:
    assert settings.ETIME_PASSWORD_LOGIN == "all"
    assert "accounts.ldap_backend.DirectoryBackend" not in settings.AUTHENTICATION_BACKENDS
    client = Client()
    assert _login(client, "dave@example.com", PASSWORD).status_code == 302
    assert client.get("/profile/").status_code == 200


def test_a_person_whose_password_login_is_disabled_is_told_so_and_it_counts(people: Any) -> None:
    from axes.models import AccessAttempt

    from etime.core.audit import AuditEvent

    dave = user_of(people.dave)
    dave.password_login_disabled = True
    dave.save()
    client = Client()
    response = _login(client, "dave@example.com", PASSWORD)  # the right password
    assert response.status_code == 200
    body = response.content.decode()
    assert TURNED_OFF in body and GENERIC not in body
    assert client.get("/profile/").status_code == 302
    assert AccessAttempt.objects.get(username="dave@example.com").failures_since_start == 1
    event = AuditEvent.objects.get(action="login.password_login_refused")
    assert event.object_id == str(dave.pk) and event.after == {"username": "dave@example.com", "policy": "all"}

    # The token endpoint answers with its own code, and the attempts lock the account.
    response = APIClient().post("/api/v1/auth/token/", {"username": "dave@example.com", "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "password_login_disabled"
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        _login(client, "dave@example.com", PASSWORD)
    assert _login(client, "dave@example.com", PASSWORD).status_code == 403

    # Others are not affected.
    assert _login(Client(), "alice@example.com", PASSWORD).status_code == 302


def test_breakglass_leaves_password_login_to_superusers_only(people: Any, settings: Any) -> None:
    settings.ETIME_PASSWORD_LOGIN = "breakglass"
    people.admin.is_superuser = True
    people.admin.save()
    client = Client()
    assert _login(client, people.admin.username, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    # A manager with the right password, and a name nobody has: the same message, so it
    # tells nobody which accounts exist.
    for username in ("carla@example.com", "nobody@example.com"):
        response = _login(Client(), username, PASSWORD)
        assert response.status_code == 200
        assert TURNED_OFF in response.content.decode(), username
    # A superuser whose own flag is set is refused too: the flag is the stronger word.
    people.admin.password_login_disabled = True
    people.admin.save()
    assert TURNED_OFF in _login(Client(), people.admin.username, PASSWORD).content.decode()


def test_the_admin_sets_the_flag_on_the_user_page(admin_client: Any, people: Any) -> None:
    from accounts.models import User

    dave = user_of(people.dave)
    page = admin_client.get(f"/admin/accounts/user/{dave.pk}/change/")
    assert page.status_code == 200
    assert 'name="password_login_disabled"' in page.content.decode()
    assert admin_client.get("/admin/accounts/user/?password_login_disabled__exact=1").status_code == 200
    assert not User.objects.filter(password_login_disabled=True).exists()


# --- settings -------------------------------------------------------------------------


def test_ldap_settings_for_openldap_and_active_directory() -> None:
    import ldap
    from django_auth_ldap.config import ActiveDirectoryGroupType, GroupOfNamesType

    from accounts.ldap_config import LdapConfig, auth_ldap_settings

    openldap = auth_ldap_settings(
        LdapConfig(
            server_uri="ldap://ldap.example.com",
            user_search_base="ou=people,dc=example,dc=com",
            start_tls=True,
            ca_file="/etc/ssl/ldap-ca.pem",
            group_search_base="ou=groups,dc=example,dc=com",
        )
    )
    assert openldap["AUTH_LDAP_START_TLS"] is True
    options = openldap["AUTH_LDAP_CONNECTION_OPTIONS"]
    assert options[ldap.OPT_X_TLS_CACERTFILE] == "/etc/ssl/ldap-ca.pem"
    assert options[ldap.OPT_X_TLS_REQUIRE_CERT] == ldap.OPT_X_TLS_DEMAND
    assert list(options)[-1] == ldap.OPT_X_TLS_NEWCTX  # applies the TLS options before it
    assert isinstance(openldap["AUTH_LDAP_GROUP_TYPE"], GroupOfNamesType)
    assert openldap["AUTH_LDAP_MIRROR_GROUPS"] is False and openldap["AUTH_LDAP_NO_NEW_USERS"] is True

    ad = auth_ldap_settings(
        LdapConfig(
            server_uri="ldaps://dc1.corp.example.com",
            user_search_base="dc=corp,dc=example,dc=com",
            user_filter="(sAMAccountName=%(user)s)",
            group_search_base="dc=corp,dc=example,dc=com",
            group_type="activeDirectory",
            admin_group="CN=etime-admins,OU=Groups,DC=corp,DC=example,DC=com",
        )
    )
    assert isinstance(ad["AUTH_LDAP_GROUP_TYPE"], ActiveDirectoryGroupType)
    assert ad["AUTH_LDAP_CONNECTION_OPTIONS"][ldap.OPT_REFERRALS] == 0
    assert ad["ETIME_LDAP_ADMIN_GROUP"].startswith("CN=etime-admins")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"user_search_base": ""}, "ETIME_LDAP_USER_SEARCH_BASE is required"),
        ({"user_filter": "(uid=alice)"}, "must contain %(user)s"),
        ({"group_type": "groupies"}, "ETIME_LDAP_GROUP_TYPE='groupies'"),
        ({"ca_file": "/ca.pem"}, "neither ldaps:// nor ETIME_LDAP_START_TLS"),
        ({"admin_group": "cn=a,dc=x"}, "ETIME_LDAP_GROUP_SEARCH_BASE is required"),
    ],
)
def test_ldap_settings_refuse_what_cannot_work(changes: dict[str, Any], message: str) -> None:
    from accounts.ldap_config import LdapConfig, auth_ldap_settings

    base = {"server_uri": "ldap://ldap.example.com", "user_search_base": "dc=example,dc=com"}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        auth_ldap_settings(LdapConfig(**{**base, **changes}))


def _settings_in_a_process(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ETIME_LDAP_", "ETIME_PASSWORD_LOGIN"))}
    return subprocess.run(
        [sys.executable, "-c", f"import etime.settings as s; {code}"],
        cwd=ROOT,
        env={**clean, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_environment_turns_ldap_on_after_axes_and_refuses_an_unknown_policy() -> None:
    on = _settings_in_a_process(
        {
            "ETIME_LDAP_SERVER_URI": "ldap://ldap.example.com",
            "ETIME_LDAP_USER_SEARCH_BASE": "dc=example,dc=com",
            "ETIME_LDAP_BIND_DN": "cn=etime,dc=example,dc=com",
            "ETIME_PASSWORD_LOGIN": "BreakGlass",
        },
        "print(s.AUTHENTICATION_BACKENDS[:2], s.AUTH_LDAP_BIND_DN, s.ETIME_PASSWORD_LOGIN)",
    )
    assert on.returncode == 0, on.stderr
    assert on.stdout.split() == [
        "['axes.backends.AxesStandaloneBackend',",
        "'accounts.ldap_backend.DirectoryBackend']",
        "cn=etime,dc=example,dc=com",
        "breakglass",
    ]
    bad = _settings_in_a_process({"ETIME_PASSWORD_LOGIN": "sometimes"}, "pass")
    assert bad.returncode != 0 and "ETIME_PASSWORD_LOGIN='sometimes': use all or breakglass" in bad.stderr
    half = _settings_in_a_process({"ETIME_LDAP_SERVER_URI": "ldap://ldap.example.com"}, "pass")
    assert half.returncode != 0 and "ETIME_LDAP_USER_SEARCH_BASE is required" in half.stderr


def test_the_finance_group_the_directory_fills_is_the_one_billing_asks_for() -> None:
    from accounts.services import FINANCE_GROUP
    from billing.selectors import FINANCE_GROUP as BILLING_FINANCE_GROUP

    assert FINANCE_GROUP == BILLING_FINANCE_GROUP
