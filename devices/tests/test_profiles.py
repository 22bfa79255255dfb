"""Every simulator profile (a firmware variant seen in the field) read exactly by etime's adapter.

For each profile: over each transport it offers (and UDP refused where the firmware is
TCP-only), the adapter gets the users, every record at its exact instant and the free
sizes; bare pyzk is checked where pyzk can read that firmware, and where it can't the test
says what pyzk gets instead (why the adapter does that part itself).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from devices.adapters import DeviceUnreachable
from devices.simulator import PROFILES, Punch, Simulator
from devices.simulator import protocol as p
from devices.simulator.model import default_users
from devices.tests.conftest import MakeSim, adapter_for, as_tuples, pyzk_client

USERS = 5
RECORDS = 60  # 60 x 40 bytes: past the inline threshold, so the 1504 chunk path runs

# What bare pyzk (pyzk-new 0.9.1) makes of each profile over TCP:
#   full    reads users, log and sizes exactly
#   inline  exact while datasets come back inline (<= 1016 bytes); chunks sent as several DATA
#           packets work only while they happen to arrive in separate recv()s (§4), and never
#           when the clock coalesces them (test_bare_pyzk_misreads_coalesced_chunk_replies...)
#   blind   reads no users and no records (it keeps 0 from the one-value free sizes)
PYZK = {
    "zk_tft": "full",
    "zk6_udp": "full",
    "mb_49": "full",
    "push_only": "full",
    "live10": "full",
    "live14": "full",
    "live36": "full",
    "live37": "full",
    "live52": "full",
    "identix_k20": "inline",
    "tft_split": "inline",
    "coalesced": "inline",
    "wl20": "blind",
}


def _history(start: datetime, count: int) -> list[Punch]:
    # Every verify type and punch state, one punch every 97 minutes, whole seconds.
    return [
        Punch(
            str(n % USERS + 1),
            start + timedelta(minutes=97 * n, seconds=n % 60),
            (0, 1, 2, 15)[n % 4],
            n % 6,
            n % USERS + 1,
        )
        for n in range(count)
    ]


def _sim(make_sim: MakeSim, name: str, records: int = RECORDS, **kwargs: Any) -> Simulator:
    return make_sim(
        profile=name, users=default_users(USERS), records=_history(datetime(2026, 3, 2, 7, 5), records), **kwargs
    )


def _cases() -> list[tuple[str, str]]:
    return [(name, t) for name, prof in PROFILES.items() for t in (("tcp", "udp") if prof.udp else ("tcp",))]


def test_every_profile_is_covered_by_the_pyzk_table() -> None:
    assert set(PYZK) == set(PROFILES)


@pytest.mark.embedded
@pytest.mark.parametrize(("name", "transport"), _cases())
def test_adapter_reads_users_log_and_sizes_exactly(make_sim: MakeSim, name: str, transport: str) -> None:
    prof = PROFILES[name]
    sim = _sim(make_sim, name)
    pulled = sim.records if prof.pull_attendance else []
    with adapter_for(sim, transport) as clock:
        info = clock.info()
        users = clock.get_users()
        records = clock.read_attendance()
    assert (info.serial, info.firmware, info.platform) == (sim.state.serial, prof.firmware, prof.platform)
    assert (info.user_count, info.record_count) == (USERS, len(pulled))
    one_value = prof.free_sizes_bytes < 80  # capacities are not in a one-value reply
    assert (info.user_capacity, info.record_capacity) == ((0, 0) if one_value else (prof.users_cap, prof.records_cap))
    name_bytes = 8 if prof.user_record_size == 28 else 24  # ZK6 user records hold 8-byte names
    assert [(u.uid, u.user_id, u.name, u.card) for u in users] == [
        (n, str(n), f"Demo User {n}"[:name_bytes], 1000 + n) for n in range(1, USERS + 1)
    ]
    assert as_tuples(records) == as_tuples(pulled)
    assert len(sim.records) == RECORDS  # push-only firmware keeps its log; pull just doesn't see it
    assert sim.is_enabled


@pytest.mark.embedded
@pytest.mark.parametrize("name", [n for n, prof in PROFILES.items() if not prof.udp])
def test_tcp_only_firmware_does_not_answer_udp(make_sim: MakeSim, name: str) -> None:
    sim = _sim(make_sim, name, records=3)
    assert sim.udp_port == 0
    clock = adapter_for(sim, "udp", timeout=0.5)
    clock.port = sim.tcp_port  # the port a site would try: same number, UDP
    started = time.monotonic()
    with pytest.raises(DeviceUnreachable):
        clock.connect()
    assert time.monotonic() - started < 5
    assert sim.commands("udp") == []


@pytest.mark.embedded
@pytest.mark.parametrize(("name", "transport"), _cases())
def test_bare_pyzk_reads_what_it_can(make_sim: MakeSim, name: str, transport: str) -> None:
    prof = PROFILES[name]
    kind = PYZK[name]
    # "inline" firmware: a log small enough to come back in one CMD_DATA reply.
    count = 20 if kind == "inline" else RECORDS
    sim = _sim(make_sim, name, records=count)
    pulled = sim.records if prof.pull_attendance else []
    with pyzk_client(sim, transport) as z:
        conn = z.connect()
        conn.read_sizes()
        sizes = (conn.users, conn.records)
        users = conn.get_users()
        records = conn.get_attendance()
    if kind == "blind":
        assert sizes == (0, 0) and users == [] and records == []
        return
    assert sizes == (USERS, len(pulled))
    assert [(u.uid, u.user_id) for u in users] == [(n, str(n)) for n in range(1, USERS + 1)]
    assert [(r.user_id, r.timestamp, r.status, r.punch) for r in records] == [
        (r.user_id, r.timestamp, r.status, r.punch) for r in pulled
    ]
    if kind == "inline":
        assert p.CMD_READ_BUFFER not in sim.commands()


# --- identiX K20 (JZ4725_TFT, Ver 6.60 Jun 9 2017) ---------------------------------------------
@pytest.mark.embedded
def test_k20_splits_chunks_into_1008_byte_packets_and_keeps_pre_2001_records(make_sim: MakeSim) -> None:
    # Punches made while the clock sat at its 2000-01-01 default after a power loss stay in the log.
    reset = [Punch("3", datetime(2000, 1, 1, 0, 4, 15), 1, 0, 3), Punch("4", datetime(2000, 1, 1, 0, 9, 0), 1, 1, 4)]
    later = _history(datetime(2026, 3, 2, 7, 5), 200)
    sim = make_sim(profile="identix_k20", users=default_users(USERS), records=reset + later)
    seen: list[bytes] = []
    original = sim._send

    async def spy(sess: Any, request: int, packet: bytes) -> bool:
        if request == p.CMD_READ_BUFFER:
            seen.append(packet)
        return await original(sess, request, packet)

    sim._send = spy  # type: ignore[method-assign]
    with adapter_for(sim) as clock:
        records = clock.read_attendance()
    assert as_tuples(records) == as_tuples(reset + later)
    assert [(r.user_id, r.timestamp) for r in records[:2]] == [
        ("3", datetime(2000, 1, 1, 0, 4, 15)),
        ("4", datetime(2000, 1, 1, 0, 9, 0)),
    ]
    data_sizes = [len(pkt) - 8 for pkt in seen if struct.unpack_from("<H", pkt)[0] == p.CMD_DATA]
    size = 4 + 40 * 202
    assert data_sizes == [1008] * (size // 1008) + [size % 1008]


# --- MB-series 49-byte records -------------------------------------------------------------------
def test_49_byte_record_is_the_40_byte_layout_and_nine_more_bytes() -> None:
    ts = datetime(2024, 12, 24, 8, 1, 2)
    rec = p.pack_attendance(49, uid=13, user_id="999111333", timestamp=ts, status=15, punch=1)
    assert len(rec) == 49
    assert rec[:40] == p.pack_attendance(40, uid=13, user_id="999111333", timestamp=ts, status=15, punch=1)
    uid, user_id, status, stamp, punch, _tail = p.ATT40.unpack(rec[:40])
    assert (uid, user_id.rstrip(b"\0"), status, p.decode_time(struct.unpack("<I", stamp)[0]), punch) == (
        13,
        b"999111333",
        15,
        ts,
        1,
    )


# --- push-only firmware ----------------------------------------------------------------------------
def test_push_only_firmware_reports_zero_records_and_an_empty_log(make_sim: MakeSim) -> None:
    sim = _sim(make_sim, "push_only")
    with adapter_for(sim) as clock:
        assert clock.info().record_count == 0
        assert clock.read_attendance() == []
        assert clock.clear_attendance(only_if_count=RECORDS) is False  # nothing we could have read
    assert len(sim.records) == RECORDS


# --- one-value free sizes (WL20) ---------------------------------------------------------------------
def test_one_value_free_sizes_reply_is_four_bytes_and_the_adapter_counts_from_the_datasets(
    make_sim: MakeSim,
) -> None:
    sim = _sim(make_sim, "wl20")
    with pyzk_client(sim) as z:
        conn = z.connect()
        reply = conn._ZK__send_command(p.CMD_GET_FREE_SIZES, b"", 1024)
        assert reply["status"] and conn._ZK__data == struct.pack("<i", RECORDS)
    with adapter_for(sim) as clock:
        assert (clock.info().user_count, clock.info().record_count) == (USERS, RECORDS)
        sim.add_punch("2", datetime(2026, 5, 4, 17, 30, 1), status=1, punch=1)
        assert as_tuples(clock.read_attendance()) == as_tuples(sim.records)
        assert clock.clear_attendance(only_if_count=RECORDS + 1) is True
        assert clock.read_attendance() == []
    assert sim.records == []


@pytest.mark.parametrize(("size", "profile"), [(40, "zk_tft"), (49, "mb_49"), (16, "zk6_udp"), (8, "zk6_udp")])
def test_record_size_inference_picks_the_layout_the_log_was_written_in(size: int, profile: str) -> None:
    from devices.adapters._zk_worker import infer_record_size

    # 40 records: a length every candidate layout divides (40 x 49 = 1960 = 49 x 40).
    body = b"".join(
        p.pack_attendance(size, uid=r.uid, user_id=r.user_id, timestamp=r.timestamp, status=r.status, punch=r.punch)
        for r in _history(datetime(2026, 1, 5, 6, 0), 40)
    )
    assert infer_record_size(body) == size


# --- coalesced replies (node-zklib #48) -----------------------------------------------------------------
@pytest.mark.embedded
def test_coalesced_profile_sends_a_whole_chunk_reply_in_one_write(make_sim: MakeSim) -> None:
    sim = _sim(make_sim, "coalesced", records=200)
    sock = socket.create_connection(("127.0.0.1", sim.tcp_port), timeout=3)
    try:
        reply_id = 0

        def send(command: int, session: int, data: bytes = b"") -> None:
            nonlocal reply_id
            reply_id += 1
            sock.sendall(p.tcp_wrap(p.build_packet(command, session, reply_id, data)))

        send(p.CMD_CONNECT, 0)
        session = p.parse_packet(sock.recv(1024)[8:]).session_id
        send(p.CMD_PREPARE_BUFFER, session, struct.pack("<bhii", 1, p.CMD_ATTLOG_RRQ, 0, 0))
        size = struct.unpack_from("<I", p.parse_packet(sock.recv(1024)[8:]).data, 1)[0]
        assert size == 4 + 40 * 200
        send(p.CMD_READ_BUFFER, session, struct.pack("<ii", 0, size))
        # One write on loopback: the first read already holds every packet of the reply.
        stream = sock.recv(1 << 20)
        codes = []
        offset = 0
        while offset + 8 <= len(stream):
            length = struct.unpack_from("<I", stream, offset + 4)[0]
            codes.append(struct.unpack_from("<H", stream, offset + 8)[0])
            offset += 8 + length
        assert offset == len(stream)
        assert codes == [p.CMD_PREPARE_DATA] + [p.CMD_DATA] * -(-size // 1008) + [p.CMD_ACK_OK]
    finally:
        sock.close()


# --- live events -------------------------------------------------------------------------------------------
LIVE_CASES = [
    (name, t)
    for name, prof in PROFILES.items()
    for t in (("tcp", "udp") if prof.udp and not prof.coalesce else ("tcp",))
    if name in ("zk_tft", "zk6_udp", "identix_k20", "mb_49", "coalesced") or name.startswith("live")
]


@pytest.mark.embedded
@pytest.mark.parametrize(("name", "transport"), LIVE_CASES)
def test_live_events_of_every_size_family_are_read_exactly(make_sim: MakeSim, name: str, transport: str) -> None:
    sim = make_sim(profile=name, users=default_users(USERS), event_gap=0.05)
    stamps = [datetime(2026, 2, 3, 9, 0, s) for s in range(4)]

    def punch_when_registered() -> None:
        deadline = time.monotonic() + 5
        while p.CMD_REG_EVENT not in sim.commands() and time.monotonic() < deadline:
            time.sleep(0.01)
        # A burst: the coalescing profile sends these in one write.
        for n, ts in enumerate(stamps):
            sim.add_punch(str(n + 1), ts, status=(0, 1, 2, 15)[n], punch=n)

    with adapter_for(sim, transport) as clock:
        threading.Thread(target=punch_when_registered, daemon=True).start()
        got = []
        for record in clock.live_events(timeout=10):
            got.append(record)
            if len(got) == len(stamps):
                break
        assert clock.get_time()  # the session is still in step after the capture
    assert [(r.user_id, r.timestamp, r.status, r.punch, r.uid) for r in got] == [
        (str(n + 1), ts, (0, 1, 2, 15)[n], n, n + 1) for n, ts in enumerate(stamps)
    ]
    assert PROFILES[name].live_event_size in {10, 12, 14, 32, 36, 37, 52}


@pytest.mark.embedded
def test_bare_pyzk_misreads_coalesced_chunk_replies_the_adapter_reads_them_exactly(make_sim: MakeSim) -> None:
    sim = _sim(make_sim, "coalesced", records=200)
    with pyzk_client(sim, timeout=1) as z, pytest.raises(TimeoutError):
        # PREPARE_DATA, the DATA packets and ACK_OK in one recv(): pyzk waits for packets it already has.
        z.connect().get_attendance()
    with adapter_for(sim) as clock:
        assert as_tuples(clock.read_attendance()) == as_tuples(sim.records)


@pytest.mark.embedded
def test_bare_pyzk_live_capture_misreads_coalesced_events(make_sim: MakeSim) -> None:
    # The adapter's TCP live path frames packets itself (test_live_events_of_every_size_family...).
    sim = make_sim(profile="coalesced", users=default_users(USERS), event_gap=0.05)
    stamps = [datetime(2026, 2, 3, 9, 0, s) for s in range(3)]

    def burst() -> None:
        deadline = time.monotonic() + 5
        while p.CMD_REG_EVENT not in sim.commands() and time.monotonic() < deadline:
            time.sleep(0.01)
        for n, ts in enumerate(stamps):
            sim.add_punch(str(n + 1), ts)

    got: list[tuple[str, datetime]] = []
    threading.Thread(target=burst, daemon=True).start()
    with pyzk_client(sim) as z:
        conn = z.connect()
        started = time.monotonic()
        try:
            for event in conn.live_capture(new_timeout=0.2):
                if event is not None:
                    got.append((event.user_id, event.timestamp))
                if len(got) >= len(stamps) or time.monotonic() - started > 3:
                    conn.end_live_capture = True
        except (ValueError, TypeError):
            pass  # the first event decoded, then the next packet's header read as an event
    assert got != [(str(n + 1), ts) for n, ts in enumerate(stamps)]


# --- what the sync pipeline does with them ------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.embedded
def test_sync_of_push_only_firmware_succeeds_and_keeps_what_push_stored(make_sim: MakeSim) -> None:
    from attendance.models import Punch as StoredPunch
    from attendance.models import PunchSource
    from attendance.services import PunchInput, punches_ingest
    from devices import services
    from devices.models import SyncStatus
    from devices.tests.conftest import device_for

    sim = _sim(make_sim, "push_only")
    device = device_for(sim)
    pushed = datetime(2026, 3, 2, 6, 5, tzinfo=ZoneInfo("UTC"))
    punches_ingest(
        device_id=device.pk, records=[PunchInput(device_user_id="1", timestamp=pushed)], source=PunchSource.ADMS
    )
    for _ in range(2):
        run = services.device_sync(device=device)
        assert (run.status, run.fetched, run.created, run.error_code) == (SyncStatus.SUCCEEDED, 0, 0, "")
    device.refresh_from_db()
    assert (device.record_count, device.watermark_position, device.last_error_code) == (0, 0, "")
    assert list(StoredPunch.objects.filter(device_id=device.pk).values_list("device_user_id", "timestamp")) == [
        ("1", pushed)
    ]


@pytest.mark.django_db
@pytest.mark.embedded
def test_sync_stores_pre_2001_records_as_stamped_and_says_so(make_sim: MakeSim) -> None:
    from devices import services
    from devices.models import SyncStatus
    from devices.tests.conftest import device_for, device_log, stored_log

    reset = [Punch("3", datetime(2000, 1, 1, 0, 4, 15), 1, 0, 3), Punch("4", datetime(2000, 1, 1, 0, 9), 1, 1, 4)]
    sim = make_sim(
        profile="identix_k20", users=default_users(USERS), records=reset + _history(datetime(2026, 3, 2, 7, 5), 100)
    )
    device = device_for(sim)
    run = services.device_sync(device=device)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert stored_log(device) == device_log(sim)
    # 2000-01-01 00:04:15 on a clock in Zurich (UTC+1 in winter) is 1999-12-31 23:04:15 UTC.
    assert ("3", datetime(1999, 12, 31, 23, 4, 15, tzinfo=ZoneInfo("UTC"))) in stored_log(device)
    assert "2 records stamped before 2001" in run.notes
    again = services.device_sync(device=device)
    assert (again.created, again.already_synced) == (0, 102)
    assert "stamped before 2001" not in again.notes


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "transport"), _cases())
def test_sync_stores_each_profiles_log_exactly_once_at_the_right_instant(
    make_sim: MakeSim, name: str, transport: str
) -> None:
    from devices import services
    from devices.models import SyncStatus
    from devices.tests.conftest import device_for, device_log, stored_log

    sim = _sim(make_sim, name)
    device = device_for(sim, transport)
    expected = device_log(sim) if PROFILES[name].pull_attendance else []
    run = services.device_sync(device=device)
    assert (run.status, run.error) == (SyncStatus.SUCCEEDED, "")
    assert stored_log(device) == expected
    again = services.device_sync(device=device)
    assert (again.status, again.created) == (SyncStatus.SUCCEEDED, 0)
    assert stored_log(device) == expected


@pytest.mark.embedded
def test_packet_faults_still_count_each_packet_of_a_coalesced_reply(make_sim: MakeSim) -> None:
    # The third DATA packet is cut in half: the two before it and half of it reach the wire.
    sim = _sim(make_sim, "coalesced", records=200, faults=["drop:mid,after=2"])
    with pytest.raises(DeviceUnreachable), adapter_for(sim) as clock:
        clock.read_attendance()
    assert sim.faults[0].fired == 1
    assert sim.is_enabled  # re-enabled from a fresh session
    with adapter_for(sim) as clock:
        assert as_tuples(clock.read_attendance()) == as_tuples(sim.records)
