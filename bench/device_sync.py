"""device_sync: a 100,000-record log synced end to end, against pyzk's bare get_attendance().

One simulated identiX K20 (devices.simulator, TCP on loopback, no latency) holds 100,000
attendance records (40-byte records) and 500 users, 450 of whose badges belong to employees
(``Bench badge N``, device user id N; the other 50 are unknown badges), so the sync maps
punches to employees, asks the punch policy and marks their days dirty as in production.
Variants, interleaved round by round:

- ``sync``: ``devices.services.device_sync`` end to end, from an empty punch table for the
  device (punches and watermark reset between rounds, outside the timer): a fresh ZK
  adapter (pyzk in its child process), identity, clock, the locked and counted read,
  conversion to UTC and idempotent storage through attendance's ``punches_ingest`` on
  PostgreSQL, the run and the device state;
- ``floor``: what the issue names the floor: pyzk's bare ``ZK.connect()`` +
  ``get_attendance()`` + ``disconnect()`` on the same simulator in this process. Beware:
  pyzk 0.9.x's get_attendance() is quadratic (it re-slices the remaining bytes for every
  record, docs/DEVICES.md), so at 100k records this floor is slow, and beating it says
  little about the pipeline's own overhead. Hence also:
- ``read``: the adapter's linear read alone (``ZKAdapter.read_attendance()``: pyzk's
  buffered read + our parser, in the child process): the cost of getting the records
  without storing them. ``sync/read`` is reported too, so the storage cost is visible.

Goals: sync/floor ≤ 1.5 (issue 3) and sync/read ≤ 3 (issue 22: storing at the speed of the
data), medians of the per-round ratios.

Peak memory: a 200,000-record sync runs in a fresh worker-like process (Django set up,
connected, nothing else); its peak RSS above its baseline before the sync is reported
(goal < 300 MB), along with the pyzk child's peak RSS.

Runs on its own database, ``etime_bench_device_sync`` (see ``bench.common.database_url_for``).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import common

DESCRIPTION = "devices: a 100k-record log synced end to end (pyzk + PostgreSQL) vs pyzk's bare get_attendance()"

DEFAULT_RECORDS = 100_000
MEMORY_RECORDS = 200_000
USERS = 500
MAPPED = 450
BADGE_PREFIX = "Bench badge"
GOAL = 1.5
READ_GOAL = 3.0
MEMORY_GOAL_MB = 300
MAX_ROUNDS = 3
DEVICE_PREFIX = "Bench clock"


# --- database ----------------------------------------------------------------------------------


def make_devices(count: int, ports: list[int], **fields: Any) -> list[Any]:
    """`count` Device rows for the simulators on `ports` (older bench devices and their punches deleted)."""
    from attendance.models import Punch
    from devices.models import Device
    from devices.services import device_create

    old = list(Device.objects.filter(name__startswith=DEVICE_PREFIX).values_list("pk", flat=True))
    Punch.objects.filter(device_id__in=old).delete()
    Device.objects.filter(pk__in=old).delete()
    return [
        device_create(
            actor=None,
            name=f"{DEVICE_PREFIX} {i + 1:02d}",
            host="127.0.0.1",
            port=port,
            time_zone="Europe/Zurich",
            timeout_seconds=10,
            **fields,
        )
        for i, port in enumerate(ports[:count])
    ]


def make_badges(count: int) -> None:
    """Employees holding the device user ids "1".."count" (created once, kept between runs)."""
    from accounts.models import Employee

    have = set(Employee.objects.filter(last_name__startswith=BADGE_PREFIX).values_list("device_user_id", flat=True))
    want = {str(n) for n in range(1, count + 1)}
    if have != want:
        Employee.objects.filter(last_name__startswith=BADGE_PREFIX).delete()
        Employee.objects.bulk_create(
            Employee(
                code=f"BENCH-BADGE-{n}",
                first_name="Bench",
                last_name=f"{BADGE_PREFIX} {n}",
                device_user_id=str(n),
                time_zone="Europe/Zurich",
            )
            for n in range(1, count + 1)
        )


def reset(devices: list[Any]) -> None:
    """Empty the devices' punches and watermarks, so the next sync stores every record again."""
    from django.db import connection

    from attendance.models import DirtyDay, Punch
    from devices.models import Device

    ids = [d.pk for d in devices]
    Punch.objects.filter(device_id__in=ids).delete()
    DirtyDay.objects.all().delete()  # the marks the last sync left: the next one marks them anew
    Device.objects.filter(pk__in=ids).update(watermark_position=0, watermark_record="")
    table = connection.ops.quote_name(Punch._meta.db_table)
    with connection.cursor() as cursor:
        # Every round deletes and re-inserts 100k+ rows: without rebuilding the indexes they
        # bloat from run to run and each run would insert into bigger, emptier indexes.
        cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute(f"REINDEX TABLE {table}")


