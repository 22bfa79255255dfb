"""rush: the morning arrival of N employees at K push clocks, 30 minutes compressed to 60 s,
on gunicorn with a real Celery worker recomputing attendance while the load mix runs (issue 22).

N employees (``--rows``, default 10,000; created once with COPY and kept in this benchmark's own
database, ``etime_bench_rush``) are spread over K = ceil(N / 100) ADMS push clocks
(devices.simulator.push.PushClock, one thread each, as ``push_rush`` drives them). Each
employee punches once, at a random instant of a 30-minute arrival window compressed to
``--seconds`` (default 60): N = 10,000 offers about 167 punches a second. A clock uploads what
is due at once (``Realtime=1``) and deletes only what the server acknowledged (``OK: N``),
sending the rest again. gunicorn runs as ``bench load`` starts it; a Celery worker (prefork,
``BENCH_RUSH_WORKER_CONCURRENCY``, default 2) consumes the real ``attendance`` queue, so the
recompute runs exactly as in production: a punch marks its days dirty, the first mark
enqueues one ``attendance.recompute_dirty_days`` (``ETIME_ATTENDANCE_RECOMPUTE_DELAY_SECONDS``
later) while none is waiting, and that task claims the whole dirty set in batches. The load
mix (``bench load``'s requests; ``BENCH_RUSH_LOAD_CLIENTS`` clients, default 4) runs against
the same server for the whole rush.

Latency, per punch: from its **arrival**, the instant the clock got the server's
acknowledgement of the upload that carried it (``time.time()`` in this process when the
upload returned), to the instant this process first **saw** the employee's AttendanceDay
with that punch counted (``punch_count >= 1`` and ``first_in`` = the punch; a poller reads
the rush employees' days every ``POLL_EVERY`` seconds). Polling makes it an upper bound by at
most ``POLL_EVERY`` plus one query; ``computed_s`` (the day's ``computed_at``, the start of
the recompute run that wrote it, minus arrival) is the matching lower bound. Same machine,
same clock for both. A punch whose day never shows within ``SETTLE_S`` after the last upload
counts as never (and fails the goal).

Reported, and the goals:
- punch → provisional attendance day p50/p90/p99: **p99 ≤ 60 s**;
- ``lost`` (sent, acknowledged, not stored) **0** and ``doubled`` (stored twice, or counted
  twice in a day) **0**, by exact set comparison of (clock, PIN, UTC instant);
- ``/metrics`` scraped (with a token, multiprocess mode across gunicorn's and the worker's
  processes) every ``SCRAPE_EVERY`` seconds during the rush and once at the end:
  ``etime_punches_stored_total`` (all sources: the rush and the load mix) equals the punches
  the database gained, and ``etime_attendance_dirty_days`` equals the dirty set's size.
- ``recomputes``: recompute tasks run for the rush (bounded: about one per
  delay + run time, not one per punch).
"""

from __future__ import annotations

import http.client
import math
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from bench import common

DESCRIPTION = (
    "attendance: N employees' arrival (30 min in 60 s) at push clocks on gunicorn + Celery under the load mix; "
    "punch -> attendance p99, lost/doubled, /metrics vs DB"
)

EMPLOYEES = int(os.environ.get("BENCH_RUSH_EMPLOYEES", "10000"))
PER_CLOCK = 100
SECONDS = 60.0
POLL_EVERY = 1.0
SCRAPE_EVERY = 10.0
SETTLE_S = 180.0  # after the last upload: how long the recompute may still take before punches count as never seen
GOAL_P99_S = 60.0
CODE_PREFIX = "RUSH"
SERIAL_PREFIX = "RUSH"
PIN_BASE = 900_000_000  # nine digits: never one of the load mix's PINs (a 6-hex tag and a number)
LOCATION = "Bench rush"
LOAD_CLIENTS = int(os.environ.get("BENCH_RUSH_LOAD_CLIENTS", "4"))
WORKER_CONCURRENCY = int(os.environ.get("BENCH_RUSH_WORKER_CONCURRENCY", "2"))


