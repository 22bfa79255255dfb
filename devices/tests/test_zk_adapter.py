"""The ZK adapter against the simulator over real loopback sockets: data, typed errors, hard limits."""

from __future__ import annotations

import dataclasses
import socket
import struct
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from devices.adapters import (
    DeviceAuthFailed,
    DeviceCountMismatch,
    DeviceError,
    DeviceProtocolError,
    DeviceTimeout,
    DeviceUnreachable,
    DeviceUser,
    ZKAdapter,
)
from devices.simulator import PROFILES, Fault
from devices.simulator import protocol as p
from devices.tests.conftest import MakeSim, adapter_for, as_tuples, pyzk_client

TRANSPORTS = ["tcp", "udp"]
MARGIN = 1.5  # process start-up, scheduling on a loaded 2-core runner


def zurich_now() -> datetime:
    return datetime.now(ZoneInfo("Europe/Zurich")).replace(tzinfo=None)


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


# --- data -------------------------------------------------------------------------------------
@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_info_reports_identity_and_counts(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=12, records=34, serial="K20TEST01", mac="00:17:61:aa:bb:cc")
    with adapter_for(sim, transport) as clock:
        info = clock.info()
    assert (info.serial, info.firmware, info.platform, info.device_name, info.mac) == (
        "K20TEST01",
        "Ver 6.60 Jun 9 2017",
        "JZ4725_TFT",
        "K20",
        "00:17:61:aa:bb:cc",
    )
    assert (info.user_count, info.record_count, info.user_capacity, info.record_capacity) == (12, 34, 500, 50_000)


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_device_time_is_naive_local_time_and_can_be_set(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=1, tz="Europe/Zurich")
    with adapter_for(sim, transport) as clock:
        device_now = clock.get_time()
        assert device_now.tzinfo is None
        assert abs(device_now - zurich_now()) < timedelta(seconds=3)
        clock.set_time(datetime(2030, 5, 6, 7, 8, 9, 123456))
        assert abs(clock.get_time() - datetime(2030, 5, 6, 7, 8, 9)) < timedelta(seconds=3)
        with pytest.raises(ValueError, match="naive"):
            clock.set_time(datetime.now(UTC))


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_clock_skew_shows_through_get_time(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=1, tz="Europe/Zurich", clock_skew=-90)
    with adapter_for(sim, transport) as clock:
        assert abs(clock.get_time() - (zurich_now() - timedelta(seconds=90))) < timedelta(seconds=3)
        sim.set_clock_skew(3600)  # at run time
        assert abs(clock.get_time() - (zurich_now() + timedelta(hours=1))) < timedelta(seconds=3)


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_users_are_listed_created_updated_and_deleted(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=16)  # 16 x 72 bytes: buffered, not inline
    with adapter_for(sim, transport) as clock:
        users = clock.get_users()
        assert [(u.uid, u.user_id, u.name, u.card) for u in users] == [
            (u.uid, u.user_id, u.name, u.card) for u in sim.users
        ]

        created = clock.set_user(DeviceUser(user_id="51", name="Zoë Ñandú", card=1051, password="42"))
        assert (created.uid, created.user_id, created.name, created.card, created.password) == (
            17,
            "51",
            "Zoë Ñandú",
            1051,
            "42",
        )
        updated = clock.set_user(DeviceUser(user_id="51", name="Zoë Renamed", card=2051))
        assert (updated.uid, updated.name, updated.card) == (17, "Zoë Renamed", 2051)
        assert [(u.uid, u.name) for u in sim.users if u.user_id == "51"] == [(17, "Zoë Renamed")]

        assert clock.delete_user("51") is True
        assert clock.delete_user("51") is False
        assert "51" not in {u.user_id for u in sim.users}
        assert len(clock.get_users()) == 16


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_small_log_is_read_exactly_inline(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=5, records=25)  # 4 + 25 x 40 bytes fits one inline CMD_DATA reply
    with adapter_for(sim, transport) as clock:
        records = clock.read_attendance()
    assert as_tuples(records) == as_tuples(sim.records)
    assert all(r.timestamp.tzinfo is None for r in records)
    assert p.CMD_READ_BUFFER not in sim.commands()


