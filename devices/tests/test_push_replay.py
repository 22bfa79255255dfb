"""ADMS push replayed as real clocks speak it (issue 19): each test sends the request bytes a
clock sends (ZKTeco's "Attendance PUSH Communication Protocol" 2.4.x examples, the Security
PUSH 3.1.2 examples and public captures of a SpeedFace-V5L, ZAM180 firmware, `iClock
Proxy/1.09`), checks etime's answer byte for byte and what was stored: once, at the right
UTC instant.

Requests with a Content-Length go through Django's handler in-process (`replay`); chunked
ones through real servers: Django's development server (what `runserver` runs) and gunicorn.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client

from accounts.models import Location
from attendance.models import Punch, PunchDirection, PunchSource
from devices import services
from devices.models import AdmsCommandStatus, Device, DeviceStatus, PunchPhoto, PushKnock, SyncRun
from devices.views import BodyTooLarge, dechunk

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

SN = "0316144680030"  # the serial in the 2.4.2 document's examples
SN3 = "3383154200002"  # a push 3.x clock
CLOCK_NET = "192.0.2.0/24"
AT_CLOCK = "192.0.2.10"
ELSEWHERE = "198.51.100.7"
UA = b"User-Agent: iClock Proxy/1.09\r\n"

# The 2.4.2 document's ATTLOG upload: PIN, time, status, verify, workcode, two reserved fields,
# CRLF line ends (other firmware: LF, trailing tabs, fewer or more columns).
ATTLOG_LINES = (
    b"1452\t2015-07-30 15:16:28\t0\t1\t0\t0\t0\r\n"
    b"1452\t2015-07-30 18:02:11\t1\t1\t0\t0\t0\r\n"
    b"7\t2015-07-30 09:00:05\t0\t15\t\t\t\t36.5\t0\r\n"
)


def request_bytes(
    method: str, target: str, body: bytes = b"", *, chunked: bool = False, length: bool = True, extra: bytes = b""
) -> bytes:
    head = f"{method} {target} HTTP/1.1\r\n".encode() + b"Host: testserver\r\n" + UA + b"Accept: */*\r\n" + extra
    if chunked:
        head += b"Transfer-Encoding: chunked\r\n"
        chunks = b"".join(f"{len(part):X}\r\n".encode() + part + b"\r\n" for part in _split(body, 37)) + b"0\r\n\r\n"
        return head + b"Connection: close\r\n\r\n" + chunks
    if method == "POST" and length:
        head += f"Content-Length: {len(body)}\r\n".encode()
    return head + b"Connection: close\r\n\r\n" + body


def _split(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)]


def replay(raw: bytes, address: str = AT_CLOCK) -> Any:
    """Feed a clock's raw HTTP/1.1 request (with a Content-Length, or none) to etime's handler."""
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ")
    path, _, query = target.partition("?")
    meta: dict[str, Any] = {"REMOTE_ADDR": address, "QUERY_STRING": query}
    content_type = "application/octet-stream"
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            content_type = value.strip()
        elif key != "CONTENT_LENGTH":
            meta[f"HTTP_{key}"] = value.strip()
    assert "chunked" not in meta.get("HTTP_TRANSFER_ENCODING", ""), "chunked bodies go through a real server"
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, path, body, content_type, **meta)
    if b"Content-Length:" not in head:
        response.request_meta = meta  # type: ignore[attr-defined]
    return response


def answer(response: Any) -> tuple[int, bytes]:
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    return response.status_code, response.content


@pytest.fixture
def site() -> Location:
    return Location.objects.create(name="Bengaluru", time_zone="Asia/Kolkata", allowed_networks=CLOCK_NET)


@pytest.fixture
def k20(site: Location) -> Device:
    return services.device_create(
        actor=None, name="identiX K20 gate", protocol="adms", serial_number=SN, time_zone="Asia/Kolkata", location=site
    )


@pytest.fixture
def speedface(site: Location) -> Device:
    return services.device_create(
        actor=None,
        name="SpeedFace lobby",
        protocol="adms",
        serial_number=SN3,
        time_zone="Asia/Kolkata",
        location=site,
        model="SpeedFace-V5L",
    )


def stored(device: Device) -> list[tuple[str, datetime, str, int | None]]:
    return list(
        Punch.objects.filter(device_id=device.pk)
        .order_by("timestamp", "device_user_id")
        .values_list("device_user_id", "timestamp", "direction", "verify_mode")
    )


KOLKATA_ROWS = [
    ("7", datetime(2015, 7, 30, 3, 30, 5, tzinfo=UTC), PunchDirection.IN, 15),
    ("1452", datetime(2015, 7, 30, 9, 46, 28, tzinfo=UTC), PunchDirection.IN, 1),
    ("1452", datetime(2015, 7, 30, 12, 32, 11, tzinfo=UTC), PunchDirection.OUT, 1),
]


# --- 1. the handshake's TimeZone ----------------------------------------------------------------


def handshake_24(serial: str = SN) -> bytes:
    return request_bytes("GET", f"/iclock/cdata?SN={serial}&options=all&pushver=2.4.1&language=69")


def test_an_indian_k20_is_told_its_zone_in_minutes_byte_for_byte(k20: Device) -> None:
    with time_machine.travel(datetime(2027, 1, 15, 6, 0, tzinfo=UTC), tick=False):
        status, body = answer(replay(handshake_24()))
    assert status == 200
    assert body == (
        b"GET OPTION FROM: 0316144680030\nATTLOGStamp=None\nOPERLOGStamp=9999\nATTPHOTOStamp=None\nErrorDelay=30\n"
        b"Delay=10\nTransTimes=00:00;14:05\nTransInterval=1\nTransFlag=TransData AttLog\nTimeZone=330\nRealtime=1\n"
        b"Encrypt=None\n"
    )
    k20.refresh_from_db()
    assert (k20.status, k20.push_version) == (DeviceStatus.ONLINE, "2.4.1")


@pytest.mark.parametrize(
    ("zone", "moment", "expected"),
    [
        ("Asia/Kolkata", datetime(2027, 7, 1, 12, 0, tzinfo=UTC), 330),
        ("Asia/Kathmandu", datetime(2027, 7, 1, 12, 0, tzinfo=UTC), 345),
        ("America/St_Johns", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), -210),  # NST -03:30
        ("America/St_Johns", datetime(2027, 7, 15, 12, 0, tzinfo=UTC), -150),  # NDT -02:30
        ("Australia/Adelaide", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), 630),  # ACDT +10:30
        ("Pacific/Chatham", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), 825),  # +13:45
        ("Pacific/Tongatapu", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), 780),  # +13: past 12, so minutes
        ("Pacific/Kiritimati", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), 840),  # +14
        ("UTC", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), 0),
        ("America/New_York", datetime(2027, 1, 15, 12, 0, tzinfo=UTC), -5),
        ("Pacific/Auckland", datetime(2027, 7, 15, 12, 0, tzinfo=UTC), 12),
        ("Etc/GMT+12", datetime(2027, 7, 15, 12, 0, tzinfo=UTC), -12),
    ],
)
def test_the_zone_goes_in_hours_when_whole_and_in_minutes_otherwise(
    k20: Device, zone: str, moment: datetime, expected: int
) -> None:
    Device.objects.filter(pk=k20.pk).update(time_zone=zone)
    with time_machine.travel(moment, tick=False):
        _status, body = answer(replay(handshake_24()))
    assert f"\nTimeZone={expected}\n".encode() in body


@pytest.mark.parametrize("moment", [datetime(2027, 1, 15, 12, 0, tzinfo=UTC), datetime(2027, 7, 15, 12, 0, tzinfo=UTC)])
def test_every_iana_zone_gets_a_value_a_clock_reads_back_as_its_offset(moment: datetime) -> None:
    """Decoded the firmware's way (up to 12: hours, beyond: minutes), every zone's value is
    its offset at that moment, to the minute."""
    from zoneinfo import ZoneInfo, available_timezones

    wrong = []
    for zone in sorted(available_timezones()):
        value = services.adms_time_zone(zone, moment)
        decoded = value * 60 if abs(value) <= 12 else value
        offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
        if offset is None or decoded != round(offset.total_seconds() / 60):
            wrong.append((zone, value, offset))
    assert wrong == []


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2027, 3, 28, 0, 59, 59, tzinfo=UTC), 1),  # Zurich still on CET
        (datetime(2027, 3, 28, 1, 0, 0, tzinfo=UTC), 2),  # 03:00 CEST: the clocks went forward
        (datetime(2027, 10, 31, 0, 59, 59, tzinfo=UTC), 2),
        (datetime(2027, 10, 31, 1, 0, 0, tzinfo=UTC), 1),  # back to CET
    ],
)
def test_the_offset_is_the_one_in_force_at_the_handshake(k20: Device, moment: datetime, expected: int) -> None:
    Device.objects.filter(pk=k20.pk).update(time_zone="Europe/Zurich")
    with time_machine.travel(moment, tick=False):
        _status, body = answer(replay(handshake_24()))
    assert f"\nTimeZone={expected}\n".encode() in body


# --- 2. bodies: Content-Length, chunked, none, too large ----------------------------------------


def attlog_request(
    *, chunked: bool = False, serial: str = SN, stamp: str = "9999", body: bytes = ATTLOG_LINES
) -> bytes:
    return request_bytes("POST", f"/iclock/cdata?SN={serial}&table=ATTLOG&Stamp={stamp}", body, chunked=chunked)


def test_the_specs_attlog_upload_is_stored_once_at_the_right_instant(k20: Device) -> None:
    assert answer(replay(attlog_request())) == (200, b"OK: 3\n")
    assert stored(k20) == KOLKATA_ROWS
    assert set(Punch.objects.values_list("source", flat=True)) == {PunchSource.ADMS}
    # The clock missed our answer and sends the batch again: acknowledged in full (it deletes
    # what we acknowledge), stored nothing twice.
    assert answer(replay(attlog_request())) == (200, b"OK: 3\n")
    assert stored(k20) == KOLKATA_ROWS
    assert [(r.created, r.duplicates) for r in SyncRun.objects.order_by("started_at")] == [(3, 0), (0, 3)]


def test_ok_counts_what_was_stored_not_the_lines_it_could_not_read(k20: Device) -> None:
    body = ATTLOG_LINES + b"garbage\r\n1452\tnot a time\t0\t1\r\n\r\n1452\t0001-01-01 00:00:00\t0\t1\r\n"
    assert answer(replay(attlog_request(body=body))) == (200, b"OK: 3\n")
    run = SyncRun.objects.get()
    assert (run.fetched, run.created) == (6, 3) and "3 lines not understood" in run.notes


def test_key_value_attlog_lines_are_read_too(k20: Device) -> None:
    body = b"PIN=1452\tDateTime=2015-07-30 15:16:28\tVerified=1\tStatus=0\n"
    assert answer(replay(attlog_request(body=body))) == (200, b"OK: 1\n")
    assert stored(k20) == [KOLKATA_ROWS[1]]


def test_a_request_without_content_length_or_chunks_has_no_body(k20: Device) -> None:
    raw = request_bytes("POST", f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=9999", b"", length=False)
    assert answer(replay(raw)) == (200, b"OK: 0\n")


def test_a_body_over_the_limit_is_refused_with_413_and_nothing_stored(k20: Device, settings: Any) -> None:
    settings.ETIME_ADMS_MAX_BODY_BYTES = 2048
    big = ATTLOG_LINES * 40
    assert len(big) > 2048
    assert answer(replay(attlog_request(body=big))) == (413, b"ERROR: body too large (limit 2048 bytes)\n")
    assert not Punch.objects.exists()


def test_dechunk_reads_chunks_extensions_and_trailers_and_bounds_the_size() -> None:
    raw = b"5;name=x\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT"
    stream = io.BufferedReader(io.BytesIO(raw))
    assert dechunk(stream, 100) == b"hello, world"
    assert stream.read() == b"NEXT"  # the connection's next request is left alone
    with pytest.raises(BodyTooLarge):
        dechunk(io.BufferedReader(io.BytesIO(raw)), 8)
    for broken in (b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhel", b"5\r\nhelloXX0\r\n\r\n"):
        with pytest.raises(ValueError):
            dechunk(io.BufferedReader(io.BytesIO(broken)), 100)


def send_raw(host: str, port: int, raw: bytes) -> tuple[int, bytes]:
    """Send the bytes as a clock would, read the answer to the end (Connection: close)."""
    with socket.create_connection((host, port), timeout=20) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        body = dechunk(io.BufferedReader(io.BytesIO(body)), 1 << 20)
    return status, body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_attlog_is_read_whole_by_the_development_server(
    live_server: Any, site: Location, settings: Any
) -> None:
    device = services.device_create(
        actor=None,
        name="K20 dev",
        protocol="adms",
        serial_number=SN,
        time_zone="Asia/Kolkata",
        push_networks="127.0.0.0/8",
    )
    url = urlsplit(live_server.url)
    assert send_raw(url.hostname, url.port, attlog_request(chunked=True)) == (200, b"OK: 3\n")
    assert stored(device) == KOLKATA_ROWS
    settings.ETIME_ADMS_MAX_BODY_BYTES = 2048
    too_big = attlog_request(chunked=True, body=ATTLOG_LINES * 40)
    assert send_raw(url.hostname, url.port, too_big) == (413, b"ERROR: body too large (limit 2048 bytes)\n")
    assert stored(device) == KOLKATA_ROWS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def gunicorn_server(transactional_db: Any) -> Any:
    """etime under gunicorn (gthread, as production runs it) on the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("another process shares the test database only on PostgreSQL (the SQLite pass's is in memory)")
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "etime.settings_test",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "ETIME_TEST_NOW": "",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "etime.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/healthz", headers={"Host": "localhost"})
                conn.getresponse().read()
            finally:
                conn.close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                output = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"gunicorn did not come up: {output}") from None
            time.sleep(0.2)
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)
    if proc.stderr is not None:
        proc.stderr.close()


