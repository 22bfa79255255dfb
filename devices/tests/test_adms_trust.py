"""ADMS trust (issue 18, docs/SECURITY.md "ADMS push"): a clock sends nothing but its serial
number, so etime checks where the call comes from, holds secrets back from clocks anyone
could impersonate, bounds the stamp it hands back and reports unknown serials once.

Every test goes through real requests (Django's test client, the client address in
REMOTE_ADDR / X-Forwarded-For); each failed before the change (the serial alone opened
every door)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Location
from attendance.models import Punch
from devices import services
from devices.models import AdmsCommandStatus, Device, DeviceStatus, PushKnock
from etime.core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
SN = "CKPG201260077"
CLOCK_NET = "192.0.2.0/24"
AT_CLOCK = "192.0.2.10"
ELSEWHERE = "198.51.100.7"
ATTLOG = "7\t2026-04-14 08:01:02\t0\t1\t0\n7\t2026-04-14 17:05:00\t1\t1\t0\n"
USERINFO = "DATA UPDATE USERINFO PIN=7\tName=Alice\tPri=0\tPasswd=4711\tCard=123456\tGrp=1"


def zk_time(moment: datetime) -> int:
    """ZKTeco's packed time, as clocks send it in `Stamp` (devices.services.decode_zk_time)."""
    days = ((moment.year - 2000) * 12 + moment.month - 1) * 31 + moment.day - 1
    return ((days * 24 + moment.hour) * 60 + moment.minute) * 60 + moment.second


@pytest.fixture
def site() -> Location:
    return Location.objects.create(name="Plant", time_zone="Europe/Zurich", allowed_networks=CLOCK_NET)


@pytest.fixture
def device(site: Location) -> Device:
    return services.device_create(
        actor=None, name="Gate", protocol="adms", serial_number=SN, time_zone="Europe/Zurich", location=site
    )


def call(method: str, path: str, address: str, body: str = "", forwarded: str | None = None, **query: str) -> Any:
    client = Client(enforce_csrf_checks=True)
    qs = "&".join(f"{k}={v}" for k, v in {"SN": SN, **query}.items())
    extra: dict[str, Any] = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    if method == "GET":
        return client.get(f"{path}?{qs}", **extra)
    return client.post(f"{path}?{qs}", data=body, content_type="text/plain", **extra)


def admin_client_of(people: Any) -> Client:
    people.admin.is_superuser = True  # the admin site's model permissions
    people.admin.save()
    client = Client()
    client.force_login(people.admin)
    return client


def untouched(device: Device) -> None:
    device.refresh_from_db()
    assert (device.status, device.last_contact_at, device.watermark_record) == (DeviceStatus.UNKNOWN, None, "")


# --- networks ---------------------------------------------------------------------------------


def test_a_known_serial_from_another_network_is_refused_and_changes_nothing(device: Device, people: Any) -> None:
    Device.objects.filter(pk=device.pk).update(watermark_record="")
    queued = services.adms_command_queue(device=device, command="INFO", actor=people.admin)
    assert call("GET", "/iclock/cdata", ELSEWHERE, options="all").status_code == 403
    refused = call("POST", "/iclock/cdata", ELSEWHERE, ATTLOG, table="ATTLOG", Stamp="9999")
    assert refused.status_code == 403 and refused.content == b"ERROR: not allowed from this network\n"
    assert call("GET", "/iclock/getrequest", ELSEWHERE).status_code == 403
    queued_results = f"ID={queued.pk}&Return=0&CMD=INFO\n"
    assert call("POST", "/iclock/devicecmd", ELSEWHERE, queued_results).status_code == 403
    assert not Punch.objects.exists()
    queued.refresh_from_db()
    assert (queued.status, queued.sent_at, queued.return_code) == (AdmsCommandStatus.QUEUED, None, None)
    untouched(device)