@pytest.mark.embedded
@pytest.mark.parametrize(("transport", "max_chunk"), [("tcp", 0xFFC0), ("udp", 16 * 1024)])
def test_large_log_is_read_exactly_in_buffered_chunks(make_sim: MakeSim, transport: str, max_chunk: int) -> None:
    sim = make_sim(users=50, records=20_000)
    with adapter_for(sim, transport) as clock:
        records = clock.read_attendance()
    assert len(records) == 20_000
    assert as_tuples(records) == as_tuples(sim.records)
    size = 4 + 40 * 20_000
    assert sim.commands().count(p.CMD_READ_BUFFER) == -(-size // max_chunk)


@pytest.mark.embedded
@pytest.mark.parametrize(("profile", "record_size"), [("zk_tft", 40), ("zk6_udp", 16), ("zk6_udp", 8)])
def test_log_parsing_agrees_with_pyzk_for_every_record_layout(
    make_sim: MakeSim, profile: str, record_size: int
) -> None:
    # The adapter parses the dataset itself (pyzk's parser is quadratic); it must say what pyzk says.
    sim = make_sim(profile=dataclasses.replace(PROFILES[profile], att_record_size=record_size), users=30, records=400)
    sim.add_punch("999", datetime(2026, 4, 1, 12, 0))  # a user id the device doesn't know
    with pyzk_client(sim) as z:
        expected = as_tuples(z.connect().get_attendance())
    expected = [(u, ts, s, pu, int(uid)) for u, ts, s, pu, uid in expected]  # pyzk may give str uids
    with adapter_for(sim) as clock:
        assert as_tuples(clock.read_attendance()) == expected
    assert len(expected) == 401


@pytest.mark.embedded
def test_an_impossible_date_in_the_log_is_a_protocol_error(make_sim: MakeSim) -> None:
    sim = make_sim(users=2, records=30)
    feb_31 = ((26 * 12 * 31 + 1 * 31 + 30) * 86400) + 36000  # encodable, not a date (F13)
    with sim.state.lock:
        struct.pack_into("<I", sim.state._blob, 10 * 40 + 27, feb_31)
    with adapter_for(sim) as clock, pytest.raises(DeviceProtocolError, match="undecodable.*day is out of range"):
        clock.read_attendance()
    wait_for(lambda: sim.is_enabled)


@pytest.mark.embedded
def test_read_locks_the_keypad_and_unlocks_it_after(make_sim: MakeSim) -> None:
    sim = make_sim(users=3, records=40)
    with adapter_for(sim) as clock:
        clock.read_attendance()
        assert sim.is_enabled
    cmds = sim.commands()
    disable, enable = cmds.index(p.CMD_DISABLEDEVICE), cmds.index(p.CMD_ENABLEDEVICE)
    assert disable < cmds.index(p.CMD_PREPARE_BUFFER) < enable


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_clear_attendance_empties_the_log(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=3, records=100)
    with adapter_for(sim, transport) as clock:
        clock.clear_attendance()
        assert clock.read_attendance() == []
        assert clock.info().record_count == 0
    assert sim.records == []


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_live_events_deliver_punches_as_they_happen(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=5, event_gap=0.05)
    stamps = [datetime(2026, 2, 3, 9, 0, s) for s in range(3)]

    def punch_when_registered() -> None:
        wait_for(lambda: p.CMD_REG_EVENT in sim.commands())
        for n, ts in enumerate(stamps):
            sim.add_punch(str(n + 1), ts, status=2, punch=n % 2)

    with adapter_for(sim, transport) as clock:
        threading.Thread(target=punch_when_registered, daemon=True).start()
        got = []
        for record in clock.live_events(timeout=10):
            got.append(record)
            if len(got) == 3:
                break  # closing early stops the capture and keeps the session usable
        assert clock.get_time()
    assert [(r.user_id, r.timestamp, r.status, r.punch) for r in got] == [
        (str(n + 1), ts, 2, n % 2) for n, ts in enumerate(stamps)
    ]


@pytest.mark.embedded
def test_live_events_end_after_the_timeout(make_sim: MakeSim) -> None:
    sim = make_sim(users=2)
    with adapter_for(sim) as clock:
        started = time.monotonic()
        assert list(clock.live_events(timeout=0.5)) == []
        assert time.monotonic() - started < 0.5 + MARGIN
    assert sim.commands().count(p.CMD_REG_EVENT) == 2  # registered, then unregistered


# --- authentication ---------------------------------------------------------------------------
@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_comm_key_is_checked(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=2, comm_key=123456)
    with adapter_for(sim, transport, comm_key=123456) as clock:
        assert clock.info().serial
    with pytest.raises(DeviceAuthFailed) as failed:
        adapter_for(sim, transport, comm_key=654321).connect()
    assert failed.value.code == "device_auth_failed" and not failed.value.retryable
    with pytest.raises(DeviceAuthFailed):
        adapter_for(sim, transport).connect()  # no key at all


@pytest.mark.embedded
def test_device_rejecting_every_key_is_an_auth_failure(make_sim: MakeSim) -> None:
    sim = make_sim(users=1, faults=["reject_key"])
    with pytest.raises(DeviceAuthFailed):
        adapter_for(sim).connect()


@pytest.mark.embedded
def test_a_comm_key_that_overflows_pyzk_still_authenticates(make_sim: MakeSim) -> None:
    # bit-reversed 524287 + a session id >= 0x2000 passes 2**32; pyzk alone raises struct.error
    sim = make_sim(users=1, comm_key=524287)
    for _ in range(3):
        with adapter_for(sim, comm_key=524287) as clock:
            clock.get_time()
    assert any(e.session_id >= 0x2000 for e in sim.command_log if e.command == p.CMD_AUTH)


# --- faults -----------------------------------------------------------------------------------
@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_stall_mid_transfer_is_a_timeout_and_the_keypad_is_unlocked(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=5, records=3000, faults=[Fault.stall_mid_transfer()])
    clock = adapter_for(sim, transport, timeout=0.7, call_limit=3.0)
    clock.connect()
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as failed:
        clock.read_attendance()
    assert time.monotonic() - started < 0.7 + MARGIN
    assert not failed.value.killed  # pyzk's own socket timeout, not the hard limit
    assert not clock.connected
    wait_for(lambda: sim.is_enabled)  # a fresh short session re-enabled the device


@pytest.mark.embedded
def test_tcp_drop_mid_transfer_is_unreachable_at_once(make_sim: MakeSim) -> None:
    sim = make_sim(users=5, records=3000, faults=["drop:mid"])
    clock = adapter_for(sim, timeout=2.0)
    clock.connect()
    started = time.monotonic()
    with pytest.raises(DeviceUnreachable):
        clock.read_attendance()
    assert time.monotonic() - started < 1.0
    wait_for(lambda: sim.is_enabled)
    with adapter_for(sim) as again:  # nothing lost on the device
        assert as_tuples(again.read_attendance()) == as_tuples(sim.records)


def test_tcp_drop_where_pyzk_spins_forever_is_cut_by_the_hard_limit(make_sim: MakeSim) -> None:
    # Without the EOF guard this is pyzk's infinite busy loop (docs/ZK_PROTOCOL.md §9 F6).
    sim = make_sim(users=5, records=3000, faults=["drop:mid"])
    clock = adapter_for(sim, timeout=1.0, call_limit=1.5, per_record_limit=0, eof_guard=False)
    clock.connect()
    limit = 1.5 + 1.0  # call_limit + timeout for a read
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as failed:
        clock.read_attendance()
    elapsed = time.monotonic() - started
    assert failed.value.killed
    assert limit - 0.1 < elapsed < limit + MARGIN
    assert sim.is_enabled  # unlocked from a fresh session after the kill


@pytest.mark.embedded
def test_udp_drop_mid_transfer_is_a_timeout(make_sim: MakeSim) -> None:
    sim = make_sim(users=5, records=3000, faults=["drop:mid"])
    clock = adapter_for(sim, "udp", timeout=0.7)
    clock.connect()
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        clock.read_attendance()
    assert time.monotonic() - started < 0.7 + MARGIN


@pytest.mark.embedded
def test_a_lost_udp_datagram_is_caught_not_silently_parsed(make_sim: MakeSim) -> None:
    # pyzk concatenates whatever DATA datagrams arrive; a lost one shortens the log (F10).
    sim = make_sim(users=5, records=3000, faults=["lose:mid,after=3"])
    with adapter_for(sim, "udp") as clock, pytest.raises(DeviceProtocolError, match="truncated"):
        clock.read_attendance()
    wait_for(lambda: sim.is_enabled)


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_slow_answers_are_still_read_exactly(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=5, records=1000, latency=0.01)
    with adapter_for(sim, transport) as clock:
        assert as_tuples(clock.read_attendance()) == as_tuples(sim.records)


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_answers_slower_than_the_timeout_are_typed(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=2)
    clock = adapter_for(sim, transport, timeout=0.5)
    clock.connect()
    sim.set_latency(1.0)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout):
        clock.get_time()
    assert time.monotonic() - started < 0.5 + MARGIN
    with pytest.raises(DeviceUnreachable):  # at connect time, silence means unreachable
        adapter_for(sim, transport, timeout=0.5).connect()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_reboot_is_unreachable_until_the_device_is_back(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=3, records=50)
    before = as_tuples(sim.records)
    sim.reboot(down=1.2)
    started = time.monotonic()
    with pytest.raises(DeviceUnreachable):
        adapter_for(sim, transport, timeout=0.5).connect()
    assert time.monotonic() - started < 0.5 + MARGIN
    wait_for(lambda: not sim.offline)
    with adapter_for(sim, transport) as clock:
        assert as_tuples(clock.read_attendance()) == before  # the log survives a reboot