def _employees(count: int) -> list[tuple[Any, str]]:
    """(id, PIN) of the first ``count`` rush employees, created with COPY when missing."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Employee, Location
    from bench.attendance_month import _copy

    location = Location.objects.get_or_create(name=LOCATION, defaults={"time_zone": "UTC"})[0]
    have = set(Employee.objects.filter(code__startswith=CODE_PREFIX).values_list("code", flat=True))
    now = timezone.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "code": f"{CODE_PREFIX}{i:06d}",
            "first_name": "Rush",
            "last_name": f"Arrival {i}",
            "location_id": location.pk,
            "time_zone": "",
            "device_user_id": str(PIN_BASE + i),
            "hire_date": date(2020, 1, 1),
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
        if f"{CODE_PREFIX}{i:06d}" not in have
    ]
    if rows:
        print(f"bench rush: creating {len(rows)} employees", file=sys.stderr)
        with transaction.atomic():
            _copy(Employee, rows)
    codes = [f"{CODE_PREFIX}{i:06d}" for i in range(count)]
    by_code = dict(Employee.objects.filter(code__in=codes).values_list("code", "id"))
    return [(by_code[f"{CODE_PREFIX}{i:06d}"], str(PIN_BASE + i)) for i in range(count)]


def _clocks(count: int) -> list[Any]:
    from devices.models import Device
    from devices.services.devices import device_create

    devices = []
    for n in range(count):
        serial = f"{SERIAL_PREFIX}{n:05d}"
        device = Device.objects.filter(serial_number=serial).first() or device_create(
            actor=None, name=f"Rush clock {n:05d}", protocol="adms", serial_number=serial, time_zone="UTC"
        )
        devices.append(device)
    return devices


def _reset(employee_ids: list[Any], device_ids: list[Any]) -> None:
    """Punches, days and dirty marks of an earlier run gone; the recompute flag cleared."""
    from django.core.cache import cache

    from attendance.models import AttendanceDay, DirtyDay, Punch
    from attendance.tasks import RECOMPUTE_PENDING_KEY
    from devices.models import Device, SyncRun

    Punch.objects.filter(device_id__in=device_ids).delete()
    SyncRun.objects.filter(device_id__in=device_ids).delete()
    Device.objects.filter(pk__in=device_ids).update(watermark_record="")
    AttendanceDay.objects.filter(employee_id__in=employee_ids).delete()
    DirtyDay.objects.all().delete()
    cache.delete(RECOMPUTE_PENDING_KEY)


# --- metrics ---------------------------------------------------------------------------

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def _scrape(port: int, token: str) -> dict[str, float]:
    """``/metrics`` summed per metric name (labels added up)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics", headers={"Host": "localhost", "Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    if response.status != 200:
        raise common.HarnessError(f"/metrics answered {response.status}")
    totals: dict[str, float] = {}
    for line in body.splitlines():
        match = _SAMPLE.match(line)
        if match:
            totals[match[1]] = totals.get(match[1], 0.0) + float(match[3])
            labels = match[2] or ""
            if match[1] == "etime_celery_tasks_total" and 'state="success"' in labels:
                task = re.search(r'task="([^"]*)"', labels)
                key = f"{match[1]}:{task[1] if task else ''}"
                totals[key] = totals.get(key, 0.0) + float(match[3])
            if match[1] == "etime_celery_queue_length" and 'queue="attendance"' in labels:
                totals[f"{match[1]}:attendance"] = float(match[3])
    return totals


def _db_counts(punches_before: int) -> dict[str, int]:
    from attendance.models import DirtyDay, Punch

    return {"punches_stored": Punch.objects.count() - punches_before, "dirty_days": DirtyDay.objects.count()}


def _compare(scraped: dict[str, float], db: dict[str, int]) -> dict[str, Any]:
    metrics = {
        "punches_stored": int(scraped.get("etime_punches_stored_total", 0)),
        "dirty_days": int(scraped.get("etime_attendance_dirty_days", -1)),
    }
    return {"metrics": metrics, "database": db, "equal": metrics == db}


# --- the rush --------------------------------------------------------------------------


