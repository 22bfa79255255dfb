"""The simulator speaks the ZK protocol: bare pyzk and a hand-rolled streaming client both get every record."""

from __future__ import annotations

import io
import re
import socket
import struct
import threading
import time
from datetime import datetime

import pytest
from django.core.management import call_command

from devices.simulator import Simulator
from devices.simulator import protocol as p
from devices.tests.conftest import MakeSim, as_tuples, pyzk_client

TRANSPORTS = ["tcp", "udp"]


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pyzk_reads_identity_users_and_log(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=20, records=300, tz="Europe/Zurich", serial="K20X0001")
    with pyzk_client(sim, transport) as z:
        conn = z.connect()
        assert conn.get_serialnumber() == "K20X0001"
        assert conn.get_firmware_version() == "Ver 6.60 Jun 9 2017"
        assert conn.get_platform() == "JZ4725_TFT"
        assert conn.get_device_name() == "K20"
        assert conn.get_mac().startswith("00:17:61:")
        assert conn.get_pin_width() == 9
        assert conn.get_network_params()["ip"] == "127.0.0.1"
        conn.read_sizes()
        assert (conn.users, conn.records, conn.users_cap, conn.rec_cap) == (20, 300, 500, 50_000)
        users = conn.get_users()
        assert [(u.uid, u.user_id, u.name, u.card) for u in users] == [
            (n, str(n), f"Demo User {n}", 1000 + n) for n in range(1, 21)
        ]
        assert as_tuples(conn.get_attendance()) == as_tuples(sim.records)
    # The exchange is the protocol's, checksums included (pyzk's own checksums verify too).
    assert all(entry.checksum_ok for entry in sim.command_log)
    assert p.CMD_READ_BUFFER in sim.commands()


