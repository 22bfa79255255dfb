"""The simulator's protocol codecs against the byte vectors captured from real devices (docs/ZK_PROTOCOL.md)."""

from __future__ import annotations

import struct
from datetime import datetime

import pytest
from zk.base import make_commkey as pyzk_make_commkey

from devices.adapters import errors
from devices.simulator import protocol as p
from devices.simulator.faults import Fault, parse_fault

pytestmark = pytest.mark.embedded


def test_checksum_matches_the_documented_vectors() -> None:
    assert p.checksum(bytes.fromhex("0b000000f38d03005a4b4661636556657273696f6e00")) == 0x175A
    assert p.checksum(bytes.fromhex("d0070000f38d0a0009")) == 0x6A29


def test_built_packets_carry_a_valid_checksum_and_parse_back() -> None:
    raw = p.build_packet(p.CMD_ACK_OK, 0xFB2F, 7, b"abc")
    pkt = p.parse_packet(raw)
    assert (pkt.command, pkt.session_id, pkt.reply_id, pkt.data) == (p.CMD_ACK_OK, 0xFB2F, 7, b"abc")
    assert pkt.checksum_ok
    assert p.tcp_wrap(raw)[:8] == bytes.fromhex("5050827d") + struct.pack("<I", len(raw))


def test_comm_key_matches_the_captured_auth_packets_and_pyzk() -> None:
    assert p.make_commkey(12, 0x45CF).hex() == "614d323c"
    assert p.make_commkey(45, 0x45CF).hex() == "61c9323c"
    for key, session in ((0, 1), (123456, 0xBEEF), (999999, 0xFFFE)):
        assert p.make_commkey(key, session) == pyzk_make_commkey(key, session)
    assert p.verify_commkey(pyzk_make_commkey(777, 4242), 777, 4242)
    assert not p.verify_commkey(pyzk_make_commkey(778, 4242), 777, 4242)
    # ticks travel in byte 2, so SDK clients that use random ticks verify too
    assert p.verify_commkey(p.make_commkey(777, 4242, ticks=201), 777, 4242)


def test_comm_key_wraps_where_pyzk_overflows() -> None:
    with pytest.raises(struct.error):
        pyzk_make_commkey(131071, 0xFFFF)
    assert len(p.make_commkey(131071, 0xFFFF)) == 4


def test_time_encoding_matches_the_documented_example() -> None:
    assert p.decode_time(0x2368B36B) == datetime(2018, 6, 25, 17, 50, 35)
    stamp = datetime(2099, 12, 31, 23, 59, 59)
    assert p.decode_time(p.encode_time(stamp)) == stamp
    assert p.decode_timehex(bytes.fromhex("120c07130906")) == datetime(2018, 12, 7, 19, 9, 6)
    with pytest.raises(ValueError, match="year"):
        p.encode_time(datetime(1999, 12, 31))


def test_user_records_round_trip_in_both_layouts() -> None:
    user = p.UserRecord(uid=3, user_id="100001", name="Zoë", privilege=14, password="12", group_id="1", card=4242)
    for size in (28, 72):
        raw = p.pack_user(user, size)
        assert len(raw) == size
        assert p.unpack_user(raw) == user


def test_free_sizes_block_puts_counts_where_pyzk_reads_them() -> None:
    raw = p.pack_free_sizes(p.FreeSizes(2, 0, 605, 7, 1, 0, 500, 500, 50_000))
    assert len(raw) == 92
    fields = struct.unpack("20i", raw[:80])
    assert (fields[4], fields[6], fields[8], fields[14], fields[15], fields[16]) == (2, 0, 605, 500, 500, 50_000)


def test_fault_specs_parse() -> None:
    fault = parse_fault("drop:mid,after=2,times=0")
    assert (fault.kind, fault.command, fault.reply, fault.after, fault.times) == (
        "drop",
        p.CMD_READ_BUFFER,
        p.CMD_DATA,
        2,
        0,
    )
    assert parse_fault("reboot:command=CMD_READ_BUFFER,down=1.5").down == 1.5
    assert parse_fault("late-punch:count=3").count == 3
    with pytest.raises(ValueError, match="unknown fault kind"):
        parse_fault("explode")
    with pytest.raises(ValueError, match="unknown fault parameter"):
        parse_fault("drop:when=now")


def test_a_fault_fires_after_the_given_number_of_matching_packets() -> None:
    import random

    fault = Fault("stall", after=2, times=1)
    rng = random.Random(0)
    assert [fault.should_fire(rng) for _ in range(5)] == [False, False, True, False, False]


def test_error_codes_are_stable() -> None:
    assert {cls.code for cls in errors.ERRORS_BY_CODE.values()} == {
        "device_error",
        "device_unreachable",
        "device_auth_failed",
        "device_timeout",
        "device_protocol_error",
        "device_count_mismatch",
    }
    assert not errors.DeviceAuthFailed().retryable
    mismatch = errors.DeviceCountMismatch(expected=3, actual=4)
    assert (mismatch.code, mismatch.expected, mismatch.actual) == ("device_count_mismatch", 3, 4)
