"""Big logs through real pyzk over real sockets: 100,000 records read back exactly, in
buffered chunks, over TCP (end to end into the database) and UDP (with the user table)."""

from __future__ import annotations

import pytest

from devices import services
from devices.models import SyncStatus
from devices.simulator import protocol as p
from devices.tests.conftest import MakeSim, adapter_for, as_tuples, device_for, device_log, stored_log

RECORDS = 100_000


@pytest.mark.django_db
def test_a_100k_record_log_syncs_into_the_database_exactly_over_tcp(make_sim: MakeSim) -> None:
    sim = make_sim(users=500, records=RECORDS, seed=3)
    device = device_for(sim, "tcp", timeout_seconds=10)
    run = services.device_sync(device=device)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.fetched == RECORDS
    assert stored_log(device) == device_log(sim)
    size = 4 + 40 * RECORDS
    assert sim.commands().count(p.CMD_READ_BUFFER) == -(-size // 0xFFC0), "read in 64 KB buffered chunks"
    assert sim.commands().count(p.CMD_FREE_DATA) >= 1


def test_a_100k_record_log_and_500_users_read_back_exactly_over_udp(make_sim: MakeSim) -> None:
    sim = make_sim(users=500, records=RECORDS, seed=4)
    with adapter_for(sim, "udp", timeout=5.0) as clock:
        users = clock.get_users()
        records = clock.read_attendance()
    assert [(u.uid, u.user_id, u.name, u.card) for u in users] == [
        (u.uid, u.user_id, u.name, u.card) for u in sim.users
    ]
    assert len(records) == RECORDS
    assert as_tuples(records) == as_tuples(sim.records)
    chunk = 16 * 1024
    log_chunks, user_chunks = -(-(4 + 40 * RECORDS) // chunk), -(-(4 + 72 * 500) // chunk)
    assert sim.commands("udp").count(p.CMD_READ_BUFFER) == log_chunks + user_chunks, "read in 16 KB buffered chunks"
