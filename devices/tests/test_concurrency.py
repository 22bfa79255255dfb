"""At most one sync per device across workers: a lease (Redis with REDIS_URL, else the
Device row) that a second worker cannot take while the first holds it, and that expires
when its holder dies."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from django.utils import timezone

from devices import locks, services
from devices.models import SyncRun, SyncStatus
from devices.tests.conftest import MakeSim, device_for, device_log, stored_log


def _in_thread(fn: Any, results: list[Any], barrier: threading.Barrier) -> threading.Thread:
    def run() -> None:
        try:
            barrier.wait()
            results.append(fn())
        except BaseException as exc:  # surfaced by the test
            results.append(exc)
        finally:
            connections.close_all()  # this thread's database connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_a_second_worker_asked_while_a_sync_runs_is_skipped_and_says_so(make_sim: MakeSim) -> None:
    # 20 ms per packet: the first sync spends about a second reading with the keypad locked;
    # the second worker is asked then. (It starts only once the first is reading: the test
    # database on SQLite is in memory with table locks that do not wait, unlike etime's
    # file database, so the two must not write at the very same moment there.)
    sim = make_sim(users=10, records=3000, latency=0.02)
    device = device_for(sim)
    results: list[Any] = []
    first = _in_thread(lambda: services.device_sync(device=device.pk), results, threading.Barrier(1))
    deadline = time.monotonic() + 10
    while sim.is_enabled and time.monotonic() < deadline:
        time.sleep(0.005)
    assert not sim.is_enabled, "the first sync did not start reading"
    second = services.device_sync(device=device.pk)
    first.join(60)
    assert len(results) == 1 and not isinstance(results[0], BaseException), results
    assert results[0].status == SyncStatus.SUCCEEDED
    assert second.status == SyncStatus.SKIPPED and second.error_code == "device_sync_in_progress"
    assert "Another sync of this device is running" in second.error
    assert list(SyncRun.objects.filter(device=device).values_list("status", flat=True).order_by("status")) == [
        SyncStatus.SKIPPED,
        SyncStatus.SUCCEEDED,
    ]
    assert stored_log(device) == device_log(sim)
    assert not locks.is_held(device.pk), "the lease is released after the sync"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lease", ["redis", "database"])
def test_workers_started_at_the_same_instant_sync_the_device_once(make_sim: MakeSim, lease: str, settings: Any) -> None:
    if lease == "redis" and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    if lease == "database":
        settings.REDIS_URL = ""
    sim = make_sim(users=10, records=3000, latency=0.005)
    device = device_for(sim)
    results: list[Any] = []
    barrier = threading.Barrier(4)
    workers = [_in_thread(lambda: services.device_sync(device=device.pk), results, barrier) for _ in range(4)]
    for worker in workers:
        worker.join(60)
    assert len(results) == 4 and not any(isinstance(r, BaseException) for r in results), results
    assert sorted(r.status for r in results) == [SyncStatus.SKIPPED] * 3 + [SyncStatus.SUCCEEDED]
    assert all(r.error_code == "device_sync_in_progress" for r in results if r.status == SyncStatus.SKIPPED)
    assert stored_log(device) == device_log(sim)


LEASE_SECONDS = 30


@pytest.fixture(params=["database", "redis"])
def lease_kind(request: Any, settings: Any) -> str:
    """Each lease test on both kinds: the Device row's lease (the embedded default) and the
    Redis key (where REDIS_URL is set)."""
    if request.param == "redis" and not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    if request.param == "database":
        settings.REDIS_URL = ""
    return str(request.param)


def _lapse(lease: locks.Lease, clock: Any) -> None:
    """Let ``lease`` run out without waiting for it. The Device row's lease ends by etime's
    clock, which the test moves past it. A Redis key ends by Redis's own clock, which no test
    moves: the key must carry the lease's bound as its TTL, and is then gone as Redis drops it."""
    if isinstance(lease, locks.RedisLease):
        assert 0 < lease.client.pttl(lease.key) <= LEASE_SECONDS * 1000
        lease.client.delete(lease.key)
    else:
        clock.shift(timedelta(seconds=LEASE_SECONDS + 1))


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_a_lease_left_by_a_dead_worker_expires(make_sim: MakeSim, lease_kind: str) -> None:
    sim = make_sim(users=2, records=5)
    device = device_for(sim)
    with time_machine.travel(timezone.now(), tick=True) as clock:
        dead = locks.lease_for(device.pk)
        assert dead.acquire(LEASE_SECONDS)  # its worker "dies" without releasing
        skipped = services.device_sync(device=device)
        assert (skipped.status, skipped.error_code) == (SyncStatus.SKIPPED, "device_sync_in_progress")
        _lapse(dead, clock)
        run = services.device_sync(device=device)
        assert run.status == SyncStatus.SUCCEEDED, run.error
        taker = locks.lease_for(device.pk)
        assert taker.acquire(LEASE_SECONDS)
        dead.release()  # a late release by the old holder does not free someone else's lease
        assert locks.is_held(device.pk)
        taker.release()
    assert stored_log(device) == device_log(sim)


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_a_holder_cannot_renew_or_release_a_lease_another_worker_took_over(make_sim: MakeSim, lease_kind: str) -> None:
    device = device_for(make_sim(users=1, records=0))
    with time_machine.travel(timezone.now(), tick=True) as clock:
        first = locks.lease_for(device.pk)
        assert first.acquire(LEASE_SECONDS)
        second = locks.lease_for(device.pk)
        assert not second.acquire(LEASE_SECONDS), "taken while the first holds it"
        _lapse(first, clock)
        assert second.acquire(LEASE_SECONDS)
        assert not first.renew(LEASE_SECONDS)
        first.release()
        assert locks.is_held(device.pk) and second.renew(LEASE_SECONDS)
        second.release()
        assert not locks.is_held(device.pk)


def test_the_lease_lives_where_the_configuration_says() -> None:
    import uuid

    lease = locks.lease_for(uuid.uuid4())
    expected = locks.RedisLease if settings.REDIS_URL else locks.DatabaseLease
    assert isinstance(lease, expected)
