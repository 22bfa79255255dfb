"""Two-factor authentication (issue 21): enrolment from the profile, the second sign-in step,
recovery codes, the requirement for admins and finance, the admin and the token exchange
honouring it, and wrong codes counting toward the django-axes lockout.

Codes are computed from the device's key as an authenticator app would (django-otp's TOTP),
at a clock the test controls (time_machine): a code is valid for its 30-second step and
used once, so each next sign-in moves the clock on a step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import twofactor
from conftest import PASSWORD
from etime.core.models import AuditEvent

pytestmark = pytest.mark.embedded


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def required(settings: Any) -> None:
    settings.ETIME_2FA_REQUIRED_FOR = ["admin", "finance"]


def code_for(device: TOTPDevice) -> str:
    """What the person's authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(code_for(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def enrol(user: Any) -> tuple[TOTPDevice, list[str]]:
    device = twofactor.enrolment_device(user=user)
    codes = twofactor.enrolment_confirm(user=user, device=device, code=code_for(device))
    device.refresh_from_db()
    return device, codes


def password_login(username: str, client: Client | None = None) -> Client:
    client = client or Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def second_step(client: Client, code: str, next_url: str = "/") -> Any:
    return client.post("/accounts/two-factor/", {"code": code, "next": next_url})


# --- Enrolment ---------------------------------------------------------------------------------


