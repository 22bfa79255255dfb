"""device_fleet: 20 clocks × 10,000 records with 20 ms per packet, synced by a Celery worker
with its concurrency, against syncing them one after another.

``BENCH_FLEET_DEVICES`` sets the number of clocks (default 20; issue 22 asks for 200, e.g.
``BENCH_FLEET_DEVICES=200 python -m bench device_fleet --rows 200``: ``--rows`` is the
records per clock, 200 being a poll's worth rather than a first read of a full log).

Twenty simulated identiX K20s (devices.simulator, TCP on loopback, 20 ms before every reply
packet, as over a slow LAN or Wi-Fi) each hold 10,000 records. A real Celery worker
(prefork pool, ``--concurrency`` = ``BENCH_FLEET_CONCURRENCY``, default 10) runs on Redis
and its own bench database (``etime_bench_device_fleet``). Variants, interleaved round by round, from empty punch
tables each time (reset outside the timer):

- ``concurrent``: the 20 ``devices.sync_device`` tasks enqueued at once, as beat's fan-out
  does; timed until the last result is in;
- ``sequential``: the same 20 tasks through the same worker, each enqueued when the
  previous one finished.

Goal (issue 3): concurrent/sequential ≤ 0.3, median of the per-round ratios. The floor of
this ratio is set by the machine: the per-device CPU (storing 10k punches) divided over its
cores; the latency (about 40 packets × 20 ms per sync) is what concurrency hides.

Goal (issue 22, with 200 clocks): the poll cycle (``concurrent``) ≤ 1.5× the slowest single
clock, the longest of the sequential variant's syncs (each ran alone through the same worker,
from enqueue to result): ``cycle/slowest_single``.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

from bench import common
from bench.device_sync import make_devices, reset

DESCRIPTION = (
    "devices: 20 clocks (BENCH_FLEET_DEVICES) x 10k records at 20 ms/packet, synced concurrently by a Celery worker"
    " vs one after another"
)

DEVICES = 20
RECORDS = 10_000
LATENCY = 0.020
GOAL = 0.3
CYCLE_GOAL = 1.5
CYCLE_CLOCKS = 200
MAX_ROUNDS = 3


def _ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of one process (children it reaped included)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15])
    except (OSError, IndexError, ValueError):
        return 0


def _tree(pid: int) -> set[int]:
    pids = {pid}
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    pids |= _tree(int(child))
    except OSError:
        pass
    return pids


def _postgres_pids() -> set[int]:
    pids = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        pids.add(int(entry))
            except OSError:
                continue
    return pids


def cpu_seconds(worker_pid: int) -> dict[str, float]:
    """CPU used so far by the Celery worker (pool processes and their pyzk children), the
    PostgreSQL server processes, and this process (the 20 simulators and the orchestration)."""
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "worker": sum(_ticks(p) for p in _tree(worker_pid)) / hz,
        "postgres": sum(_ticks(p) for p in _postgres_pids()) / hz,
        "bench_and_simulators": time.process_time(),
    }


def concurrency() -> int:
    return int(os.environ.get("BENCH_FLEET_CONCURRENCY", "10"))


def device_count() -> int:
    return int(os.environ.get("BENCH_FLEET_DEVICES", str(DEVICES)))


def _start_worker(queue: str, name: str, workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "etime",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(workers),
        "-Q",
        queue,
        "-n",
        name,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=sys.stderr, env=dict(os.environ))  # noqa: S603


def _wait_ready(app: Any, name: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise common.HarnessError(f"the Celery worker exited with {proc.returncode}")
        if app.control.ping(destination=[name], timeout=1.0):
            return
    raise common.HarnessError("the Celery worker did not answer a ping within 60 s")


def run(options: common.Options) -> dict[str, Any]:
    common.django_ready()
    from django.db import connection

    from attendance.models import Punch
    from devices.simulator import Simulator
    from devices.tasks import sync_device
    from etime.celery import app

    if connection.vendor != "postgresql":
        raise common.HarnessError("device_fleet runs on PostgreSQL")
    records = options.rows or RECORDS
    rounds = max(1, min(options.repeats, MAX_ROUNDS))
    workers = concurrency()
    clocks = device_count()
    queue = f"bench-fleet-{uuid.uuid4().hex[:8]}"
    name = f"{queue}@bench"
    sims = [
        Simulator(
            tcp_port=0, users=50, records=records, seed=options.seed + i, latency=LATENCY, tz="Europe/Zurich"
        ).start()
        for i in range(clocks)
    ]
    proc = None
    try:
        devices = make_devices(clocks, [s.tcp_port for s in sims])
        ids = [str(d.pk) for d in devices]
        expected = sum(len({(r.user_id, r.timestamp) for r in s.records}) for s in sims)
        proc = _start_worker(queue, name, workers)
        _wait_ready(app, name, proc)

        def check(results: list[Any]) -> None:
            bad = [r for r in results if not r or r.get("status") != "succeeded"]
            if bad:
                raise common.HarnessError(f"{len(bad)} syncs did not succeed: {bad[:3]}")

        def concurrent() -> None:
            pending = [sync_device.apply_async(args=[i, "command"], queue=queue) for i in ids]
            check([p.get(timeout=600) for p in pending])

        singles: list[float] = []  # each sync of the sequential variant, alone through the worker

        def sequential() -> None:
            results = []
            for i in ids:
                t0 = time.perf_counter()
                results.append(sync_device.apply_async(args=[i, "command"], queue=queue).get(timeout=600))
                singles.append(time.perf_counter() - t0)
            check(results)

        variants = {"concurrent": concurrent, "sequential": sequential}
        samples: dict[str, list[float]] = {n: [] for n in variants}
        cpu: dict[str, list[dict[str, float]]] = {n: [] for n in variants}
        rng = random.Random(options.seed)
        for round_no in range(rounds):
            names = list(variants)
            rng.shuffle(names)
            for variant in names:
                reset(devices)
                before = cpu_seconds(proc.pid)
                t0 = time.perf_counter()
                variants[variant]()
                elapsed = time.perf_counter() - t0
                after = cpu_seconds(proc.pid)
                cpu[variant].append({k: after[k] - before[k] for k in after})
                stored = Punch.objects.filter(device_id__in=[d.pk for d in devices]).count()
                if stored != expected:
                    raise common.HarnessError(f"{variant}: {stored} punches stored, expected {expected}")
                samples[variant].append(elapsed)
                print(f"bench: round {round_no + 1}/{rounds} {variant}: {elapsed:.2f}s", file=sys.stderr)
        reset(devices)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for sim in sims:
            sim.stop()

    ratio = common.paired_median_ratio(samples["concurrent"], samples["sequential"])
    slowest = max(singles)
    cycle = round(statistics.median(samples["concurrent"]) / slowest, 3)
    goals = [common.goal("concurrent/sequential", ratio, GOAL, "median of per-round ratios")]
    if clocks >= CYCLE_CLOCKS:  # issue 22's goal is set for a fleet of 200; smaller runs report the ratio only
        goals.append(common.goal("cycle/slowest_single", cycle, CYCLE_GOAL, "median cycle / slowest single sync"))
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {
            "concurrent/sequential": {
                "paired_median": ratio,
                "p50": common.ratio(samples["concurrent"], samples["sequential"], 50),
            },
            "cycle/slowest_single": {"value": cycle},
        },
        "figures_s": {
            "_note": "wall seconds for the whole fleet in this run; compare runs by the ratios only",
            **{
                n: {"median": round(statistics.median(v), 3), "min": round(min(v), 3), "n": len(v)}
                for n, v in samples.items()
            },
            "sequential_per_device": round(statistics.median(samples["sequential"]) / clocks, 3),
            "single_sync": {
                "slowest": round(slowest, 3),
                "median": round(statistics.median(singles), 3),
                "n": len(singles),
            },
        },
        "cpu_s_per_round": {
            "_note": "CPU seconds per round (median): the concurrent run cannot beat their sum divided by the cores",
            **{n: {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]} for n, rows in cpu.items()},
            "cores": os.cpu_count(),
        },
        "floor": f"the same {clocks} syncs through the same worker, one after another",
        "parameters": {
            "devices": clocks,
            "records_per_device": records,
            "punches_per_round": expected,
            "latency_ms_per_packet": LATENCY * 1000,
            "transport": "tcp, loopback",
            "worker_pool": "prefork",
            "worker_concurrency": workers,
            "rounds": rounds,
            "seed": options.seed,
            **common.environment(),
        },
    }
