"""ADMS push (/iclock/...): registered serials only, ATTLOG uploads into the same idempotent
pipeline, the command queue; plain text, no CSRF, no session."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from accounts.models import Employee
from attendance.models import Punch, PunchDirection, PunchSource
from devices import services
from devices.models import AdmsCommand, AdmsCommandStatus, Device, DeviceStatus, SyncRun, SyncStatus, SyncTrigger

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
SN = "CKPG201260001"
ATTLOG = (
    "7\t2026-04-14 08:01:02\t0\t1\t0\t0\t0\n"
    "7\t2026-04-14 17:05:00\t1\t1\t0\t0\t0\n"
    "12\t2026-04-14 08:30:00\t0\t15\t0\t0\t0\n"
)


@pytest.fixture
def device() -> Device:
    return services.device_create(
        actor=None, name="Lobby SpeedFace", protocol="adms", serial_number=SN, time_zone="Europe/Zurich"
    )


@pytest.fixture
def clock() -> Client:
    """A client like a clock: no cookies kept, CSRF enforced as for any browser."""
    return Client(enforce_csrf_checks=True)


def post(clock: Client, path: str, body: str, **query: str) -> Any:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return clock.post(f"{path}?{qs}", data=body, content_type="text/plain")


def test_handshake_answers_the_options_for_a_registered_serial(device: Device, clock: Client) -> None:
    response = clock.get("/iclock/cdata", {"SN": SN, "options": "all", "pushver": "2.4.1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert text.startswith(f"GET OPTION FROM: {SN}\n")
    for line in ("ATTLOGStamp=None", "Realtime=1", "TransFlag=TransData AttLog", "Delay=10"):
        assert line in text
    assert "TimeZone=" in text
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    device.refresh_from_db()
    assert device.status == DeviceStatus.ONLINE and device.last_contact_at is not None


def test_unknown_or_disabled_serials_are_refused(device: Device, clock: Client) -> None:
    assert clock.get("/iclock/cdata", {"SN": "NOPE"}).status_code == 403
    refused = post(clock, "/iclock/cdata", ATTLOG, SN="NOPE", table="ATTLOG", Stamp="1")
    assert refused.status_code == 403 and refused.content == b"ERROR: unknown device\n"
    assert clock.get("/iclock/cdata", {}).status_code == 403
    services.device_update(device=device, actor=None, enabled=False)
    assert post(clock, "/iclock/cdata", ATTLOG, SN=SN, table="ATTLOG").status_code == 403
    assert not Punch.objects.exists()
    # A polled (ZK) device's serial does not open the push door either.
    services.device_create(actor=None, name="Polled", host="10.0.0.5", serial_number="ZKPOLLED1")
    assert clock.get("/iclock/getrequest", {"SN": "ZKPOLLED1"}).status_code == 403


def test_attlog_upload_is_stored_idempotently_in_the_punch_pipeline(device: Device, clock: Client, people: Any) -> None:
    Employee.objects.filter(pk=people.alice.pk).update(device_user_id="7")
    response = post(clock, "/iclock/cdata", ATTLOG, SN=SN, table="ATTLOG", Stamp="9999")
    assert response.status_code == 200 and response.content == b"OK: 3\n"
    rows = list(
        Punch.objects.order_by("timestamp").values_list(
            "device_user_id", "timestamp", "direction", "source", "verify_mode", "employee_id", "device_id"
        )
    )
    assert rows == [
        (
            "7",
            datetime(2026, 4, 14, 6, 1, 2, tzinfo=UTC),
            PunchDirection.IN,
            PunchSource.ADMS,
            1,
            people.alice.pk,
            device.pk,
        ),
        ("12", datetime(2026, 4, 14, 6, 30, tzinfo=UTC), PunchDirection.IN, PunchSource.ADMS, 15, None, device.pk),
        (
            "7",
            datetime(2026, 4, 14, 15, 5, tzinfo=UTC),
            PunchDirection.OUT,
            PunchSource.ADMS,
            1,
            people.alice.pk,
            device.pk,
        ),
    ]
    # The clock missed our OK and sends the batch again, plus one new line.
    again = post(
        clock, "/iclock/cdata", ATTLOG + "7\t2026-04-15 08:00:00\t0\t1\n", SN=SN, table="ATTLOG", Stamp="10000"
    )
    assert again.content == b"OK: 4\n"
    assert Punch.objects.count() == 4
    runs = list(
        SyncRun.objects.filter(device=device)
        .order_by("started_at")
        .values_list("trigger", "status", "fetched", "created", "duplicates")
    )
    assert runs == [
        (SyncTrigger.ADMS, SyncStatus.SUCCEEDED, 3, 3, 0),
        (SyncTrigger.ADMS, SyncStatus.SUCCEEDED, 4, 1, 3),
    ]
    device.refresh_from_db()
    assert device.watermark_record == "10000" and device.last_success_at is not None
    assert "ATTLOGStamp=10000" in clock.get("/iclock/cdata", {"SN": SN}).content.decode()


def test_malformed_lines_are_skipped_and_reported(device: Device, clock: Client) -> None:
    body = "garbage line\n5\tnot a date\t0\n8  2026-04-14 09:00:00  0  1\n\n"
    response = post(clock, "/iclock/cdata", body, SN=SN, table="ATTLOG")
    assert response.status_code == 200
    assert list(Punch.objects.values_list("device_user_id", flat=True)) == ["8"]
    run = SyncRun.objects.get(device=device)
    assert run.fetched == 3 and run.created == 1 and "2 lines not understood" in run.notes


def test_other_tables_are_acknowledged(device: Device, clock: Client) -> None:
    response = post(clock, "/iclock/cdata", "OPLOG 4\t0\t2026-04-14 08:00:00\t0\t0\t0\t0\n", SN=SN, table="OPERLOG")
    assert response.content == b"OK: 1\n" and not Punch.objects.exists()


def test_commands_are_handed_out_once_and_their_results_recorded(device: Device, clock: Client, people: Any) -> None:
    assert clock.get("/iclock/getrequest", {"SN": SN}).content == b"OK\n"
    first = services.adms_command_queue(device=device, command="INFO", actor=people.admin)
    second = services.adms_command_queue(
        device=device, command="DATA QUERY ATTLOG StartTime=2026-04-01 00:00:00", actor=people.admin
    )
    polled = clock.get("/iclock/getrequest", {"SN": SN}).content.decode()
    assert polled == f"C:{first.pk}:INFO\nC:{second.pk}:DATA QUERY ATTLOG StartTime=2026-04-01 00:00:00\n"
    assert clock.get("/iclock/getrequest", {"SN": SN}).content == b"OK\n"  # each command once
    result = post(
        clock,
        "/iclock/devicecmd",
        f"ID={first.pk}&Return=0&CMD=INFO\n~SerialNumber={SN}\nID={second.pk}&Return=-1002&CMD=DATA\n",
        SN=SN,
    )
    assert result.content == b"OK\n"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.return_code) == (AdmsCommandStatus.DONE, 0) and f"~SerialNumber={SN}" in first.result
    assert (second.status, second.return_code) == (AdmsCommandStatus.FAILED, -1002)
    with pytest.raises(Exception, match="one line"):
        services.adms_command_queue(device=device, command="INFO\nREBOOT", actor=people.admin)
    assert AdmsCommand.objects.count() == 2


def test_getrequest_only_takes_get_and_devicecmd_only_post(device: Device, clock: Client) -> None:
    assert clock.post(f"/iclock/getrequest?SN={SN}").status_code == 405
    assert clock.get("/iclock/devicecmd", {"SN": SN}).status_code == 405
    assert clock.get("/iclock/cdata.aspx", {"SN": SN}).status_code == 200