def test_the_clock_on_its_locations_network_is_served(device: Device, people: Any) -> None:
    assert device.location_id is not None
    Location.objects.filter(pk=device.location_id).update(allowed_networks=f"10.9.0.0/16\n{CLOCK_NET}")
    assert call("GET", "/iclock/cdata", AT_CLOCK, options="all").content.startswith(f"GET OPTION FROM: {SN}".encode())
    assert call("POST", "/iclock/cdata", AT_CLOCK, ATTLOG, table="ATTLOG").content == b"OK: 2\n"
    assert Punch.objects.count() == 2
    device.refresh_from_db()
    assert device.status == DeviceStatus.ONLINE


def test_the_devices_own_networks_replace_its_locations(device: Device) -> None:
    services.device_update(device=device, actor=None, push_networks="203.0.113.0/28")
    assert call("GET", "/iclock/getrequest", AT_CLOCK).status_code == 403  # the location's network no longer counts
    assert call("GET", "/iclock/getrequest", "203.0.113.5").content == b"OK\n"
    with pytest.raises(Exception, match="CIDR"):
        services.device_update(device=device, actor=None, push_networks="not-a-network")


def test_the_client_address_follows_the_projects_proxy_rule(device: Device, settings: Any) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    # No trusted proxy: a forged X-Forwarded-For does not make an outsider the clock.
    assert call("GET", "/iclock/getrequest", ELSEWHERE, forwarded=AT_CLOCK).status_code == 403
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    # Behind our one proxy (REMOTE_ADDR is the proxy), the address it saw is the client's.
    assert call("GET", "/iclock/getrequest", "10.0.0.1", forwarded=AT_CLOCK).status_code == 200
    assert call("GET", "/iclock/getrequest", "10.0.0.1", forwarded=ELSEWHERE).status_code == 403


# --- secrets and command results --------------------------------------------------------------


def test_commands_with_secrets_wait_while_anyone_may_push_as_the_clock(device: Device, people: Any) -> None:
    assert device.location_id is not None
    Location.objects.filter(pk=device.location_id).update(allowed_networks="")
    device.refresh_from_db()
    assert device.push_from_anywhere
    secret = services.adms_command_queue(device=device, command=USERINFO, actor=people.admin)
    info = services.adms_command_queue(device=device, command="INFO", actor=people.admin)
    plain = services.adms_command_queue(
        device=device, command="DATA UPDATE USERINFO PIN=8\tName=Amir\tPasswd=\tCard=", actor=people.admin
    )
    assert (secret.carries_secret, info.carries_secret, plain.carries_secret) == (True, False, False)
    answer = call("GET", "/iclock/getrequest", ELSEWHERE).content.decode()
    assert answer == f"C:{info.pk}:INFO\nC:{plain.pk}:{plain.command}\n"
    assert "4711" not in answer and "123456" not in answer
    secret.refresh_from_db()
    assert secret.status == AdmsCommandStatus.QUEUED  # still for the real clock
    services.device_update(device=device, actor=None, push_networks=CLOCK_NET)
    assert call("GET", "/iclock/getrequest", AT_CLOCK).content.decode() == f"C:{secret.pk}:{USERINFO}\n"


def test_a_result_counts_only_for_a_command_handed_out_to_the_clock(device: Device, people: Any) -> None:
    first = services.adms_command_queue(device=device, command="INFO", actor=people.admin)
    early = call("POST", "/iclock/devicecmd", AT_CLOCK, f"ID={first.pk}&Return=0&CMD=INFO\n")
    assert early.status_code == 200
    first.refresh_from_db()
    assert first.status == AdmsCommandStatus.QUEUED  # not "done" before the clock got it
    assert call("GET", "/iclock/getrequest", AT_CLOCK).content == f"C:{first.pk}:INFO\n".encode()
    call("POST", "/iclock/devicecmd", AT_CLOCK, f"ID={first.pk}&Return=0&CMD=INFO\n")
    call("POST", "/iclock/devicecmd", AT_CLOCK, f"ID={first.pk}&Return=-1&CMD=INFO\n")  # a second answer is ignored
    first.refresh_from_db()
    assert (first.status, first.return_code) == (AdmsCommandStatus.DONE, 0)


# --- the stamp --------------------------------------------------------------------------------