def test_an_employee_enrols_from_the_profile_and_sees_ten_recovery_codes_once(people: Any, clock: Any) -> None:
    alice = people.alice.user
    client = password_login(alice.username)
    profile = client.get("/profile/").content.decode()
    assert 'data-testid="twofactor-setup-link"' in profile

    page = client.get("/accounts/two-factor/setup/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="twofactor-qr"' in html and "<svg" in html
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)  # type: ignore[union-attr]
    assert device.config_url.split("secret=")[1].startswith(secret)
    assert client.get("/accounts/two-factor/setup/").status_code == 200  # a reload: the same device
    assert TOTPDevice.objects.filter(user=alice).count() == 1

    refused = client.post("/accounts/two-factor/setup/", {"code": wrong_code(device)})
    assert refused.status_code == 400 and "That code is not valid" in refused.content.decode()
    assert not twofactor.is_enrolled(alice)

    clock.shift(5)  # past django-otp's back-off after a failure
    accepted = client.post("/accounts/two-factor/setup/", {"code": code_for(device)})
    assert accepted.status_code == 302 and accepted["Location"].startswith("/accounts/two-factor/recovery-codes/")
    shown = client.get(accepted["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)
    assert len(codes) == 10 == len(set(codes))
    download = client.get("/accounts/two-factor/recovery-codes/download/")
    assert download["Content-Disposition"].startswith("attachment") and all(
        c in download.content.decode() for c in codes
    )
    assert client.post("/accounts/two-factor/recovery-codes/", {"next": "/profile/"})["Location"] == "/profile/"
    # Shown once: gone from the page and the download after "I have saved them".
    assert client.get("/accounts/two-factor/recovery-codes/")["Location"] == "/profile/"
    assert client.get("/accounts/two-factor/recovery-codes/download/")["Location"] == "/profile/"

    assert "10 recovery codes left" in client.get("/profile/").content.decode()
    actions = list(
        AuditEvent.objects.filter(object_id=str(alice.pk), action__startswith="twofactor.").values_list(
            "action", flat=True
        )
    )
    assert "twofactor.enrolment_failed" in actions and "twofactor.enabled" in actions


def test_after_enrolment_the_login_asks_for_the_code_from_the_app(people: Any, clock: Any) -> None:
    alice = people.alice.user
    device, _codes = enrol(alice)
    clock.shift(30)
    client = password_login(alice.username)
    # Signed in with the password only: every page leads to the second step, keeping `next`.
    response = client.get("/people/?q=Able")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2Fpeople%2F%3Fq%3DAble"
    assert client.get("/api/v1/employees/").json()["error"]["code"] == "two_factor_required"

    done = second_step(client, code_for(device), "/profile/")
    assert done.status_code == 302 and done["Location"] == "/profile/"
    assert client.get("/profile/").status_code == 200
    assert client.get("/api/v1/employees/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(people: Any, clock: Any) -> None:
    alice = people.alice.user
    device, _codes = enrol(alice)
    clock.shift(30)
    client = password_login(alice.username)
    refused = second_step(client, wrong_code(device))
    assert refused.status_code == 400 and "That code is not valid" in refused.content.decode()
    assert client.get("/profile/")["Location"].startswith("/accounts/two-factor/")
    assert AuditEvent.objects.filter(action="twofactor.failed", object_id=str(alice.pk)).count() == 1
    # The same code twice (a replay) is refused too, after it worked once.
    clock.shift(30)
    code = code_for(device)
    assert second_step(client, code).status_code == 302
    replay = password_login(alice.username)
    assert second_step(replay, code).status_code == 400


def test_a_recovery_code_signs_in_once(people: Any, clock: Any) -> None:
    alice = people.alice.user
    _device, codes = enrol(alice)
    client = password_login(alice.username)
    used = second_step(client, codes[3].upper())  # as typed from a printout: case does not matter
    assert used.status_code == 302
    assert client.get("/profile/").status_code == 200
    assert "9 recovery codes left" in client.get("/profile/").content.decode()
    assert AuditEvent.objects.filter(action="twofactor.recovery_code_used", object_id=str(alice.pk)).exists()

    again = password_login(alice.username)
    assert second_step(again, codes[3]).status_code == 400
    clock.shift(30)  # past django-otp's back-off after a failure
    assert second_step(again, codes[4]).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(people: Any, clock: Any) -> None:
    alice = people.alice.user
    _device, old = enrol(alice)
    client = password_login(alice.username)
    assert second_step(client, old[0]).status_code == 302
    response = client.post("/accounts/two-factor/recovery-codes/new/")
    assert response.status_code == 302, response
    page = client.get(response["Location"])
    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(action="twofactor.recovery_codes_regenerated").exists()
    assert second_step(password_login(alice.username), old[1]).status_code == 400
    clock.shift(30)
    assert second_step(password_login(alice.username), new[0]).status_code == 302


def test_turning_2fa_off_needs_a_current_code(people: Any, clock: Any) -> None:
    alice = people.alice.user
    device, _codes = enrol(alice)
    clock.shift(30)
    client = password_login(alice.username)
    assert second_step(client, code_for(device)).status_code == 302
    clock.shift(30)
    client.post("/accounts/two-factor/disable/", {"code": wrong_code(device)})
    assert twofactor.is_enrolled(alice)
    clock.shift(5)
    client.post("/accounts/two-factor/disable/", {"code": code_for(device)})
    assert not twofactor.has_second_factor(alice)
    assert AuditEvent.objects.filter(action="twofactor.disabled", object_id=str(alice.pk)).exists()
    # Without a second factor the next login is the password alone again.
    assert password_login(alice.username).get("/profile/").status_code == 200


# --- Required for admins and finance -----------------------------------------------------------


def test_the_default_requires_a_second_factor_for_admins_and_finance() -> None:
    from etime import settings as production_settings

    assert production_settings.ETIME_2FA_REQUIRED_FOR == ["admin", "finance"]


def test_an_admin_without_a_device_is_sent_to_set_one_up_before_anything_else(
    people: Any, clock: Any, required: None
) -> None:
    admin = people.admin
    client = password_login(admin.username)
    for path in ("/", "/people/", "/admin/", "/profile/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/two-factor/setup/?next="), path
    assert client.get("/accounts/two-factor/setup/").status_code == 200
    assert client.get("/api/v1/employees/").json()["error"]["code"] == "two_factor_enrolment_required"
    # Creating an API token from the profile needs the second factor too.
    assert client.post("/profile/tokens/", {"name": "x", "scopes": ["read:all"]})["Location"].startswith(
        "/accounts/two-factor/setup/"
    )
    # An employee is not concerned.
    assert password_login(people.alice.user.username).get("/").status_code == 200

    device = TOTPDevice.objects.get(user=admin)
    done = client.post("/accounts/two-factor/setup/", {"code": code_for(device), "next": "/admin/"})
    assert done.status_code == 302
    client.post("/accounts/two-factor/recovery-codes/", {"next": "/admin/"})
    assert client.get("/admin/").status_code == 200


def test_a_finance_member_must_set_up_a_second_factor(people: Any, required: None) -> None:
    dave = people.dave.user
    dave.groups.add(Group.objects.get_or_create(name="finance")[0])
    response = password_login(dave.username).get("/")
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_the_admin_refuses_an_admin_session_without_its_second_factor(people: Any, clock: Any, required: None) -> None:
    admin = people.admin
    device, _codes = enrol(admin)
    clock.shift(30)
    client = Client()
    login = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD, "next": "/admin/"})
    assert login.status_code == 302
    refused = client.get("/admin/auditlog/")
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/two-factor/?next=")
    assert second_step(client, code_for(device), "/admin/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_api_tokens_keep_working_and_the_exchange_asks_for_the_code(
    people: Any, clock: Any, token_client: Any, required: None
) -> None:
    admin = people.admin
    old_token = token_client(admin, ["read:all"])
    api = APIClient()
    refused = api.post("/api/v1/auth/token/", {"username": admin.username, "password": PASSWORD}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "two_factor_enrolment_required"

    device, _codes = enrol(admin)
    # A token made before keeps working: a bearer token is not a session.
    assert old_token.get("/api/v1/employees/").status_code == 200
    clock.shift(30)
    missing = api.post("/api/v1/auth/token/", {"username": admin.username, "password": PASSWORD}, format="json")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "two_factor_required"
    wrong = api.post(
        "/api/v1/auth/token/",
        {"username": admin.username, "password": PASSWORD, "otp": wrong_code(device)},
        format="json",
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_otp"
    clock.shift(5)
    made = api.post(
        "/api/v1/auth/token/",
        {"username": admin.username, "password": PASSWORD, "otp": code_for(device)},
        format="json",
    )
    assert made.status_code == 201
    assert APIClient(HTTP_AUTHORIZATION=f"Bearer {made.json()['token']}").get("/api/v1/employees/").status_code == 200


# --- Lockout ---------------------------------------------------------------------------------


def test_wrong_codes_lock_the_account_like_wrong_passwords(people: Any, clock: Any) -> None:
    alice = people.alice.user
    device, _codes = enrol(alice)
    limit = settings.AXES_FAILURE_LIMIT
    client = password_login(alice.username)
    for _attempt in range(2):
        assert second_step(client, wrong_code(device)).status_code == 400
    # Signing in with the password again does not clear the count of wrong codes.
    client = password_login(alice.username)
    for attempt in range(2, limit - 1):
        assert second_step(client, wrong_code(device)).status_code == 400, attempt
    locked = second_step(client, wrong_code(device))
    assert locked.status_code == 403 and "locked" in locked.content.decode()
    # The half-signed-in session is over, and the right password and code no longer help.
    assert client.get("/profile/")["Location"].startswith("/accounts/login/")
    again = Client().post("/accounts/login/", {"username": alice.username, "password": PASSWORD})
    assert again.status_code == 403


def test_a_correct_code_clears_the_failure_count(people: Any, clock: Any) -> None:
    alice = people.alice.user
    device, _codes = enrol(alice)
    limit = settings.AXES_FAILURE_LIMIT
    client = password_login(alice.username)
    for _attempt in range(limit - 1):
        assert second_step(client, wrong_code(device)).status_code == 400
    clock.shift(30)
    assert second_step(client, code_for(device)).status_code == 302
    client = password_login(alice.username)
    assert second_step(client, wrong_code(device)).status_code == 400  # one failure, not the limit


def test_an_admin_resets_the_second_factor_of_a_person_who_lost_their_phone(people: Any, admin_client: Any) -> None:
    alice = people.alice.user
    enrol(alice)
    response = admin_client.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [str(alice.pk)], "index": "0"}
    )
    assert response.status_code == 302
    assert not twofactor.has_second_factor(alice)
    event = AuditEvent.objects.get(action="twofactor.reset", object_id=str(alice.pk))
    assert event.actor == people.admin
    # The next sign-in is the password alone again (and, where required, the set-up page).
    assert password_login(alice.username).get("/profile/").status_code == 200


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "abc", "home", "/\x00", "\\evil"])
def test_the_second_step_goes_nowhere_but_this_site(people: Any, clock: Any, next_url: str) -> None:
    alice = people.alice.user
    _device, codes = enrol(alice)
    client = password_login(alice.username)
    assert client.get("/accounts/two-factor/", {"next": next_url}).status_code == 200
    assert second_step(client, codes[0], next_url)["Location"] == "/"


def test_an_admin_who_turns_2fa_off_sets_up_a_new_app_at_once(people: Any, clock: Any, required: None) -> None:
    admin = people.admin
    device, _codes = enrol(admin)
    clock.shift(30)
    client = password_login(admin.username)
    assert second_step(client, code_for(device)).status_code == 302
    clock.shift(30)
    assert client.post("/accounts/two-factor/disable/", {"code": code_for(device)})["Location"] == "/profile/"
    assert client.get("/profile/")["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/setup/")


def test_the_permission_pickers_leave_out_the_second_factor_devices(admin_client: Any) -> None:
    # Devices are managed on the profile and by the admin's reset action, not by permissions.
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="Payroll")
    for url in ("/admin/auth/group/add/", f"/admin/auth/group/{group.pk}/change/"):
        page = admin_client.get(url).content.decode()
        assert "Can add group" in page and "TOTP device" not in page and "static token" not in page