@pytest.mark.postgres
def test_a_chunked_attlog_is_read_whole_under_gunicorn(gunicorn_server: int) -> None:
    device = services.device_create(
        actor=None,
        name="K20 gunicorn",
        protocol="adms",
        serial_number=SN,
        time_zone="Asia/Kolkata",
        push_networks="127.0.0.0/8",
    )
    # http.client, as the brief's clock: a body from an iterable goes out chunked.
    conn = http.client.HTTPConnection("127.0.0.1", gunicorn_server, timeout=20)
    conn.request(
        "POST",
        f"/iclock/cdata?SN={SN}&table=ATTLOG&Stamp=9999",
        body=iter(_split(ATTLOG_LINES, 37)),
        headers={"Host": "testserver", "User-Agent": "iClock Proxy/1.09"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    answered = (response.status, response.read())
    conn.close()
    assert answered == (200, b"OK: 3\n")
    assert stored(device) == KOLKATA_ROWS
    # And the same bytes a clock sends, again: acknowledged, stored once.
    assert send_raw("127.0.0.1", gunicorn_server, attlog_request(chunked=True)) == (200, b"OK: 3\n")
    assert stored(device) == KOLKATA_ROWS


# --- 3. other tables: OK: n or plain OK ---------------------------------------------------------


def test_operlog_is_acknowledged_with_its_count_options_with_plain_ok(k20: Device) -> None:
    oplog = b"OPLOG 4\t0\t2015-07-30 10:22:34\t0\t0\t0\t0\r\nOPLOG 5\t0\t2015-07-30 10:23:00\t1452\t0\t0\t0\r\n"
    assert answer(replay(request_bytes("POST", f"/iclock/cdata?SN={SN}&table=OPERLOG&Stamp=9999", oplog))) == (
        200,
        b"OK: 2\n",
    )
    options = b"~DeviceName=K20,MAC=00:17:61:aa:bb:cc,TransactionCount=3,UserCount=12,FWVersion=Ver 6.60 Jun 9 2017"
    assert answer(replay(request_bytes("POST", f"/iclock/cdata?SN={SN}&table=options", options))) == (200, b"OK\n")
    assert not Punch.objects.exists()


# --- 4. command replies --------------------------------------------------------------------------


def handed_out(device: Device, *commands: str) -> list[int]:
    queued = [services.adms_command_queue(device=device, command=c, actor=None).pk for c in commands]
    polled = answer(replay(request_bytes("GET", f"/iclock/getrequest?SN={device.serial_number}")))
    assert polled == (200, "".join(f"C:{pk}:{c}\n" for pk, c in zip(queued, commands, strict=True)).encode())
    return queued


def results(*ids: int) -> list[tuple[str, int | None]]:
    from devices.models import AdmsCommand

    return [AdmsCommand.objects.values_list("status", "return_code").get(pk=pk) for pk in ids]


def test_a_speedface_multi_line_shell_reply_is_recorded_with_its_code(speedface: Device) -> None:
    (shell,) = handed_out(speedface, "Shell date")
    body = f"ID={shell}\nReturn=0\nCMD=Shell\nContent=Tue Mar 24 16:12:26 GMT 2026\n".encode()
    assert answer(replay(request_bytes("POST", f"/iclock/devicecmd?SN={SN3}", body))) == (200, b"OK\n")
    assert results(shell) == [(AdmsCommandStatus.DONE, 0)]
    from devices.models import AdmsCommand

    assert "Content=Tue Mar 24 16:12:26 GMT 2026" in AdmsCommand.objects.get(pk=shell).result


def test_batched_replies_in_one_body_are_each_recorded(speedface: Device) -> None:
    first, second, third, fourth = handed_out(
        speedface, "DATA UPDATE USERINFO PIN=1\tName=A", "DATA QUERY ATTLOG", "CHECK", "Shell uptime"
    )
    body = (
        f"ID={first}&Return=0&CMD=DATA\nID={second}&Return=-1&CMD=DATA\nID={third}&Return=0&CMD=CHECK\n"
        f"ID={fourth}\nReturn=0\nCMD=Shell\nContent= 16:12:26 up 3 days\n"
    ).encode()
    assert answer(replay(request_bytes("POST", f"/iclock/devicecmd?SN={SN3}", body))) == (200, b"OK\n")
    assert results(first, second, third, fourth) == [
        (AdmsCommandStatus.DONE, 0),
        (AdmsCommandStatus.FAILED, -1),
        (AdmsCommandStatus.DONE, 0),
        (AdmsCommandStatus.DONE, 0),
    ]


def test_a_reply_in_the_query_string_and_out_of_range_ids_are_handled(speedface: Device) -> None:
    (info,) = handed_out(speedface, "INFO")
    raw = request_bytes("POST", f"/iclock/devicecmd?SN={SN3}&ID={info}&Return=-1002&CMD=INFO", b"")
    assert answer(replay(raw)) == (200, b"OK\n")
    assert results(info) == [(AdmsCommandStatus.FAILED, -1002)]
    huge = b"ID=99999999999999999999999&Return=0&CMD=INFO\nID=5\nReturn=99999999999999\n"
    assert answer(replay(request_bytes("POST", f"/iclock/devicecmd?SN={SN3}", huge))) == (200, b"OK\n")


# --- 5. ping, photos, push 3.x ------------------------------------------------------------------


def test_ping_is_a_heartbeat(k20: Device) -> None:
    assert answer(replay(request_bytes("GET", f"/iclock/ping?SN={SN}"))) == (200, b"OK\n")
    k20.refresh_from_db()
    assert k20.status == DeviceStatus.ONLINE and k20.last_contact_at is not None


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) + b"\xff\xd9"


def photo_body(pin: str = "1452", taken: str = "20150730151628") -> bytes:
    return f"PIN={taken}-{pin}.jpg\nSN={SN}\nsize={len(JPEG)}\nCMD=uploadphoto".encode() + b"\x00" + JPEG


def test_photos_are_acknowledged_and_discarded_by_default(k20: Device, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    raw = request_bytes("POST", f"/iclock/fdata?SN={SN}&table=ATTPHOTO&Stamp=9999", photo_body())
    assert answer(replay(raw)) == (200, b"OK\n")
    assert not PunchPhoto.objects.exists() and not any(tmp_path.iterdir())


def test_a_kept_photo_is_stored_once_beside_its_punch(k20: Device, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    services.device_update(device=k20, actor=None, push_photos=True)
    with time_machine.travel(datetime(2027, 1, 15, 6, 0, tzinfo=UTC), tick=False):
        _status, handshake = answer(replay(handshake_24()))
    assert b"\nTransFlag=TransData AttLog\tAttPhoto\n" in handshake
    # The photo may come before its punch (cdata, 2.4 firmware) or after it (fdata).
    early = request_bytes("POST", f"/iclock/cdata?SN={SN}&table=ATTPHOTO&Stamp=9999", photo_body("7", "20150730090005"))
    assert answer(replay(early)) == (200, b"OK\n")
    assert answer(replay(attlog_request())) == (200, b"OK: 3\n")
    late = request_bytes("POST", f"/iclock/fdata?SN={SN}&table=ATTPHOTO&Stamp=9999", photo_body())
    assert answer(replay(late)) == (200, b"OK\n")
    assert answer(replay(late)) == (200, b"OK\n")  # re-sent: kept once
    photos = {p.device_user_id: p for p in PunchPhoto.objects.all()}
    assert sorted(photos) == ["1452", "7"]
    for pin, when in (("1452", KOLKATA_ROWS[1][1]), ("7", KOLKATA_ROWS[0][1])):
        photo = photos[pin]
        assert photo.taken_at == when and photo.punch is not None
        assert (photo.punch.device_user_id, photo.punch.timestamp) == (pin, when)
        with photo.image.open("rb") as f:
            assert f.read() == JPEG


def test_admins_see_a_kept_photo_through_the_admin_and_others_do_not(
    k20: Device, people: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    services.device_update(device=k20, actor=None, push_photos=True)
    replay(attlog_request())
    replay(request_bytes("POST", f"/iclock/fdata?SN={SN}&table=ATTPHOTO&Stamp=9999", photo_body()))
    photo = PunchPhoto.objects.get()
    people.admin.is_superuser = True
    people.admin.save()
    admin = Client()
    admin.force_login(people.admin)
    page = admin.get(f"/admin/devices/punchphoto/{photo.pk}/change/")
    assert page.status_code == 200 and f"/admin/devices/punchphoto/{photo.pk}/image/" in page.content.decode()
    image = admin.get(f"/admin/devices/punchphoto/{photo.pk}/image/")
    assert (image.status_code, image["Content-Type"], image.getvalue()) == (200, "image/jpeg", JPEG)
    assert "private" in image["Cache-Control"] and "no-store" in image["Cache-Control"]
    employee = Client()
    employee.force_login(people.alice.user)
    refused = employee.get(f"/admin/devices/punchphoto/{photo.pk}/image/")  # not staff: the admin's login
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]
    assert Client().get(f"/admin/devices/punchphoto/{photo.pk}/image/").status_code == 302  # to the login


def registry_body() -> bytes:
    return (
        b"DeviceType=att,~DeviceName=SpeedFace-V5L-RFID[TI],FirmVer=ZAM180-NF-Ver1.1.17,PushVersion=3.1.2,"
        b"MAC=00:17:61:12:f8:db,StringPinFunOn=0,~MaxUserCount=6000,~MaxAttLogCount=200000,LockCount=1"
    )


def handshake_3() -> bytes:
    return request_bytes("GET", f"/iclock/cdata?SN={SN3}&options=all&pushver=3.1.2&language=83&pushcommkey=0")


def test_a_push_3_clock_registers_gets_its_config_and_its_rtlog_punches_are_stored(speedface: Device) -> None:
    with time_machine.travel(datetime(2027, 1, 15, 6, 0, tzinfo=UTC), tick=False):
        # Not registered yet: plain OK, the cue to register.
        assert answer(replay(handshake_3())) == (200, b"OK\n")
        status, body = answer(replay(request_bytes("POST", f"/iclock/registry?SN={SN3}", registry_body())))
        speedface.refresh_from_db()
        code = speedface.push_registry_code
        assert (status, body) == (200, f"RegistryCode={code}\n".encode()) and len(code) == 32
        assert (speedface.reported_name, speedface.firmware, speedface.mac, speedface.push_version) == (
            "SpeedFace-V5L-RFID[TI]",
            "ZAM180-NF-Ver1.1.17",
            "00:17:61:12:f8:db",
            "3.1.2",
        )
        # A re-registration (after a reboot) keeps the code.
        assert answer(replay(request_bytes("POST", f"/iclock/registry?SN={SN3}", registry_body())))[1] == body
        import hashlib

        session = hashlib.sha256(f"etime-session:{speedface.pk}:{code}".encode()).hexdigest()[:32]
        config = (
            "ServerVersion=3.1.2\nServerName=etime\nPushProtVer=3.1.2\nErrorDelay=30\nRequestDelay=10\n"
            "TransTimes=00:00;14:05\nTransInterval=1\nTransTables=User Transaction\nRealtime=1\n"
            f"SessionID={session}\nTimeoutSec=10\nTimeZone=330\n"
        ).encode()
        assert answer(replay(request_bytes("POST", f"/iclock/push?SN={SN3}", b""))) == (200, config)
        assert answer(replay(handshake_3())) == (200, f"registry=ok\nRegistryCode={code}\n".encode() + config)
    rtlog = (
        b"time=2015-07-30 15:16:28\tpin=1452\tcardno=0\teventaddr=1\tevent=0\tinoutstatus=0\tverifytype=1\tindex=11"
        b"\tsitecode=0\tlinkid=0\tmaskflag=0\ttemperature=0\tconvtemperature=0\r\n"
        b"time=2015-07-30 15:20:00\tpin=99\tcardno=0\teventaddr=1\tevent=27\tinoutstatus=0\tverifytype=15\tindex=12\r\n"
        b"time=2015-07-30 15:21:00\tpin=0\tcardno=0\teventaddr=1\tevent=200\tinoutstatus=2\tverifytype=200\tindex=13\r\n"
        b"time=2015-07-30 18:02:11\tpin=1452\tcardno=0\teventaddr=1\tevent=0\tinoutstatus=1\tverifytype=1\tindex=14\r\n"
    )
    for _ in range(2):  # re-sent: stored once
        assert answer(replay(request_bytes("POST", f"/iclock/cdata?SN={SN3}&table=rtlog", rtlog))) == (200, b"OK\n")
    assert stored(speedface) == [KOLKATA_ROWS[1], KOLKATA_ROWS[2]]
    assert "2 events that are no punch" in SyncRun.objects.order_by("started_at").first().notes  # type: ignore[union-attr]
    rtstate = b"time=2015-07-30 15:21:00\tsensor=01\trelay=01\talarm=0100000000000000\tdoor=01\r\n"
    assert answer(replay(request_bytes("POST", f"/iclock/cdata?SN={SN3}&table=rtstate", rtstate))) == (200, b"OK\n")
    assert len(stored(speedface)) == 2


# --- every new route behind the same trust check ------------------------------------------------

NEW_ROUTES = [
    ("GET", "/iclock/ping", b""),
    ("POST", "/iclock/ping", b""),
    ("POST", "/iclock/fdata", photo_body()),
    ("POST", "/iclock/registry", registry_body()),
    ("GET", "/iclock/push", b""),
    ("POST", "/iclock/push", b""),
]


@pytest.mark.parametrize(("method", "path", "body"), NEW_ROUTES)
def test_new_routes_refuse_other_networks_and_change_nothing(k20: Device, method: str, path: str, body: bytes) -> None:
    services.device_update(device=k20, actor=None, push_photos=True)
    raw = request_bytes(method, f"{path}?SN={SN}&table=ATTPHOTO", body)
    assert answer(replay(raw, address=ELSEWHERE)) == (403, b"ERROR: not allowed from this network\n")
    k20.refresh_from_db()
    assert (k20.status, k20.last_contact_at, k20.push_registry_code, k20.reported_name) == (
        DeviceStatus.UNKNOWN,
        None,
        "",
        "",
    )
    assert not PunchPhoto.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), NEW_ROUTES)
def test_new_routes_report_unknown_serials(method: str, path: str, body: bytes) -> None:
    raw = request_bytes(method, f"{path}?SN=NEWCLOCK9", body)
    assert answer(replay(raw)) == (403, b"ERROR: unknown device\n")
    assert PushKnock.objects.get().serial_number == "NEWCLOCK9"


@pytest.mark.postgres
def test_no_body_a_trusted_clock_sends_gets_a_500(speedface: Device, settings: Any, tmp_path: Any) -> None:
    """Any route, table, query and body (text, bytes, NULs, huge numbers) from the clock's own
    network: a 2xx or a documented 4xx, never a 500."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    settings.MEDIA_ROOT = str(tmp_path)
    services.device_update(device=speedface, actor=None, push_photos=True)
    lines = st.sampled_from(
        [
            "1452\t2015-07-30 15:16:28\t0\t1",
            "time=2015-07-30 15:16:28\tpin=1452\tevent=0",
            "ID=1&Return=0&CMD=INFO",
            "ID=99999999999999999999",
            "Return=-99999999999",
            "PIN=20150730151628-1452.jpg",
            "CMD=uploadphoto",
            "PIN=\x00\tDateTime=2015-07-30 15:16:28",
            "1452\t9999-99-99 99:99:99",
            "1452\t0001-01-01 00:00:00",
            "PIN=00010101000000-1.jpg",
            "DeviceName=X,FirmVer=Y",
            "",
        ]
    )
    text = st.lists(st.one_of(lines, st.text(max_size=40)), max_size=6).map("\n".join).map(str.encode)

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        route=st.sampled_from(["cdata", "fdata", "devicecmd", "registry", "push", "ping", "getrequest"]),
        table=st.sampled_from(["ATTLOG", "rtlog", "rtstate", "ATTPHOTO", "OPERLOG", "options", "", "x"]),
        body=st.one_of(text, st.binary(max_size=300)),
        extra=st.sampled_from(["", "&Stamp=99999999999999", "&ID=3&Return=x", "&pushver=3.1.2", "&pushver=\x00"]),
    )
    def attempt(route: str, table: str, body: bytes, extra: str) -> None:
        method = "GET" if route == "getrequest" else "POST"
        raw = request_bytes(method, f"/iclock/{route}?SN={SN3}&table={table}{extra}", body if method == "POST" else b"")
        response = replay(raw)
        assert response.status_code in (200, 400, 405, 413), (route, table, body, response.status_code)

    attempt()


def test_rtlog_from_another_network_stores_nothing(speedface: Device) -> None:
    rtlog = b"time=2015-07-30 15:16:28\tpin=1452\tevent=0\tinoutstatus=0\tverifytype=1\n"
    raw = request_bytes("POST", f"/iclock/cdata?SN={SN3}&table=rtlog", rtlog)
    assert answer(replay(raw, address=ELSEWHERE))[0] == 403
    assert not Punch.objects.exists()
