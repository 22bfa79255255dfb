"""push_rush: 200 push (ADMS) clocks posting ATTLOG batches to gunicorn at once for 60 s (issue 19).

Each clock is a devices.simulator.push.PushClock (the firmware-like client of
``run_device_simulator --push``) in a thread of this process, registered as an ADMS device
in this benchmark's own database (``etime_bench_push_rush``), in one of four whole-hour
zones. After its handshake (not timed) every clock, from a random start, punches 1-5 of its
50 users every ``BENCH_PUSH_INTERVAL`` seconds (default 5: 40 uploads and 120 punches a
second offered by 200 clocks, a shift change at a large site) and uploads them at once
(``Realtime=1``), polling ``getrequest`` every 10 s; it deletes only what the server
acknowledged (``OK: N``) and sends the rest again. At the end each clock uploads what is
left. gunicorn runs as ``bench load`` starts it (gthread, ``BENCH_LOAD_GUNICORN_WORKERS``
workers × 4 threads), on loopback with PostgreSQL.

Reported, and the goals (ratios, DESIGN §11):
- ``stored/sent``: the punches stored for these clocks over the punches they took: **1.000**,
  and the stored set is exactly the sent set at the right UTC instants (``missing`` and
  ``unexpected`` 0);
- ``errors``: failed calls (transport errors, any status but 200, an answer that is no
  acknowledgement): **0**;
- the ATTLOG answer time p50/p90/p99 and ``p99/p50`` **≤ 10** (no queue builds behind a
  slow request);
- ``achieved/offered`` uploads **≥ 0.95**: the server kept up with the clocks. Without it
  p99/p50 means nothing: a saturated server answers everything late, p50 included.

``--seconds N`` sets the duration (default 60), ``--rows N`` the number of clocks
(default 200, or ``BENCH_PUSH_CLOCKS``): ``python -m bench push_rush --seconds 10 --rows 50``
is the quick run.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from datetime import datetime
from typing import Any

from bench import common

DESCRIPTION = "devices: 200 push clocks posting ATTLOG batches to gunicorn for 60 s; stored/sent, errors, p99/p50"

CLOCKS = int(os.environ.get("BENCH_PUSH_CLOCKS", "200"))
SECONDS = 60.0
INTERVAL = float(os.environ.get("BENCH_PUSH_INTERVAL", "5"))
KEEPS_UP = 0.95  # achieved/offered uploads below which the answer times only measure a queue
POLL_EVERY = 10.0
USERS = 50
ZONES = ["Europe/Zurich", "America/New_York", "Asia/Tokyo", "UTC"]
SERIAL_PREFIX = "PUSHRUSH"
GOAL_P99_OVER_P50 = 10.0


def _devices(count: int) -> list[Any]:
    """The clocks' Device rows (created once, kept), their punches and runs cleared."""
    from attendance.models import Punch
    from devices.models import Device, SyncRun
    from devices.services.devices import device_create

    devices = []
    for n in range(count):
        serial = f"{SERIAL_PREFIX}{n:04d}"
        device = Device.objects.filter(serial_number=serial).first() or device_create(
            actor=None,
            name=f"Push rush {n:04d}",
            protocol="adms",
            serial_number=serial,
            time_zone=ZONES[n % len(ZONES)],
        )
        devices.append(device)
    ids = [d.pk for d in devices]
    Punch.objects.filter(device_id__in=ids).delete()
    SyncRun.objects.filter(device_id__in=ids).delete()
    Device.objects.filter(pk__in=ids).update(watermark_record="")
    return devices


def _drive(url: str, devices: list[Any], seconds: float, seed: int) -> dict[str, Any]:
    from devices.simulator.push import PushClock, PushError

    pins = [str(n) for n in range(1, USERS + 1)]
    clocks = [PushClock(url, serial=d.serial_number, protocol="push2", tz=d.time_zone, timeout=60) for d in devices]
    sent: list[list[tuple[str, datetime]]] = [[] for _ in clocks]
    failures: list[list[str]] = [[] for _ in clocks]
    ready = threading.Barrier(len(clocks) + 1)
    start_at: list[float] = [0.0]

    def run(i: int) -> None:
        clock, rng = clocks[i], random.Random(seed * 100_000 + i)  # noqa: S311 (load shape)
        try:
            clock.handshake()
        except PushError as exc:
            failures[i].append(f"handshake: {exc}")
        ready.wait()
        stop_at = start_at[0] + seconds
        next_batch = start_at[0] + rng.uniform(0, INTERVAL)
        next_poll = start_at[0] + rng.uniform(0, POLL_EVERY)
        state: dict[str, int] = {}
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            if now < min(next_batch, next_poll):
                time.sleep(min(next_batch, next_poll, stop_at) - now)
                continue
            try:
                if now >= next_poll:
                    next_poll += POLL_EVERY
                    clock.poll()
                if now >= next_batch:
                    next_batch += INTERVAL
                    for _ in range(rng.randint(1, 5)):
                        pin = rng.choice(pins)
                        state[pin] = 1 - state.get(pin, 1)
                        record = clock.punch(pin, status=state[pin])
                        sent[i].append((record.pin, record.utc))  # type: ignore[arg-type]
                    clock.push()
            except PushError as exc:
                failures[i].append(str(exc))
        for _attempt in range(3):  # what is left: as a clock does on its next call
            try:
                clock.push()
                break
            except PushError as exc:
                failures[i].append(f"final: {exc}")

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(clocks))]
    for t in threads:
        t.start()
    start_at[0] = time.monotonic() + 0.5
    ready.wait()
    print(f"bench push_rush: {len(clocks)} clocks handshaken, pushing for {seconds:.0f}s", file=sys.stderr)
    for t in threads:
        t.join(seconds + 300)
    elapsed = time.monotonic() - start_at[0]
    return {"clocks": clocks, "sent": sent, "failures": failures, "elapsed": elapsed}


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        **{f"p{q}_ms": round(common.percentile(values, q) * 1000, 2) for q in (50, 90, 99)},
        "max_ms": round(max(values) * 1000, 2),
    }