def _drive(
    url: str, devices: list[Any], pins: list[list[str]], seconds: float, seed: int
) -> tuple[list[Any], dict[str, float], dict[str, datetime], list[str], float]:
    """Every clock punches its employees at their arrival instants and uploads at once.
    Returns the clocks, arrival (ack) time per PIN, UTC instant per PIN, failures, start."""
    from devices.simulator.push import PushClock, PushError

    clocks = [PushClock(url, serial=d.serial_number, protocol="push2", tz="UTC", timeout=60) for d in devices]
    acked: dict[str, float] = {}
    instant: dict[str, datetime] = {}
    failures: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(clocks) + 1)
    start_at = [0.0]

    def run(i: int) -> None:
        clock, rng = clocks[i], random.Random(seed * 1_000_003 + i)  # noqa: S311 (load shape)
        due = sorted((rng.uniform(0, seconds), pin) for pin in pins[i])
        try:
            clock.handshake()
        except PushError as exc:
            with lock:
                failures.append(f"handshake: {exc}")
        ready.wait()
        sent: list[tuple[str, datetime]] = []
        k = 0
        while k < len(due) or clock.queue:
            now = time.monotonic() - start_at[0]
            if k < len(due) and now < due[k][0] and not clock.queue:
                time.sleep(due[k][0] - now)
                continue
            while k < len(due) and due[k][0] <= time.monotonic() - start_at[0]:
                record = clock.punch(due[k][1], status=0)
                sent.append((record.pin, record.utc))  # type: ignore[arg-type]
                k += 1
            waiting = {r.pin for r in clock.queue}
            try:
                clock.push()
            except PushError as exc:
                with lock:
                    failures.append(str(exc))
                if time.monotonic() - start_at[0] > seconds + 300:
                    break
                time.sleep(1.0)  # a clock retries on its next turn
            arrived = time.time()
            left = {r.pin for r in clock.queue}
            with lock:
                for pin in waiting - left:
                    acked[pin] = arrived
        with lock:
            for pin, utc in sent:
                instant[pin] = utc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(clocks))]
    for t in threads:
        t.start()
    start_at[0] = time.monotonic() + 0.5
    started = time.time() + 0.5
    ready.wait()
    print(f"bench rush: {len(clocks)} clocks handshaken, arrivals over {seconds:.0f}s", file=sys.stderr)
    for t in threads:
        t.join(seconds + 600)
    return clocks, acked, instant, failures, started


def _poll_days(employee_ids: list[Any], since: datetime) -> dict[Any, tuple[datetime | None, int, datetime]]:
    """employee id -> (first_in, punch_count, computed_at) of their days written since ``since``."""
    from attendance.models import AttendanceDay

    seen: dict[Any, tuple[datetime | None, int, datetime]] = {}
    for employee_id, first_in, count, computed in AttendanceDay.objects.filter(
        employee_id__in=employee_ids, punch_count__gt=0, computed_at__gte=since
    ).values_list("employee_id", "first_in", "punch_count", "computed_at"):
        best = seen.get(employee_id)
        if best is None or count > best[1]:
            seen[employee_id] = (first_in, count, computed)
    return seen


def _stats_s(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        **{f"p{q}_s": round(common.percentile(values, q), 2) for q in (50, 90, 99)},
        "max_s": round(max(values), 2),
    }