@pytest.mark.embedded
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_zk6_profile_serves_28_byte_users_and_16_byte_records(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(profile="zk6_udp", users=40, records=500)
    with pyzk_client(sim, transport) as z:
        conn = z.connect()
        users = conn.get_users()
        assert conn.user_packet_size == 28
        assert [u.user_id for u in users] == [str(n) for n in range(1, 41)]
        assert as_tuples(conn.get_attendance()) == as_tuples(sim.records)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_pyzk_live_capture_gets_punches_one_event_per_packet(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=5, event_gap=0.05)
    punched = [datetime(2026, 3, 2, 8, 0, s) for s in range(3)]

    def punch_when_registered() -> None:
        deadline = time.monotonic() + 5
        while p.CMD_REG_EVENT not in sim.commands() and time.monotonic() < deadline:
            time.sleep(0.02)
        for n, ts in enumerate(punched):
            sim.add_punch(str(n + 1), ts, status=1, punch=n % 2)

    with pyzk_client(sim, transport) as z:
        conn = z.connect()
        threading.Thread(target=punch_when_registered, daemon=True).start()
        got = []
        give_up = time.monotonic() + 10
        for event in conn.live_capture(new_timeout=0.3):
            if event is not None:
                got.append((event.user_id, event.timestamp, event.status, event.punch))
            if len(got) == 3 or time.monotonic() > give_up:
                conn.end_live_capture = True
    assert got == [(str(n + 1), ts, 1, n % 2) for n, ts in enumerate(punched)]


class RawTcpClient:
    """A minimal ZK client that doesn't behave like pyzk: it pipelines requests and parses a stream."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        self.buf = b""
        self.session = 0
        self.reply_id = 0

    def close(self) -> None:
        self.sock.close()

    def packet(self, command: int, data: bytes = b"") -> bytes:
        self.reply_id += 1
        return p.tcp_wrap(p.build_packet(command, self.session, self.reply_id, data))

    def read(self) -> p.Packet:
        while True:
            if len(self.buf) >= 8:
                length = struct.unpack_from("<I", self.buf, 4)[0]
                if len(self.buf) >= 8 + length:
                    raw, self.buf = self.buf[8 : 8 + length], self.buf[8 + length :]
                    pkt = p.parse_packet(raw)
                    assert pkt.checksum_ok
                    return pkt
            chunk = self.sock.recv(65536)
            assert chunk, "simulator closed the connection"
            self.buf += chunk

    def call(self, command: int, data: bytes = b"") -> p.Packet:
        self.sock.sendall(self.packet(command, data))
        return self.read()


@pytest.mark.embedded
def test_pipelined_chunk_requests_get_every_record_in_order(make_sim: MakeSim) -> None:
    sim = make_sim(users=3, records=5000)
    client = RawTcpClient(sim.tcp_port)
    try:
        hello = client.call(p.CMD_CONNECT)
        assert hello.command == p.CMD_ACK_OK
        client.session = hello.session_id
        prepared = client.call(p.CMD_PREPARE_BUFFER, struct.pack("<bhii", 1, p.CMD_ATTLOG_RRQ, 0, 0))
        assert prepared.command == p.CMD_ACK_OK
        size = struct.unpack_from("<I", prepared.data, 1)[0]
        # Every chunk request in one write, small chunks, before reading a single reply.
        starts = list(range(0, size, 4096))
        client.sock.sendall(b"".join(client.packet(p.CMD_READ_BUFFER, struct.pack("<ii", s, 4096)) for s in starts))
        data = b""
        for _ in starts:
            prep, chunk, ack = client.read(), client.read(), client.read()
            assert (prep.command, chunk.command, ack.command) == (p.CMD_PREPARE_DATA, p.CMD_DATA, p.CMD_ACK_OK)
            assert struct.unpack_from("<I", prep.data)[0] == len(chunk.data)
            data += chunk.data
        assert client.call(p.CMD_FREE_DATA).command == p.CMD_ACK_OK
    finally:
        client.close()
    assert data == sim.state.attendance_dataset()
    assert len(data) == 4 + 40 * 5000


@pytest.mark.embedded
def test_protocol_edges_are_answered_not_ignored(make_sim: MakeSim) -> None:
    sim = make_sim(users=1, comm_key=4321)
    client = RawTcpClient(sim.tcp_port)
    try:
        hello = client.call(p.CMD_CONNECT)
        assert hello.command == p.CMD_ACK_UNAUTH and hello.session_id
        client.session = hello.session_id
        assert client.call(p.CMD_GET_TIME).command == p.CMD_ACK_UNAUTH  # nothing before auth
        assert client.call(p.CMD_AUTH, p.make_commkey(4321, client.session)).command == p.CMD_ACK_OK
        assert client.call(0x7777).command == p.CMD_ACK_UNKNOWN
        assert client.call(p.CMD_ACK_ERROR).command == p.CMD_ACK_UNKNOWN  # pyzk's _clear_error "commands"
        assert client.call(p.CMD_OPTIONS_RRQ, b"NoSuchOption\0").command == p.CMD_ACK_ERROR
        assert client.call(p.CMD_READ_BUFFER, struct.pack("<ii", 0, 100)).command == p.CMD_ACK_ERROR  # no buffer
        reply = client.call(p.CMD_GET_TIME)
        assert reply.reply_id == client.reply_id  # replies echo the request's reply id
    finally:
        client.close()


@pytest.mark.embedded
def test_same_port_number_serves_tcp_and_udp_by_default() -> None:
    with Simulator(tcp_port=0, users=1) as sim:
        assert sim.udp_port == sim.tcp_port
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.settimeout(2)
            probe.sendto(p.build_packet(p.CMD_CONNECT, 0, 0), ("127.0.0.1", sim.udp_port))
            assert p.parse_packet(probe.recv(1024)).command == p.CMD_ACK_OK
        finally:
            probe.close()


@pytest.mark.embedded
def test_punches_while_disabled_wait_for_the_keypad_to_unlock(make_sim: MakeSim) -> None:
    sim = make_sim(users=2)
    sim.state.set_enabled(False)
    sim.add_punch("1", datetime(2026, 1, 5, 8, 0))
    assert sim.records == []
    sim.state.set_enabled(True)
    assert [(r.user_id, r.timestamp) for r in sim.records] == [("1", datetime(2026, 1, 5, 8, 0))]


@pytest.mark.embedded
def test_run_device_simulator_serves_and_punches() -> None:
    out = io.StringIO()
    call_command(
        "run_device_simulator",
        "--port",
        "0",
        "--udp",
        "--users",
        "5",
        "--punch-every",
        "0.2",
        "--duration",
        "0.7",
        "--tz",
        "Europe/Zurich",
        "--seed-days",
        "2",
        stdout=out,
    )
    text = out.getvalue()
    assert re.search(r"listening on tcp://127\.0\.0\.1:\d+ and udp://127\.0\.0\.1:\d+", text)
    assert "5 users ('1'..'5')" in text
    assert "(Europe/Zurich)" in text
    assert len(re.findall(r"^punch: user [1-5] \(Demo User [1-5]\) (in|out) at ", text, re.M)) >= 2
    assert text.rstrip().endswith("simulator stopped")