def run(options: common.Options) -> dict[str, Any]:
    from bench.device_fleet import _ticks, _tree
    from bench.load_mix import WORKERS, _free_port, _start_gunicorn, _stop

    common.django_ready()
    from django.db import connection, connections

    from attendance.models import Punch

    if connection.vendor != "postgresql":
        raise common.HarnessError("push_rush runs on PostgreSQL")
    count = options.rows or CLOCKS
    seconds = options.seconds or SECONDS
    devices = _devices(count)
    by_serial = {d.serial_number: d.pk for d in devices}
    connections.close_all()
    port = _free_port()
    server = _start_gunicorn(dict(os.environ), port)
    try:
        hz = os.sysconf("SC_CLK_TCK")
        before = (sum(_ticks(p) for p in _tree(server.pid)) / hz, time.process_time())
        driven = _drive(f"http://127.0.0.1:{port}", devices, seconds, options.seed)
        cpu = {
            "gunicorn": round(sum(_ticks(p) for p in _tree(server.pid)) / hz - before[0], 1),
            "clocks": round(time.process_time() - before[1], 1),
        }
    finally:
        _stop(server)
    clocks = driven["clocks"]
    expected = {
        (by_serial[c.serial], pin, utc) for c, rows in zip(clocks, driven["sent"], strict=True) for pin, utc in rows
    }
    sent = sum(len(rows) for rows in driven["sent"])
    stored_rows = list(
        Punch.objects.filter(device_id__in=list(by_serial.values())).values_list(
            "device_id", "device_user_id", "timestamp"
        )
    )
    stored = set(stored_rows)
    errors = [e for f in driven["failures"] for e in f]
    uploads = [s for c in clocks for s in c.stats.upload_seconds]
    polls = [s for c in clocks for s in c.stats.poll_seconds]
    upload = _stats(uploads)
    p99_over_p50 = round(upload["p99_ms"] / upload["p50_ms"], 2) if uploads and upload["p50_ms"] else float("inf")
    ratio = round(len(stored_rows) / sent, 3) if sent else 0.0
    missing, unexpected = len(expected - stored), len(stored - expected)
    exact = ratio == 1.0 and missing == 0 and unexpected == 0
    kept_up = round(len(uploads) / driven["elapsed"] / (count / INTERVAL), 3)
    goals = [
        {
            "ratio": "stored/sent",
            "statistic": "count, and the stored set is the sent set",
            "value": ratio,
            "expected": 1.0,
            "met": exact,
        },
        {"ratio": "errors", "statistic": "count", "value": len(errors), "max": 0, "met": not errors},
        common.goal("upload p99/p50", p99_over_p50, GOAL_P99_OVER_P50, "p99 over p50 of the ATTLOG answer time"),
        {
            "ratio": "achieved/offered uploads",
            "statistic": "uploads per second",
            "value": kept_up,
            "min": KEEPS_UP,
            "met": kept_up >= KEEPS_UP,
        },
    ]
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {"stored/sent": ratio, "upload_p99/p50": p99_over_p50, "achieved/offered_uploads": kept_up},
        "sent": sent,
        "stored": len(stored_rows),
        "missing": missing,
        "unexpected": unexpected,
        "acknowledged": sum(c.stats.acknowledged for c in clocks),
        "short_acks": sum(c.stats.short_acks for c in clocks),
        "errors": len(errors),
        "error_samples": errors[:5],
        "figures_ms": {
            "_note": "answer times seen by the clocks (connect included: firmware closes each connection)",
            "attlog_upload": upload,
            "getrequest": _stats(polls),
        },
        "throughput": {
            "uploads_per_s": round(len(uploads) / driven["elapsed"], 1),
            "requests_per_s": round(sum(c.stats.requests for c in clocks) / driven["elapsed"], 1),
            "punches_per_s": round(sent / driven["elapsed"], 1),
            "offered_uploads_per_s": round(count / INTERVAL, 1),
        },
        "cpu_s": {
            "_note": "CPU seconds during the run: gunicorn's workers, and this process (the clocks)",
            **cpu,
            "cores": os.cpu_count(),
        },
        "parameters": {
            "clocks": count,
            "seconds": seconds,
            "interval_s": INTERVAL,
            "punches_per_batch": "1-5",
            "poll_every_s": POLL_EVERY,
            "users_per_clock": USERS,
            "zones": ZONES,
            "gunicorn_workers": WORKERS,
            "gunicorn_threads": 4,
            "seed": options.seed,
            **common.environment(),
        },
    }