def run(options: common.Options) -> dict[str, Any]:  # noqa: PLR0915 - one scenario, read top to bottom
    from bench import load_mix
    from bench.device_fleet import _postgres_pids, _ticks, _tree, _wait_ready

    env = load_mix._env()  # throttling off for the mix; the cache prefix gunicorn and the worker share
    common.django_ready()
    from django.db import connection, connections

    from attendance.models import Punch
    from etime.celery import app

    if connection.vendor != "postgresql":
        raise common.HarnessError("rush runs on PostgreSQL")
    began = time.monotonic()

    def phase(what: str) -> None:
        print(f"bench rush: {what} ({time.monotonic() - began:.0f} s)", file=sys.stderr)

    count = options.rows or EMPLOYEES
    seconds = options.seconds or SECONDS
    people = _employees(count)
    pin_to_employee = {pin: employee_id for employee_id, pin in people}
    clocks_n = math.ceil(count / PER_CLOCK)
    devices = _clocks(clocks_n)
    pins = [[pin for _e, pin in people[i * PER_CLOCK : (i + 1) * PER_CLOCK]] for i in range(clocks_n)]
    employee_ids = [e for e, _pin in people]
    _reset(employee_ids, [d.pk for d in devices])
    phase("employees, clocks and the last run's rows ready; seeding the load mix")
    world = load_mix._seed()
    connections.close_all()

    metrics_dir = tempfile.mkdtemp(prefix="etime-bench-rush-metrics-")
    token = secrets.token_urlsafe(32)
    # ERROR: the load mix's clocks send stamps the server logs as warnings, thousands of lines.
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": metrics_dir, "ETIME_METRICS_TOKEN": token, "ETIME_LOG_LEVEL": "ERROR"}
    worker_name = f"bench-rush-{uuid.uuid4().hex[:8]}@bench"
    worker = None
    server = None
    punches_before = Punch.objects.count()
    scrapes: list[dict[str, Any]] = []
    try:
        port = load_mix._free_port()
        server = load_mix._start_gunicorn(env, port)
        worker = _start_worker(env, worker_name)
        _wait_ready(app, worker_name, worker)
        phase("gunicorn and the Celery worker up")
        load_mix._drive(port, world, 2, 3, options.seed, 0)  # warm-up: imports, connections
        hz = os.sysconf("SC_CLK_TCK")
        pg = _postgres_pids()
        cpu_before = {
            "gunicorn": sum(_ticks(p) for p in _tree(server.pid)) / hz,
            "worker": sum(_ticks(p) for p in _tree(worker.pid)) / hz,
            "postgres": sum(_ticks(p) for p in pg) / hz,
            "bench": time.process_time(),
        }
        since = datetime.now(UTC).replace(microsecond=0)
        first_seen: dict[Any, float] = {}
        poll_seconds: list[float] = []
        seen_rows: dict[Any, tuple[datetime | None, int, datetime]] = {}
        stop = threading.Event()
        mix_result: dict[str, Any] = {}

        def poll() -> None:
            from django.db import connection as conn

            next_scrape = time.monotonic() + SCRAPE_EVERY
            while not stop.is_set():
                t0 = time.time()
                rows = _poll_days(employee_ids, since)
                poll_seconds.append(time.time() - t0)
                for employee_id, row in rows.items():
                    if employee_id not in first_seen:
                        first_seen[employee_id] = t0  # the read started at t0 or later: the day existed by then
                    seen_rows[employee_id] = row
                if time.monotonic() >= next_scrape:
                    next_scrape += SCRAPE_EVERY
                    try:
                        db_before = _db_counts(punches_before)["punches_stored"]
                        scraped = _scrape(port, token)
                        db_after = _db_counts(punches_before)["punches_stored"]
                        counted = int(scraped.get("etime_punches_stored_total", 0))
                        scrapes.append(
                            {
                                "t_s": round(time.time() - since.timestamp(), 1),
                                **_metric_view(scraped),
                                "database_punches_before_and_after": [db_before, db_after],
                                "within": db_before <= counted <= db_after,
                            }
                        )
                    except (OSError, common.HarnessError) as exc:
                        scrapes.append({"error": str(exc)})
                stop.wait(max(0.0, POLL_EVERY - (time.time() - t0)))
            conn.close()

        def mix() -> None:
            mix_result.update(load_mix._drive(port, world, LOAD_CLIENTS, seconds, options.seed, 2))

        poller = threading.Thread(target=poll, daemon=True)
        mixer = threading.Thread(target=mix, daemon=True)
        poller.start()
        mixer.start()
        clocks, acked, instant, failures, started = _drive(
            f"http://127.0.0.1:{port}", devices, pins, seconds, options.seed
        )
        uploads_done = time.time()
        phase("every punch uploaded")
        mixer.join(seconds + 120)
        # Settle: until every acknowledged punch's day is seen, or SETTLE_S.
        deadline = time.monotonic() + SETTLE_S
        while time.monotonic() < deadline and len(first_seen) < len(acked):
            time.sleep(POLL_EVERY)
        settled_s = round(time.time() - uploads_done, 1)
        time.sleep(2 * POLL_EVERY)
        stop.set()
        poller.join(30)
        # Quiesce before the final comparison: the dirty set empty, nothing in flight.
        from attendance.models import DirtyDay

        quiet_deadline = time.monotonic() + SETTLE_S
        while DirtyDay.objects.exists() and time.monotonic() < quiet_deadline:
            time.sleep(1.0)
        phase("attendance settled, the dirty set empty")
        final_scrape = _scrape(port, token)
        final_db = _db_counts(punches_before)
        cpu = {
            "gunicorn": round(sum(_ticks(p) for p in _tree(server.pid)) / hz - cpu_before["gunicorn"], 1),
            "worker": round(sum(_ticks(p) for p in _tree(worker.pid)) / hz - cpu_before["worker"], 1),
            "postgres": round(sum(_ticks(p) for p in pg) / hz - cpu_before["postgres"], 1),
            "bench": round(time.process_time() - cpu_before["bench"], 1),
        }
    finally:
        if server is not None:
            load_mix._stop(server)
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(30)
            except Exception:
                worker.kill()
        shutil.rmtree(metrics_dir, ignore_errors=True)

    # --- lost and doubled: exact sets ---
    by_serial = {d.serial_number: d.pk for d in devices}
    expected = {
        (by_serial[c.serial], pin, utc)
        for c, ps in zip(clocks, pins, strict=True)
        for pin in ps
        for utc in [instant.get(pin)]
        if utc
    }
    stored_rows = list(
        Punch.objects.filter(device_id__in=list(by_serial.values())).values_list(
            "device_id", "device_user_id", "timestamp"
        )
    )
    stored = set(stored_rows)
    lost = len(expected - stored)
    unexpected = len(stored - expected)
    doubled_rows = len(stored_rows) - len(stored)
    doubled_days = sum(1 for _f, n, _c in seen_rows.values() if n > 1)
    not_sent = count - len(instant)
    not_acked = len(instant) - len(acked)
    # --- latency ---
    observed, computed, wrong_day = [], [], 0
    for pin, arrived in acked.items():
        employee_id = pin_to_employee[pin]
        row = seen_rows.get(employee_id)
        if row is None or employee_id not in first_seen:
            continue
        if row[0] != instant[pin]:
            wrong_day += 1
        observed.append(max(0.0, first_seen[employee_id] - arrived))
        computed.append(row[2].timestamp() - arrived)
    never = len(acked) - len(observed)
    latency = _stats_s(observed)
    p99 = latency.get("p99_s", math.inf) if not never else math.inf
    final = _compare(final_scrape, final_db)
    answered = [s for s in scrapes if "error" not in s]
    during_within = all(s["within"] for s in answered)
    recomputes = _recompute_tasks(final_scrape)
    goals = [
        {
            "ratio": "punch -> attendance day",
            "statistic": "p99 seconds (every acknowledged punch's day seen)",
            "value": p99,
            "max": GOAL_P99_S,
            "met": p99 <= GOAL_P99_S,
        },
        {
            "ratio": "lost punches",
            "statistic": "count",
            "value": lost + not_sent + not_acked,
            "max": 0,
            "met": lost + not_sent + not_acked == 0,
        },
        {
            "ratio": "doubled punches",
            "statistic": "count (stored twice, or counted twice in a day)",
            "value": doubled_rows + unexpected + doubled_days,
            "max": 0,
            "met": doubled_rows + unexpected + doubled_days == 0,
        },
        {
            "ratio": "metrics == database",
            "statistic": (
                "punches stored and dirty days at the end; during: each answered scrape between the counts before "
                "and after (scrapes that timed out are counted in metrics_vs_db.unanswered)"
            ),
            "value": final["equal"] and during_within,
            "expected": True,
            "met": final["equal"] and during_within,
        },
    ]
    upload_times = [s for c in clocks for s in c.stats.upload_seconds]
    elapsed = max(acked.values(), default=started) - started
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {"p99_s/goal": round(p99 / GOAL_P99_S, 3) if math.isfinite(p99) else None},
        "employees": count,
        "clocks": clocks_n,
        "punches": {
            "sent": len(instant),
            "acknowledged": len(acked),
            "stored": len(stored_rows),
            "lost": lost,
            "not_sent": not_sent,
            "not_acknowledged": not_acked,
            "unexpected": unexpected,
            "doubled_rows": doubled_rows,
            "doubled_in_a_day": doubled_days,
            "day_first_in_not_the_punch": wrong_day,
            "never_seen_in_a_day": never,
        },
        "latency_s": {
            "_note": (
                "arrival = the clock's acknowledgement (time.time() when the upload returned); seen = the start "
                f"of the first poll (every {POLL_EVERY:.0f} s) that read the day with the punch counted: an upper "
                "bound by up to one poll. computed = the day's computed_at (start of the recompute run that wrote "
                "it) - arrival: a lower bound."
            ),
            "seen": latency,
            "computed": _stats_s(computed),
            "settled_after_last_upload_s": settled_s,
            "poll_query_s": _stats_s(poll_seconds),
        },
        "recompute": {
            "_note": "attendance.recompute_dirty_days tasks the worker ran (from /metrics), for rush and mix",
            "tasks": recomputes,
            "days_recomputed": int(final_scrape.get("etime_punch_to_attendance_seconds_count", 0)),
            "delay_s": _setting("ETIME_ATTENDANCE_RECOMPUTE_DELAY_SECONDS"),
        },
        "metrics_vs_db": {
            "_note": (
                f"during: every {SCRAPE_EVERY:.0f} s, the punch table counted just before and just after a scrape: "
                "the scraped counter lies within (punches commit all the time); the dirty-days gauge is read from "
                "the database by the scrape itself. final: after the dirty set emptied, nothing in flight: equal"
            ),
            "final": final,
            "unanswered": len(scrapes) - len(answered),
            "during": scrapes,
        },
        "uploads": {
            "count": len(upload_times),
            "errors": len(failures),
            "error_samples": failures[:5],
            "answer_s": _stats_s(upload_times),
            "punches_per_s": round(len(acked) / elapsed, 1) if elapsed > 0 else None,
            "offered_punches_per_s": round(count / seconds, 1),
        },
        "load_mix": mix_result,
        "cpu_s": {"_note": "CPU seconds from the rush's start to the end of settling", **cpu, "cores": os.cpu_count()},
        "parameters": {
            "employees": count,
            "per_clock": PER_CLOCK,
            "seconds": seconds,
            "arrival_window": "30 minutes compressed to --seconds",
            "load_clients": LOAD_CLIENTS,
            "gunicorn_workers": load_mix.WORKERS,
            "gunicorn_threads": 4,
            "worker_concurrency": WORKER_CONCURRENCY,
            "seed": options.seed,
            **common.environment(),
        },
    }


def _metric_view(scraped: dict[str, float]) -> dict[str, Any]:
    return {
        "punches_stored_total": int(scraped.get("etime_punches_stored_total", 0)),
        "dirty_days": int(scraped.get("etime_attendance_dirty_days", -1)),
        "days_recomputed": int(scraped.get("etime_punch_to_attendance_seconds_count", 0)),
        "attendance_queue": int(scraped.get("etime_celery_queue_length:attendance", 0)),
    }


def _recompute_tasks(scraped_text: dict[str, float]) -> int:
    return int(scraped_text.get("etime_celery_tasks_total:attendance.recompute_dirty_days", 0))


def _setting(name: str) -> Any:
    from django.conf import settings

    return getattr(settings, name)


def _start_worker(env: dict[str, str], name: str) -> Any:
    import subprocess

    cmd = [sys.executable, "-m", "celery", "-A", "etime", "worker", "--pool", "prefork"]
    cmd += ["--concurrency", str(WORKER_CONCURRENCY), "-Q", "attendance", "-n", name]
    cmd += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=sys.stderr, env=env)  # noqa: S603
