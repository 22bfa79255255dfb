"""Run a simulated ZK time clock (identiX K20 by default) in the foreground.

    python manage.py run_device_simulator --port 4370 --udp --users 50 --punch-every 20

`--punch-every` makes a random user punch every N seconds (in/out alternating per user),
which is how the embedded demo shows punches flowing from a clock. Without `--users` the
clock holds the employees that have a device user id (the demo company's, after
`seed_demo`), so its punches map to them. Device times are naive
local times in `--tz` (default: settings.TIME_ZONE), as a real clock's would be.

With `--push URL` it is a push (ADMS) clock instead, calling etime at URL:

    python manage.py run_device_simulator --push http://127.0.0.1:8000 --serial CKPG201260001 \
        --protocol push2 --users 20 --rate 0.5

It handshakes (push3: registers first), punches `--rate` times a second, uploads each
punch at once, polls for commands every `Delay` seconds and answers them; the device
must be registered in etime (protocol ADMS, that serial, a network it may push from).
Its clock follows the handshake's TimeZone (`--tz` until then). See devices/simulator/push.py.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devices.simulator import PROFILES, Simulator
from devices.simulator.model import UserRecord, default_users, random_history, workday_history
from devices.simulator.push import PROTOCOLS, PushClock, PushError, PushRecord

PUNCH_LABELS = {0: "in", 1: "out", 2: "break-out", 3: "break-in", 4: "overtime-in", 5: "overtime-out"}
DEMO_USERS = 51  # the demo company (accounts.demo) has 51 employees, device user ids "1".."51"


def employee_users(limit: int = 500) -> list[UserRecord]:
    """The employees with a device user id, enrolled as a clock would hold them (name cut to
    the 24 bytes a record has, numeric cards only); [] without a usable database."""
    from django.db import DatabaseError, connection

    try:
        from accounts.models import Employee

        rows = list(
            Employee.objects.exclude(device_user_id__isnull=True)
            .exclude(device_user_id="")
            .order_by("code")
            .values_list("device_user_id", "first_name", "last_name", "card_number")[:limit]
        )
    except DatabaseError:
        return []
    finally:
        if not connection.in_atomic_block:
            connection.close()  # a long-running simulator must not hold the (SQLite) database open
    users = []
    for uid, (user_id, first, last, card) in enumerate(rows, start=1):
        name = f"{first} {last}".strip().encode()[:24].decode(errors="ignore")
        number = int(card) if card and card.isdigit() and int(card) < 2**32 else 0
        users.append(UserRecord(uid=uid, user_id=str(user_id)[:24], name=name, card=number))
    return users


class Command(BaseCommand):
    help = "Run a simulated ZK time clock (TCP, optionally UDP) that pyzk and other ZK clients can talk to."
    requires_system_checks: list[str] = []  # a demo clock needs neither the database nor the checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=4370, help="TCP port, 0 for any free one (default 4370)")
        parser.add_argument("--udp", action="store_true", help="also answer ZK over UDP on the same port")
        parser.add_argument("--comm-key", type=int, default=0, help="comm key (communication password); 0 = none")
        parser.add_argument(
            "--users",
            type=int,
            default=None,
            help="enrol users '1'..'N' named 'Demo User N' (default: the employees that have a device user id, "
            f"when the database has any, else {DEMO_USERS})",
        )
        parser.add_argument("--punches", type=int, default=0, help="seed N random past punches over --seed-days")
        parser.add_argument(
            "--seed-days",
            type=float,
            default=0,
            help="seed weekday in/out punches for the last N days (with --punches: spread those over N days)",
        )
        parser.add_argument("--punch-every", type=float, default=0, help="a random user punches every N seconds")
        parser.add_argument("--tz", default=None, help="the device clock's time zone (default: settings.TIME_ZONE)")
        parser.add_argument("--latency-ms", type=float, default=0, help="delay before every reply packet")
        parser.add_argument(
            "--fault",
            action="append",
            default=[],
            metavar="SPEC",
            help="inject a fault (repeatable): drop:mid, stall:mid, reboot:after=N,down=S, late_punch, "
            "slow:ms=MS, skew:seconds=S, reject_key; see docs/DEVICES.md",
        )
        parser.add_argument("--profile", default="identix_k20", choices=sorted(PROFILES))
        parser.add_argument("--serial", default=None)
        parser.add_argument("--seed", type=int, default=0, help="random seed (users, history, punches)")
        parser.add_argument("--reboot-seconds", type=float, default=10.0, help="downtime after CMD_RESTART")
        parser.add_argument("--duration", type=float, default=0, help="stop after N seconds (0 = until Ctrl-C)")
        parser.add_argument(
            "--push",
            default=None,
            metavar="URL",
            help="be a push (ADMS) clock calling etime at URL (e.g. http://127.0.0.1:8000) instead of a ZK server",
        )
        parser.add_argument("--protocol", default="push2", choices=PROTOCOLS, help="with --push: push 2.4 or 3.x")
        parser.add_argument("--rate", type=float, default=None, help="with --push: punches per second (default 0.05)")
        parser.add_argument(
            "--error-delay",
            type=float,
            default=None,
            help="with --push: seconds to wait after a failed call (default: the server's ErrorDelay)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        tz = opts["tz"] or settings.TIME_ZONE
        users = default_users(max(0, opts["users"])) if opts["users"] is not None else None
        if users is None:
            users = employee_users() or default_users(DEMO_USERS)
        if opts["push"]:
            self._push(opts, tz, users)
            return
        try:
            sim = Simulator(
                host=opts["host"],
                tcp_port=opts["port"],
                udp=opts["udp"],
                users=users,
                comm_key=opts["comm_key"],
                profile=opts["profile"],
                tz=tz,
                latency=opts["latency_ms"] / 1000,
                faults=opts["fault"],
                serial=opts["serial"],
                seed=opts["seed"],
                reboot_seconds=opts["reboot_seconds"],
                poweroff_seconds=opts["reboot_seconds"],
            )
        except (ValueError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        # Not security relevant: which demo user punches next.
        rng = random.Random(opts["seed"])  # noqa: S311
        now = sim.device_time()
        if opts["punches"]:
            sim.state.extend(random_history(users, opts["punches"], now, opts["seed_days"] or 7, rng))
        elif opts["seed_days"]:
            sim.state.extend(workday_history(users, now, int(opts["seed_days"]), rng))
        logger = logging.getLogger("devices.simulator")
        handler: logging.Handler | None = None
        if opts["verbosity"] >= 2:
            handler = logging.StreamHandler(self.stdout)
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)

        try:
            sim.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {opts['host']}:{opts['port']}: {exc}") from exc
        stop = threading.Event()
        previous = self._on_sigterm(stop)
        try:
            self._banner(sim, tz, opts)
            self._run(sim, stop, rng, opts["punch_every"], opts["duration"])
        except KeyboardInterrupt:
            pass
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            sim.stop()
            if handler is not None:
                logger.removeHandler(handler)
            self.stdout.write("simulator stopped")

    def _on_sigterm(self, stop: threading.Event) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum: int, frame: FrameType | None) -> None:
            stop.set()

        return signal.signal(signal.SIGTERM, handler)

    def _banner(self, sim: Simulator, tz: str, opts: dict[str, Any]) -> None:
        prof = sim.profile
        where = f"tcp://{sim.host}:{sim.tcp_port}" + (f" and udp://{sim.host}:{sim.udp_port}" if opts["udp"] else "")
        self.stdout.write(
            f"Simulated {prof.device_name} ({prof.name}, serial {sim.state.serial}, {prof.firmware}) "
            f"listening on {where}"
        )
        users = sim.users
        ids = f"'{users[0].user_id}'..'{users[-1].user_id}'" if users else "none"
        self.stdout.write(
            f"{len(users)} users ({ids}), {sim.state.record_count} records, comm key "
            f"{'set' if opts['comm_key'] else 'none'}, device time {sim.device_time():%Y-%m-%d %H:%M:%S} ({tz})"
        )
        if opts["fault"] or opts["latency_ms"]:
            self.stdout.write(
                f"faults: {', '.join(opts['fault']) or '-'}; latency {opts['latency_ms']:g} ms per packet"
            )
        self.stdout.flush()

    def _run(self, sim: Simulator, stop: threading.Event, rng: random.Random, every: float, duration: float) -> None:
        started = time.monotonic()
        next_punch = started + every if every > 0 else None
        last: dict[str, int] = {r.user_id: r.punch for r in sim.records}
        while not stop.is_set():
            now = time.monotonic()
            if duration and now - started >= duration:
                return
            if next_punch is not None and now >= next_punch:
                next_punch += every
                users = sim.users
                if users:
                    user = rng.choice(users)
                    punch = 1 if last.get(user.user_id, 1) == 0 else 0  # alternate in/out
                    last[user.user_id] = punch
                    rec = sim.add_punch(user.user_id, punch=punch)
                    queued = "" if sim.is_enabled else " (queued: the device is locked by a client)"
                    self.stdout.write(
                        f"punch: user {rec.user_id} ({user.name}) {PUNCH_LABELS.get(punch, punch)} at "
                        f"{rec.timestamp:%Y-%m-%d %H:%M:%S}{queued}"
                    )
                    self.stdout.flush()
            wait = 0.2 if next_punch is None else max(0.0, min(0.2, next_punch - time.monotonic()))
            stop.wait(wait)

    def _push(self, opts: dict[str, Any], tz: str, users: list[UserRecord]) -> None:
        """A push clock until --duration, Ctrl-C or SIGTERM; then it uploads what is left."""
        if not opts["serial"]:
            raise CommandError("--push needs --serial: the serial number the device is registered with in etime")
        rate = opts["rate"] if opts["rate"] is not None else (1 / opts["punch_every"] if opts["punch_every"] else 0.05)
        if rate < 0 or not users:
            raise CommandError("--rate must be >= 0 and the clock needs at least one user")
        try:
            clock = PushClock(opts["push"], serial=opts["serial"], protocol=opts["protocol"], tz=tz)
        except (ValueError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Simulated push clock {clock.serial} ({clock.protocol}) calling {opts['push']}; {len(users)} users, "
            f"{rate:g} punches/s, clock zone {tz} until the handshake"
        )
        self.stdout.flush()
        names = {u.user_id: u.name for u in users}

        def punched(record: PushRecord) -> None:
            self.stdout.write(
                f"punch: user {record.pin} ({names.get(record.pin, '')}) {PUNCH_LABELS.get(record.status, record.status)}"
                f" at {record.local_time:%Y-%m-%d %H:%M:%S}"
            )
            self.stdout.flush()

        def failed(message: str) -> None:
            self.stderr.write(f"push clock: {message}")

        stop = threading.Event()
        previous = self._on_sigterm(stop)
        timer = threading.Timer(opts["duration"], stop.set) if opts["duration"] else None
        rng = random.Random(opts["seed"] or clock.serial)  # noqa: S311 (which demo user punches)
        try:
            if timer is not None:
                timer.start()
            clock.run(
                stop,
                pins=[u.user_id for u in users],
                every=1 / rate if rate else 0,
                rng=rng.choice,
                error_delay=opts["error_delay"],
                on_punch=punched,
                on_error=failed,
            )
        except KeyboardInterrupt:
            pass
        finally:
            if timer is not None:
                timer.cancel()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            try:
                clock.push()
            except PushError as exc:
                failed(f"last upload failed: {exc}")
            clock.close()
        stats = clock.stats
        self.stdout.write(
            f"push clock stopped: {stats.recorded} punches, {stats.acknowledged} acknowledged, "
            f"{len(clock.queue)} waiting, {stats.commands} commands answered, {len(stats.errors)} failed calls"
        )