@pytest.mark.embedded
def test_reboot_mid_session_loses_the_session(make_sim: MakeSim) -> None:
    sim = make_sim(users=3)
    clock = adapter_for(sim, timeout=1.0)
    clock.connect()
    sim.reboot(down=0.3)
    with pytest.raises(DeviceUnreachable):
        clock.get_time()
    with pytest.raises(DeviceError, match="not connected"):
        clock.get_time()  # never reused after an error
    wait_for(lambda: not sim.offline)
    with adapter_for(sim) as again:
        assert again.get_time()


@pytest.mark.embedded
def test_udp_session_forgotten_by_a_rebooted_device_is_unreachable(make_sim: MakeSim) -> None:
    sim = make_sim(users=3)
    clock = adapter_for(sim, "udp", timeout=1.0)
    clock.connect()
    sim.reboot(down=0.05)
    wait_for(lambda: not sim.offline)
    with pytest.raises(DeviceUnreachable, match="no longer knows this session"):
        clock.get_time()


@pytest.mark.embedded
def test_reboot_fault_mid_transfer(make_sim: MakeSim) -> None:
    sim = make_sim(users=3, records=3000, faults=["reboot:mid,down=0.3"])
    clock = adapter_for(sim, timeout=1.0)
    clock.connect()
    with pytest.raises(DeviceUnreachable):
        clock.read_attendance()
    wait_for(lambda: not sim.offline)
    with adapter_for(sim) as again:
        assert len(again.read_attendance()) == 3000