def test_the_stamp_never_moves_backwards_nor_past_the_newest_record(device: Device) -> None:
    def upload(stamp: int, body: str = ATTLOG) -> str:
        call("POST", "/iclock/cdata", AT_CLOCK, body, table="ATTLOG", Stamp=str(stamp))
        device.refresh_from_db()
        return device.watermark_record

    newest = zk_time(datetime(2026, 4, 14, 17, 5))  # the last line of ATTLOG, clock time
    assert upload(9999 * 9999 * 99) == ""  # far past the newest stored record: not taken
    assert upload(newest) == str(newest)
    assert upload(newest - 3600) == str(newest)  # backwards: kept
    assert upload(newest + 30 * 60) == str(newest + 30 * 60)  # within the margin (60 min)
    assert upload(newest + 3 * 3600) == str(newest + 30 * 60)
    assert upload(10**13) == str(newest + 30 * 60)  # not a stamp at all
    handshake = call("GET", "/iclock/cdata", AT_CLOCK).content.decode()
    assert f"ATTLOGStamp={newest + 30 * 60}\n" in handshake


# --- unknown serials --------------------------------------------------------------------------


def test_an_unknown_serial_is_reported_once_and_can_be_adopted(
    people: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert call("GET", "/iclock/cdata", AT_CLOCK, SN="NEWCLOCK1").status_code == 403
    knock = PushKnock.objects.get()
    assert (knock.serial_number, knock.last_address, knock.calls) == ("NEWCLOCK1", AT_CLOCK, 3)
    assert AuditEvent.objects.filter(action="device.unknown_serial").count() == 1
    assert [m.to for m in mail.outbox] == [["olivia@example.com"]]
    assert "NEWCLOCK1" in mail.outbox[0].subject and AT_CLOCK in mail.outbox[0].body
    # The admin home shows it, with a link that opens the device form filled in.
    admin = admin_client_of(people)
    home = admin.get("/").content.decode()
    assert "NEWCLOCK1" in home
    form = admin.get(
        "/admin/devices/device/add/", {"protocol": "adms", "serial_number": "NEWCLOCK1", "push_networks": AT_CLOCK}
    ).content.decode()
    assert 'value="NEWCLOCK1"' in form and AT_CLOCK in form


def test_unknown_serials_are_rate_limited_per_address(people: Any) -> None:
    answers = [call("GET", "/iclock/getrequest", ELSEWHERE, SN=f"TRY{n}").status_code for n in range(15)]
    assert answers[:12] == [403] * 12 and set(answers[12:]) == {429}
    assert PushKnock.objects.count() == 12
    assert call("GET", "/iclock/getrequest", "198.51.100.8", SN="OTHER").status_code == 403  # another address


def test_new_serials_recorded_per_hour_are_capped(settings: Any) -> None:
    settings.ETIME_ADMS_NEW_KNOCKS_PER_HOUR = 3
    for n in range(6):
        call("GET", "/iclock/getrequest", f"198.51.100.{n + 1}", SN=f"SPRAY{n}")
    assert PushKnock.objects.count() == 3


# --- where the admin sees the warning ---------------------------------------------------------


def test_a_clock_anyone_may_push_as_is_a_warning_in_admin_home_and_health(device: Device, people: Any) -> None:
    admin = admin_client_of(people)
    assert 'data-testid="push-open"' not in admin.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    assert "push_any_network" not in admin.get("/health/ready/").json()["checks"]["devices"]
    assert device.location_id is not None
    Location.objects.filter(pk=device.location_id).update(allowed_networks="")
    assert 'data-testid="push-open"' in admin.get(f"/admin/devices/device/{device.pk}/change/").content.decode()
    assert 'data-testid="push-open"' in admin.get("/admin/devices/device/").content.decode()
    assert 'data-testid="devices-push-open"' in admin.get("/").content.decode()
    devices = admin.get("/health/ready/").json()["checks"]["devices"]
    assert (devices["status"], devices["push_any_network"]) == ("warn", 1)


# --- fuzzing: every persona, every route, 0 unexpected successes -------------------------------

PERSONAS = ("anon", "alice", "bob", "admin")


@pytest.mark.postgres
def test_fuzz_adms_routes_as_each_persona_from_outside_never_succeeds(device: Device, people: Any) -> None:
    """Signed in or not, any serial (the real one included), any table, body and stamp, from
    an address outside the clock's network: never a 2xx, and nothing changes."""
    command = services.adms_command_queue(device=device, command=USERINFO, actor=people.admin)
    clients = {"anon": Client()}
    for name in PERSONAS[1:]:
        client = Client()
        user = people.admin if name == "admin" else getattr(people, name).user
        client.force_login(user)
        clients[name] = client
    successes: list[tuple[Any, ...]] = []

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        persona=st.sampled_from(PERSONAS),
        method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
        path=st.sampled_from(
            [
                "/iclock/cdata",
                "/iclock/cdata.aspx",
                "/iclock/getrequest",
                "/iclock/devicecmd",
                "/iclock/ping",
                "/iclock/fdata",
                "/iclock/registry",
                "/iclock/push",
            ]
        ),
        serial=st.one_of(st.just(SN), st.just(SN.lower()), st.just(f" {SN} "), st.text(max_size=70)),
        table=st.sampled_from(["ATTLOG", "OPERLOG", "attlog", "", "USERINFO", "rtlog", "rtstate", "ATTPHOTO"]),
        stamp=st.one_of(st.integers(min_value=-1, max_value=10**14).map(str), st.text(max_size=20)),
        body=st.one_of(st.just(ATTLOG), st.just(f"ID={command.pk}&Return=0&CMD=DATA\n"), st.text(max_size=200)),
        address=st.sampled_from([ELSEWHERE, "203.0.113.9", "::1", "2001:db8::1"]),
        forwarded=st.one_of(st.none(), st.just(AT_CLOCK)),
    )
    def attempt(
        persona: str,
        method: str,
        path: str,
        serial: str,
        table: str,
        stamp: str,
        body: str,
        address: str,
        forwarded: str | None,
    ) -> None:
        extra: dict[str, Any] = {"REMOTE_ADDR": address, "QUERY_STRING": ""}
        if forwarded:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        data = {"SN": serial, "table": table, "Stamp": stamp}
        client = clients[persona]
        if method == "GET":
            response = client.get(path, data, **{k: v for k, v in extra.items() if k != "QUERY_STRING"})
        else:
            from urllib.parse import urlencode

            response = client.generic(
                method,
                f"{path}?{urlencode(data)}",
                body.encode("utf-8", "surrogatepass"),
                "text/plain",
                **{k: v for k, v in extra.items() if k != "QUERY_STRING"},
            )
        assert response.status_code < 500, (persona, method, path, serial, response.status_code)
        if response.status_code < 400:
            successes.append((persona, method, path, serial, table, address, response.status_code))

    attempt()
    assert successes == []
    assert not Punch.objects.exists()
    command.refresh_from_db()
    assert command.status == AdmsCommandStatus.QUEUED
    untouched(device)


def test_push_networks_through_the_api(device: Device, people: Any, token_client: Any) -> None:
    api = token_client(people.admin, scopes=["write:devices"])
    bad = api.patch(f"/api/v1/devices/{device.pk}/", {"push_networks": "10.0.0.0/8\nnope"}, format="json")
    assert bad.status_code == 400 and "push_networks" in bad.json()["error"]["details"]
    good = api.patch(f"/api/v1/devices/{device.pk}/", {"push_networks": "203.0.113.0/28"}, format="json")
    assert good.status_code == 200 and good.json()["push_networks"] == "203.0.113.0/28"
    assert call("GET", "/iclock/getrequest", AT_CLOCK).status_code == 403


def test_an_unreadable_network_list_refuses_every_address(device: Device) -> None:
    assert device.location_id is not None
    Location.objects.filter(pk=device.location_id).update(allowed_networks="192.0.2.0/24\nnot a network")  # no clean()
    assert call("GET", "/iclock/getrequest", AT_CLOCK).status_code == 403
    untouched(device)