# --- memory probe (runs in a child process) ------------------------------------------------------


def _status_mb(field: str, pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children() -> set[int]:
    pids: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as children:
            pids.update(int(p) for p in children.read().split())
    return pids


def memory_probe(device_id: str) -> None:
    """In a fresh process: baseline RSS, one sync, peak RSS; JSON on stdout.

    Peak = VmHWM, the high-water mark of this process's own memory since it started (not
    ru_maxrss, which on Linux keeps the RSS of the image this process was forked from).
    The pyzk child's peak is sampled from /proc while the sync runs."""
    import threading

    common.django_ready()
    from django.db import connection

    from devices.services import device_sync

    connection.ensure_connection()
    baseline = _status_mb("VmRSS")
    child_peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal child_peak
        while not done.wait(0.02):
            for pid in _children():
                child_peak = max(child_peak, _status_mb("VmHWM", pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run = device_sync(device=device_id)
    done.set()
    sampler.join()
    peak = _status_mb("VmHWM")
    print(
        json.dumps(
            {
                "status": run.status,
                "error": run.error,
                "fetched": run.fetched,
                "created": run.created,
                "baseline_mb": round(baseline, 1),
                "peak_mb": round(peak, 1),
                "above_baseline_mb": round(peak - baseline, 1),
                "pyzk_child_peak_mb": round(child_peak, 1),
            }
        )
    )


def measure_memory(records: int) -> dict[str, Any]:
    from devices.simulator import Simulator

    with Simulator(tcp_port=0, users=USERS, records=records, seed=7, tz="Europe/Zurich") as sim:
        (device,) = make_devices(1, [sim.tcp_port])
        env = dict(os.environ)  # DATABASE_URL: this benchmark's own database
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603 - our interpreter, our module
            [sys.executable, "-m", "bench.device_sync", "--memory-probe", str(device.pk)],
            capture_output=True,
            text=True,
            env=env,
            timeout=900,
            check=False,
        )
        seconds = time.perf_counter() - started
        reset([device])
    if done.returncode != 0:
        raise common.HarnessError(f"memory probe failed: {done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != "succeeded" or result["created"] != len({(r.user_id, r.timestamp) for r in sim.records}):
        raise common.HarnessError(f"memory probe sync did not store the log: {result}")
    result["records"] = records
    result["wall_s"] = round(seconds, 1)
    return result


# --- run ----------------------------------------------------------------------------------------


def run(options: common.Options) -> dict[str, Any]:
    common.django_ready()
    from django.db import connection
    from zk import ZK

    from attendance.models import Punch
    from devices.adapters import ZKAdapter
    from devices.services import device_sync, to_utc
    from devices.simulator import Simulator

    if connection.vendor != "postgresql":
        raise common.HarnessError("device_sync runs on PostgreSQL")
    records = options.rows or DEFAULT_RECORDS
    rounds = max(1, min(options.repeats, MAX_ROUNDS))
    sim = Simulator(tcp_port=0, users=USERS, records=records, seed=options.seed, tz="Europe/Zurich").start()
    try:
        (device,) = make_devices(1, [sim.tcp_port])
        make_badges(MAPPED)
        expected = {(r.user_id, to_utc(r.timestamp, sim.state.tz)) for r in sim.records}  # type: ignore[arg-type]

        def floor() -> int:
            z = ZK("127.0.0.1", port=sim.tcp_port, timeout=60, ommit_ping=True)
            z._ZK__sock.close()  # pyzk opens a UDP socket it never uses
            conn = z.connect()
            try:
                return len(conn.get_attendance())
            finally:
                conn.disconnect()
                with contextlib.suppress(Exception):
                    z._ZK__sock.close()

        def read() -> int:
            with ZKAdapter("127.0.0.1", sim.tcp_port, timeout=10) as clock:
                return len(clock.read_attendance())

        def sync() -> int:
            result = device_sync(device=device.pk)
            if result.status != "succeeded":
                raise common.HarnessError(f"sync failed: {result.error_code} {result.error}")
            return result.created

        variants = {"floor": floor, "read": read, "sync": sync}
        samples: dict[str, list[float]] = {name: [] for name in variants}
        rng = random.Random(options.seed)
        for round_no in range(rounds):
            names = list(variants)
            rng.shuffle(names)
            for name in names:
                if name == "sync":
                    reset([device])
                t0 = time.perf_counter()
                got = variants[name]()
                elapsed = time.perf_counter() - t0
                want = len(expected) if name == "sync" else records
                if got != want:
                    raise common.HarnessError(f"{name} returned {got} records, expected {want}")
                samples[name].append(elapsed)
                print(f"bench: round {round_no + 1}/{rounds} {name}: {elapsed:.2f}s", file=sys.stderr)
        stored = set(Punch.objects.filter(device_id=device.pk).values_list("device_user_id", "timestamp"))
        if stored != expected:
            raise common.HarnessError("the synced punches differ from the device log")
        reset([device])
    finally:
        sim.stop()

    sync_vs_floor = common.paired_median_ratio(samples["sync"], samples["floor"])
    sync_vs_read = common.paired_median_ratio(samples["sync"], samples["read"])
    print(f"bench: peak memory of a {MEMORY_RECORDS}-record sync", file=sys.stderr)
    memory = measure_memory(MEMORY_RECORDS)
    goals = [
        common.goal("sync/floor", sync_vs_floor, GOAL, "median of per-round ratios"),
        common.goal("sync/read", sync_vs_read, READ_GOAL, "median of per-round ratios"),
        {
            "ratio": "memory_above_baseline_mb",
            "statistic": "peak RSS",
            "value": memory["above_baseline_mb"],
            "max": MEMORY_GOAL_MB,
            "met": memory["above_baseline_mb"] <= MEMORY_GOAL_MB,
        },
    ]
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {
            "sync/floor": {"paired_median": sync_vs_floor, "p50": common.ratio(samples["sync"], samples["floor"], 50)},
            "sync/read": {"paired_median": sync_vs_read, "p50": common.ratio(samples["sync"], samples["read"], 50)},
            "read/floor": {"paired_median": common.paired_median_ratio(samples["read"], samples["floor"])},
        },
        "figures_s": {
            "_note": "wall seconds per variant in this run; compare runs by the ratios only",
            **{
                name: {"median": round(statistics.median(v), 3), "min": round(min(v), 3), "n": len(v)}
                for name, v in samples.items()
            },
            "sync_records_per_s": round(len(expected) / statistics.median(samples["sync"])),
        },
        "memory_200k": memory,
        "floor": "pyzk-new 0.9.1 ZK(ommit_ping=True).connect() + get_attendance() + disconnect() in-process, "
        "same simulator (quadratic in the record count: see docs/DEVICES.md)",
        "parameters": {
            "records": records,
            "unique_records": len(expected),
            "users": USERS,
            "mapped_users": MAPPED,
            "rounds": rounds,
            "seed": options.seed,
            "transport": "tcp, loopback, no latency",
            "record_size": 40,
            **common.environment(),
        },
    }


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--memory-probe":
    # The parent's environment: DATABASE_URL is already the benchmark's own database.
    memory_probe(sys.argv[2])