@pytest.mark.embedded
def test_restart_is_acknowledged_and_the_device_comes_back(make_sim: MakeSim) -> None:
    # Down long enough that the refused connect below lands inside the reboot even on a
    # loaded CI machine (with 0.5 s the clock was sometimes back before the attempt).
    sim = make_sim(users=2, reboot_seconds=3)
    clock = adapter_for(sim, timeout=0.5)
    clock.connect()
    clock.restart()
    assert not clock.connected
    wait_for(lambda: sim.offline)
    with pytest.raises(DeviceUnreachable):
        adapter_for(sim, timeout=0.5).connect()
    wait_for(lambda: not sim.offline)
    with adapter_for(sim) as again:
        assert again.info().user_count == 2


@pytest.mark.embedded
def test_a_log_that_grows_during_the_read_is_a_count_mismatch(make_sim: MakeSim) -> None:
    # A firmware that keeps logging while "disabled" (F12): the count no longer matches the data.
    sim = make_sim(users=3, records=500, faults=["late_punch"])
    with adapter_for(sim) as clock:
        with pytest.raises(DeviceCountMismatch) as failed:
            clock.read_attendance()
        assert (failed.value.expected, failed.value.actual) == (500, 501)
        assert sim.is_enabled
        assert clock.connected  # the session survives; a re-read sees the settled log
        assert as_tuples(clock.read_attendance()) == as_tuples(sim.records)


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_nothing_listening_is_unreachable(transport: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = ZKAdapter("127.0.0.1", port, transport=transport, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(DeviceUnreachable) as failed:
        clock.connect()
    assert failed.value.code == "device_unreachable"
    assert time.monotonic() - started < 0.5 + MARGIN
    assert not clock.connected


def test_random_faults_end_in_the_exact_log_or_a_typed_error_never_a_hang(make_sim: MakeSim) -> None:
    import random

    rng = random.Random(20260301)
    sim = make_sim(users=10, records=3000, reboot_seconds=0.2)
    log = as_tuples(sim.records)
    outcomes: dict[str, int] = {}
    for attempt in range(30):
        transport = TRANSPORTS[attempt % 2]
        kind = rng.choice(["drop", "stall", "reboot", "lose", "slow", "none"])
        sim.clear_faults()
        if kind == "slow":
            sim.set_latency(0.003)
        elif kind != "none":
            sim.inject(Fault(kind, after=rng.randrange(0, 40), down=0.2))
        clock = adapter_for(sim, transport, timeout=0.4, call_limit=2.0, per_record_limit=0.0002)
        started = time.monotonic()
        try:
            clock.connect()
            got = as_tuples(clock.read_attendance())
        except DeviceError as exc:
            outcome = exc.code
        else:
            assert got == log, f"attempt {attempt} ({kind}/{transport}) returned a different log"
            outcome = "ok"
        finally:
            clock.disconnect()
        assert time.monotonic() - started < 6, f"attempt {attempt} ({kind}/{transport}) took too long"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        sim.clear_faults()
        wait_for(lambda: not sim.offline)
        wait_for(lambda: sim.is_enabled)
    assert outcomes.get("ok", 0) >= 5
    assert set(outcomes) - {"ok"} <= {"device_unreachable", "device_timeout", "device_protocol_error"}


@pytest.mark.embedded
@pytest.mark.parametrize("gap", [0.0, 0.002])
def test_tft_data_packets_split_and_coalesced_are_read_exactly(make_sim: MakeSim, gap: float) -> None:
    # TFT clocks send each 1504 chunk as 1008-byte DATA packets; back to back they arrive
    # coalesced in one recv(), which pyzk mis-frames (it then waits forever). The adapter's
    # TCP reader frames packets by their length.
    profile = dataclasses.replace(PROFILES["tft_split"], data_packet_gap=gap)
    sim = make_sim(profile=profile, users=120, records=4000)
    with adapter_for(sim) as clock:
        users = clock.get_users()
        records = clock.read_attendance()
    assert [(u.uid, u.user_id, u.name) for u in users] == [(u.uid, u.user_id, u.name) for u in sim.users]
    assert as_tuples(records) == as_tuples(sim.records)
    assert sim.commands().count(p.CMD_READ_BUFFER) >= 3
