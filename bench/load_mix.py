"""load: a realistic mix against gunicorn (PostgreSQL and Redis on loopback), stepping up the
number of concurrent clients; and ``soak`` (``--seconds`` or ``BENCH_LOAD_SOAK_SECONDS``,
default 180, for the ``soak`` benchmark): one rate held for minutes while every process's RSS is sampled.

The mix, per request drawn at random (weights in MIX):
- ADMS push: one of 50 simulated clock serials posts 1-3 ATTLOG lines to /iclock/cdata;
- clock-in: POST /api/v1/punches/ (the web clock-in calls the same service);
- timer: start, then stop on the next turn of the same employee;
- time entry: POST /api/v1/time-entries/ in a slot no other request uses;
- list pages: GET time entries, punches, attendance days, employees (cursor pages);
- leave: a one-day request next year (each employee 400 days granted).

Per step: throughput, p50/p95/p99 latency, errors (5xx, transport errors, and any 4xx other
than the mix's expected domain answers). The highest step that holds: 0 errors and
p99 < 10 × p50. Figures are ratios where they compare (p99/p50, RSS end/start).

Database: its own, ``etime_bench_load`` / ``etime_bench_soak`` (``bench.common.database_url_for``).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from typing import Any

from bench import common

DESCRIPTION = "load: ADMS pushes from 50 clocks, clock-ins, timers, entries, lists, leave against gunicorn; p50/p95/p99"

SERIALS = 50
EMPLOYEES = 60
STEPS = [int(x) for x in os.environ.get("BENCH_LOAD_STEPS", "2,4,8,16").split(",")]
STEP_SECONDS = float(os.environ.get("BENCH_LOAD_STEP_SECONDS", "30"))
SOAK_SECONDS = float(os.environ.get("BENCH_LOAD_SOAK_SECONDS", "180"))
SOAK_WINDOW = 60.0  # RSS averaged over the first and over the last minute
WORKERS = int(os.environ.get("BENCH_LOAD_GUNICORN_WORKERS", "3"))
MIX = [("adms", 30), ("clock_in", 15), ("timer", 10), ("entry", 15), ("list", 25), ("leave", 5)]
EXPECTED = {"timer": {409}, "leave": {409}, "clock_in": set(), "entry": {409}, "adms": set(), "list": set()}


def _env() -> dict[str, str]:
    # bench.__main__ configured the environment (DATABASE_URL: this benchmark's own
    # database, etime_bench_load or etime_bench_soak) before Django was imported.
    os.environ["ETIME_API_USER_THROTTLE"] = "10000000/hour"  # load, not throttling, is measured
    os.environ["ETIME_CACHE_PREFIX"] = "etime-bench-load"
    return dict(os.environ)


def _seed() -> dict[str, Any]:
    """Employees with logins and tokens, 50 ADMS clocks, a project, leave granted. Idempotent
    per run: each run makes its own people (run tag), so old rows never collide."""
    from decimal import Decimal

    from accounts.models import Location, Role, User
    from accounts.services import api_token_create, employee_create
    from devices.models import Device
    from devices.services.devices import device_create
    from leave.models import LeaveType
    from leave.services import allocation_create
    from timesheets import services as ts
    from timesheets.models import Client, Project

    tag = uuid.uuid4().hex[:6]
    admin = User.objects.filter(username="bench-load-admin").first() or User.objects.create_user(
        username="bench-load-admin", password=uuid.uuid4().hex, role=Role.ADMIN, is_staff=True
    )
    location = Location.objects.get_or_create(
        name="Bench HQ", defaults={"time_zone": "Europe/Zurich", "country": "CH"}
    )[0]
    client = Client.objects.filter(name="Bench client").first() or ts.client_save(
        client=Client(name="Bench client", currency="CHF", country="CH"), actor=admin
    )
    project = Project.objects.filter(name="Bench project").first() or ts.project_save(
        project=Project(client=client, name="Bench project"), actor=admin
    )
    leave_type = LeaveType.objects.get_or_create(code="BLV", defaults={"name": "Bench leave", "approval_levels": []})[0]
    year = time.gmtime().tm_year + 1
    people = []
    for i in range(EMPLOYEES):
        employee = employee_create(
            actor=admin,
            code=f"L{tag}{i:03d}",
            first_name="Load",
            last_name=f"{tag}{i}",
            location=location,
            email=f"load{tag}{i}@example.com",
            role=Role.EMPLOYEE,
            password=uuid.uuid4().hex,
            device_user_id=f"{tag}{i}",
        )
        assert employee.user is not None
        _token, raw = api_token_create(
            user=employee.user, name="load", scopes_requested=["read:all", "write:all"], actor=admin
        )
        allocation_create(employee=employee, leave_type=leave_type, year=year, days=Decimal(400), actor=admin)
        people.append({"id": str(employee.pk), "token": raw, "uid": f"{tag}{i}"})
    serials = []
    for i in range(SERIALS):
        serial = f"LOAD{tag}{i:03d}"
        if not Device.objects.filter(serial_number=serial).exists():
            device_create(
                actor=admin,
                name=f"Load clock {tag}{i}",
                protocol="adms",
                serial_number=serial,
                time_zone="Europe/Zurich",
            )
        serials.append(serial)
    from accounts.holidays import calendar_days, calendar_for_location

    calendar = calendar_for_location(location)
    first, last = date(year, 1, 1), date(year, 12, 31)
    holidays = {h.date for h in calendar_days(calendar, first, last)} if calendar else set()
    working = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    working = [d for d in working if d.weekday() < 5 and d not in holidays]
    return {
        "people": people,
        "serials": serials,
        "project": str(project.pk),
        "year": year,
        "leave_days": [str(d) for d in working],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "etime.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(WORKERS),
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise common.HarnessError("gunicorn did not come up")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


class Client:
    """One simulated user agent: its own keep-alive connection and employee."""

    def __init__(self, port: int, world: dict[str, Any], index: int, rng: random.Random) -> None:
        self.port, self.world, self.rng = port, world, rng
        self.person = world["people"][index % len(world["people"])]
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.timer_running = False
        self.slot = 0
        self.leave_day = 0
        self.index = index

    def request(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json", auth: bool = True
    ) -> tuple[int, bytes]:
        headers = {"Host": "localhost"}
        if auth:
            headers["Authorization"] = f"Bearer {self.person['token']}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def one(self, kind: str) -> tuple[int, bytes]:
        p = self.person
        if kind == "adms":
            serial = self.rng.choice(self.world["serials"])
            now = time.time() + self.rng.random()
            lines = "".join(
                f"{p['uid']}\t{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(now + k))}\t{k % 2}\t1\t0\t0\t0\n"
                for k in range(self.rng.randint(1, 3))
            )
            return self.request(
                "POST",
                f"/iclock/cdata?SN={serial}&table=ATTLOG&Stamp={int(now)}",
                lines.encode(),
                "text/plain",
                auth=False,
            )
        if kind == "clock_in":
            return self.request("POST", "/api/v1/punches/", {"timestamp": _now_iso(), "direction": "in"})
        if kind == "timer":
            path = "/api/v1/timer/stop/" if self.timer_running else "/api/v1/timer/start/"
            self.timer_running = not self.timer_running
            return self.request("POST", path, {} if "stop" in path else {"project": self.world["project"]})
        if kind == "entry":
            # A slot no other request of this run uses: one hour per (client, slot), years back.
            self.slot += 1
            start = f"{2000 + self.index % 20}-{1 + self.slot // 600 % 12:02d}-{1 + self.slot // 24 % 25:02d}T{self.slot % 24:02d}:00:00Z"
            end = start.replace(f"T{self.slot % 24:02d}:00", f"T{self.slot % 24:02d}:59")
            return self.request(
                "POST", "/api/v1/time-entries/", {"project": self.world["project"], "start": start, "end": end}
            )
        if kind == "list":
            path = self.rng.choice(
                [
                    "/api/v1/time-entries/?limit=50",
                    "/api/v1/punches/?limit=50",
                    "/api/v1/attendance-days/?limit=50",
                    "/api/v1/employees/?limit=50",
                ]
            )
            return self.request("GET", path)
        days = self.world["leave_days"]
        day = days[(self.leave_day * 7 + self.index) % len(days)]  # each client its own days
        self.leave_day += 1
        return self.request(
            "POST", "/api/v1/leave-requests/", {"leave_type": "BLV", "start_date": day, "end_date": day}
        )


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def _drive(
    port: int, world: dict[str, Any], clients: int, seconds: float, seed: int, offset: int, sample: Any = None
) -> dict[str, Any]:
    kinds = [k for k, w in MIX for _ in range(w)]
    latencies: list[float] = []
    errors: list[str] = []
    expected = [0]  # the mix's domain answers (409 timer/overlap/balance): not errors
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        agent = Client(port, world, offset + i, rng)
        mine: list[float] = []
        bad: list[str] = []
        conflicts = 0
        while time.monotonic() < stop_at:
            kind = rng.choice(kinds)
            t0 = time.perf_counter()
            try:
                status, body = agent.one(kind)
            except Exception as exc:  # transport error: counted
                bad.append(f"{kind}: {type(exc).__name__}")
                continue
            mine.append(time.perf_counter() - t0)
            if status >= 500 or (status >= 400 and status not in EXPECTED[kind]):
                bad.append(f"{kind}: {status} {body[:120]!r}")
            elif status >= 400:
                conflicts += 1
        with lock:
            latencies.extend(mine)
            errors.extend(bad)
            expected[0] += conflicts

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if sample:
            sample()
        time.sleep(1)
    elapsed = time.monotonic() - t0
    p50, p95, p99 = (common.percentile(latencies, q) for q in (50, 95, 99)) if latencies else (0.0, 0.0, 0.0)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(p50 * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "p99_ms": round(p99 * 1000, 1),
        "p99_over_p50": round(p99 / p50, 2) if p50 else None,
        "errors": len(errors),
        "error_samples": errors[:5],
        "expected_409s": expected[0],
        "holds": not errors and p50 > 0 and p99 < 10 * p50,
    }


def _setup() -> tuple[dict[str, Any], dict[str, str]]:
    env = _env()
    common.django_ready()
    print("bench load: seeding", file=sys.stderr)
    world = _seed()
    from django.db import connections

    connections.close_all()
    return world, env


def run(options: common.Options) -> dict[str, Any]:
    world, env = _setup()
    port = _free_port()
    server = _start_gunicorn(env, port)
    try:
        _drive(port, world, 2, 5, options.seed, 0)  # warm-up: imports, connections, caches
        steps = []
        offset = 2  # each step's clients act as employees no earlier step used (timers start clean)
        step_seconds = options.seconds or STEP_SECONDS
        for n, clients in enumerate(STEPS):
            print(f"bench load: {clients} clients for {step_seconds:.0f}s", file=sys.stderr)
            steps.append(_drive(port, world, clients, step_seconds, options.seed + n, offset % EMPLOYEES))
            offset += clients
        held = [s for s in steps if s["holds"]]
        best = max(held, key=lambda s: s["throughput_rps"]) if held else None
        return {
            "mix": dict(MIX),
            "gunicorn_workers": WORKERS,
            "steps": steps,
            "highest_holding": best and {k: best[k] for k in ("clients", "throughput_rps", "p50_ms", "p99_ms")},
            "met": best is not None and all(s["errors"] == 0 for s in steps),
            "environment": common.environment(),
        }
    finally:
        _stop(server)


def soak(options: common.Options) -> dict[str, Any]:
    """One rate (BENCH_SOAK_CLIENTS, default 4) for ``--seconds`` (BENCH_LOAD_SOAK_SECONDS,
    default 180): RSS of the gunicorn master and each worker, first minute vs last minute
    (first vs last third when the run is shorter than three minutes)."""
    world, env = _setup()
    seconds = options.seconds or SOAK_SECONDS
    window = min(SOAK_WINDOW, seconds / 3)
    clients = int(os.environ.get("BENCH_SOAK_CLIENTS", "4"))
    port = _free_port()
    server = _start_gunicorn(env, port)
    samples: dict[int, list[tuple[float, int]]] = {}
    t0 = time.monotonic()

    def sample() -> None:
        for pid in [server.pid, *_children(server.pid), os.getpid()]:
            samples.setdefault(pid, []).append((time.monotonic() - t0, _rss_kib(pid)))

    try:
        _drive(port, world, 2, 10, options.seed, 0)  # warm-up before the first sample
        t0 = time.monotonic()
        result = _drive(port, world, clients, seconds, options.seed, 0, sample=sample)
    finally:
        _stop(server)
    processes: list[dict[str, Any]] = []
    for pid, points in samples.items():
        first = [rss for t, rss in points if t <= window] or [points[0][1]]
        last = [rss for t, rss in points if t >= seconds - window] or [points[-1][1]]
        start_mib, end_mib = sum(first) / len(first) / 1024, sum(last) / len(last) / 1024
        role = (
            "load generator" if pid == os.getpid() else ("gunicorn master" if pid == server.pid else "gunicorn worker")
        )
        processes.append(
            {
                "pid": pid,
                "role": role,
                "rss_start_mib": round(start_mib, 1),
                "rss_end_mib": round(end_mib, 1),
                "end_over_start": round(end_mib / start_mib, 3) if start_mib else None,
            }
        )
    stable = all(p["end_over_start"] is not None and p["end_over_start"] < 1.10 for p in processes)
    return {
        "soak": result,
        "seconds": seconds,
        "rss_window_s": window,
        "processes": processes,
        "rss_stable": stable,
        "met": stable and result["errors"] == 0,
        "environment": common.environment(),
    }
