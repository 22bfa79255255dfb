"""A simulated ADMS push clock: the HTTP client a ZKTeco-family clock runs against `/iclock/`.

    clock = PushClock("http://127.0.0.1:8000", serial="CKPG201260001", protocol="push2")
    clock.handshake()            # GET /iclock/cdata?SN=..&options=all&pushver=2.4.1
    clock.punch("7")             # a record in the clock's local time, queued
    clock.push()                 # POST /iclock/cdata?table=ATTLOG; drops what the server acknowledged
    clock.poll()                 # GET /iclock/getrequest, runs the commands, POST /iclock/devicecmd

It behaves as firmware does where that matters to a server (docs/DEVICES.md "Push clock
simulator"):

- Local time. A clock keeps naive wall time and sets it from the handshake's `TimeZone`
  (hours, or minutes when its magnitude is above 14, as the 2.4.2 spec gives half-hour
  zones: 330 for +05:30). Before a handshake it uses the zone it was built with. The
  offset stays fixed until the next handshake, as on a real clock (no DST rules inside).
- The log is a queue: a record leaves it only when the server acknowledged it. `OK: N`
  acknowledges the first N lines of the batch; any other answer (a 503, a dropped
  connection, an HTML error page) acknowledges nothing and the batch is sent again.
- Push 2.x: handshake, `table=ATTLOG` batches of tab-separated lines (PIN, time, status,
  verify, workcode, two reserved columns) with `Stamp` = the ZK packed time of the newest
  line, getrequest polling and `ID=..&Return=..&CMD=..` command replies.
- Push 3.x ("Security PUSH" 3.1.x): `POST /iclock/registry` with the clock's
  comma-separated capabilities (answered `RegistryCode=..`), `POST /iclock/push` for the
  configuration (`SessionID`, `TimeoutSec`, `TransTables`...), then the same handshake and
  punches as `table=rtlog` records of `key=value` fields.

No Django here: the benchmarks run hundreds of these in a plain process.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

PROTOCOLS = ("push2", "push3")
PUSHVER = {"push2": "2.4.1", "push3": "3.1.2"}
TIMEZONE_HOURS_LIMIT = 14  # |TimeZone| up to 14 is hours (UTC-12..UTC+14); above, minutes
NOT_SUPPORTED = -1002  # the simulator's answer to a command it does not know


class PushError(Exception):
    """The server did not answer as the protocol expects (status, body or transport)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PushRecord:
    """One attendance record as the clock stores it: naive local time, whole seconds."""

    pin: str
    local_time: datetime
    status: int = 0  # the punch state: 0 in, 1 out, 2 break-out, 3 break-in, 4 OT-in, 5 OT-out
    verify: int = 1  # 0 password, 1 fingerprint, 2 card, 15 face
    workcode: int = 0
    utc: datetime | None = None  # the real instant it was taken (what the server must store)

    def attlog_line(self) -> str:
        return f"{self.pin}\t{self.local_time:%Y-%m-%d %H:%M:%S}\t{self.status}\t{self.verify}\t{self.workcode}\t0\t0\n"

    def rtlog_line(self, index: int) -> str:
        fields = [
            ("time", f"{self.local_time:%Y-%m-%d %H:%M:%S}"),
            ("pin", self.pin),
            ("cardno", "0"),
            ("sitecode", "0"),
            ("linkid", "0"),
            ("eventaddr", "1"),
            ("event", "0"),
            ("inoutstatus", str(self.status)),
            ("verifytype", str(self.verify)),
            ("index", str(index)),
        ]
        return "\t".join(f"{k}={v}" for k, v in fields) + "\n"


@dataclass
class Answer:
    status: int
    body: str
    seconds: float


@dataclass
class Stats:
    """What the clock saw: for the benchmarks and the command's summary."""

    requests: int = 0
    uploads: int = 0
    recorded: int = 0  # records taken
    acknowledged: int = 0  # records the server acknowledged (and the clock deleted)
    short_acks: int = 0  # answers that acknowledged fewer lines than sent
    errors: list[str] = field(default_factory=list)
    upload_seconds: list[float] = field(default_factory=list)
    poll_seconds: list[float] = field(default_factory=list)
    commands: int = 0


def encode_zk_time(when: datetime) -> int:
    """ZKTeco's packed time (31-day months, 12-month years since 2000): the ATTLOG `Stamp`."""
    days = ((when.year - 2000) * 12 + (when.month - 1)) * 31 + when.day - 1
    return ((days * 24 + when.hour) * 60 + when.minute) * 60 + when.second


def timezone_offset(value: str) -> timedelta | None:
    """The handshake's `TimeZone` as an offset: hours, or minutes beyond ±14 (`330` = +05:30)."""
    try:
        number = int(value.strip())
    except ValueError:
        return None
    if abs(number) <= TIMEZONE_HOURS_LIMIT:
        return timedelta(hours=number)
    return timedelta(minutes=number)


def parse_options(body: str) -> dict[str, str]:
    """`Key=Value` lines (or comma-separated pairs, as some 3.x replies have)."""
    options: dict[str, str] = {}
    for line in body.replace("\r", "").split("\n"):
        for part in line.split(",") if line.count("=") > 1 else [line]:
            key, sep, value = part.partition("=")
            if sep and key.strip():
                options[key.strip()] = value.strip()
    return options


def parse_ack(body: str) -> int | None:
    """`OK: N` -> N; a bare `OK` -> None (everything); anything else raises."""
    text = body.strip()
    if text == "OK":
        return None
    if text.startswith("OK:"):
        try:
            return int(text[3:].strip())
        except ValueError:
            pass
    raise PushError(f"not an acknowledgement: {text[:80]!r}")


class PushClock:
    """One push clock. Not thread-safe by itself: one thread drives it (its loop or a test)."""

    def __init__(
        self,
        base_url: str,
        *,
        serial: str,
        protocol: str = "push2",
        tz: str = "UTC",
        device_name: str = "SpeedFace-V5L",
        firmware: str = "ZAM180-NF-Ver1.0.0",
        batch_size: int = 100,
        timeout: float = 30.0,
        keep_alive: bool = False,
        now: Callable[[], datetime] | None = None,
        host_header: str | None = None,
    ) -> None:
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.host_header = host_header or parts.netloc
        self.serial = serial
        self.protocol = protocol
        self.zone: tzinfo = ZoneInfo(tz)
        self.offset: timedelta | None = None  # from the handshake's TimeZone; None: use `zone`
        self.device_name = device_name
        self.firmware = firmware
        self.batch_size = max(1, batch_size)
        self.timeout = timeout
        self.keep_alive = keep_alive
        self._now = now or (lambda: datetime.now(UTC))
        self.options: dict[str, str] = {}
        self.registry_code: str | None = None
        self.session_id: str | None = None
        self.queue: list[PushRecord] = []
        self.index = 0  # rtlog record index (3.x)
        self.stamp = 0  # ATTLOG Stamp (2.x)
        self.last_by_pin: dict[str, datetime] = {}
        self.results: list[str] = []  # devicecmd bodies sent, newest last
        self.stats = Stats()
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()  # the queue: a command's punch thread and the pusher

    # --- transport -----------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self._conn = cls(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, query: dict[str, str], body: str | None = None) -> Answer:
        """One HTTP exchange, as the firmware sends it (text/plain, `Connection: close`
        unless keep-alive). Raises PushError on a transport failure; any status is returned."""
        url = f"{self.prefix}{path}?{urlencode(query)}"
        headers = {
            "Host": self.host_header,
            "User-Agent": "iClock Proxy/1.09",
            "Accept": "*/*",
            "Connection": "keep-alive" if self.keep_alive else "close",
        }
        data = None
        if body is not None:
            data = body.encode()
            headers["Content-Type"] = "text/plain"
            headers["Content-Length"] = str(len(data))
        self.stats.requests += 1
        started = time.perf_counter()
        try:
            conn = self._connection()
            conn.request(method, url, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise PushError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        finally:
            if not self.keep_alive:
                self.close()
        return Answer(status, text, time.perf_counter() - started)

    def _expect_ok(self, answer: Answer, what: str) -> Answer:
        if answer.status != 200:
            raise PushError(f"{what}: HTTP {answer.status} {answer.body[:120]!r}", status=answer.status)
        return answer

    # --- clock ---------------------------------------------------------------------

    def local_now(self) -> datetime:
        """The clock's wall time: UTC plus the handshake's offset (else the zone's), whole seconds."""
        utc = self._now().astimezone(UTC).replace(microsecond=0)
        if self.offset is not None:
            return (utc + self.offset).replace(tzinfo=None)
        return utc.astimezone(self.zone).replace(tzinfo=None)

    def punch(self, pin: str, *, status: int = 0, verify: int = 1, workcode: int = 0) -> PushRecord:
        """A user punches now. A clock stores one record per user and second: a second punch in
        the same second is taken at the next one (the bench punches faster than people do)."""
        with self._lock:
            local = self.local_now()
            last = self.last_by_pin.get(pin)
            if last is not None and local <= last:
                local = last + timedelta(seconds=1)
            self.last_by_pin[pin] = local
            utc = self._utc_for(local)
            record = PushRecord(pin=pin, local_time=local, status=status, verify=verify, workcode=workcode, utc=utc)
            self.queue.append(record)
            self.stats.recorded += 1
        return record

    def _utc_for(self, local: datetime) -> datetime:
        if self.offset is not None:
            return (local - self.offset).replace(tzinfo=UTC)
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    # --- protocol ------------------------------------------------------------------

    def register(self) -> str:
        """Push 3.x: `POST /iclock/registry` with the clock's capabilities -> RegistryCode."""
        body = ",".join(
            [
                "DeviceType=acc",
                f"~DeviceName={self.device_name}",
                f"FirmVer={self.firmware}",
                f"PushVersion={PUSHVER['push3']}",
                "CommType=ethernet",
                "MaxPackageSize=2048000",
                "LockCount=1",
                "ReaderCount=2",
                "AuxInCount=1",
                "AuxOutCount=1",
                "MachineType=101",
                "~IsOnlyRFMachine=0",
                "~MaxUserCount=10000",
                "~MaxAttLogCount=100000",
                "MultiBioDataSupport=0:1:1:0:0:0:0:1:1:1",
            ]
        )
        answer = self._expect_ok(self.request("POST", "/iclock/registry", {"SN": self.serial}, body), "registry")
        code = parse_options(answer.body).get("RegistryCode")
        if not code:
            raise PushError(f"registry: no RegistryCode in {answer.body[:120]!r}")
        self.registry_code = code
        pushed = self._expect_ok(self.request("POST", "/iclock/push", {"SN": self.serial}, ""), "push")
        config = parse_options(pushed.body)
        self.session_id = config.get("SessionID") or self.session_id
        self._take_options(config)
        return code

    def handshake(self) -> dict[str, str]:
        """`GET /iclock/cdata?options=all`: the server's options (3.x registers first, once)."""
        if self.protocol == "push3" and self.registry_code is None:
            self.register()
        query = {"SN": self.serial, "options": "all", "pushver": PUSHVER[self.protocol], "language": "69"}
        if self.protocol == "push3":
            query["DeviceType"] = "acc"
        answer = self._expect_ok(self.request("GET", "/iclock/cdata", query), "handshake")
        options = parse_options(answer.body)
        self._take_options(options)
        return self.options

    def _take_options(self, options: dict[str, str]) -> None:
        self.options.update(options)
        if "TimeZone" in options:
            offset = timezone_offset(options["TimeZone"])
            if offset is not None:
                self.offset = offset

    def push(self) -> int:
        """Upload the queue in batches; returns how many records the server acknowledged.
        Stops at the first failed batch (raising PushError); the unacknowledged stay queued."""
        done = 0
        while True:
            with self._lock:
                batch = self.queue[: self.batch_size]
            if not batch:
                return done
            done += self._upload(batch)

    def _upload(self, batch: Sequence[PushRecord]) -> int:
        if self.protocol == "push3":
            body = "".join(r.rtlog_line(self.index + n + 1) for n, r in enumerate(batch))
            query = {"SN": self.serial, "table": "rtlog"}
        else:
            body = "".join(r.attlog_line() for r in batch)
            # The newest record sent so far: a clock's stamp never moves backwards.
            self.stamp = max(self.stamp, *(encode_zk_time(r.local_time) for r in batch))
            query = {"SN": self.serial, "table": "ATTLOG", "Stamp": str(self.stamp)}
        self.stats.uploads += 1
        try:
            answer = self.request("POST", "/iclock/cdata", query, body)
        except PushError as exc:
            self.stats.errors.append(str(exc))
            raise
        self.stats.upload_seconds.append(answer.seconds)
        try:
            self._expect_ok(answer, "upload")
            acked = parse_ack(answer.body)
        except PushError as exc:
            self.stats.errors.append(str(exc))
            raise
        count = len(batch) if acked is None else max(0, min(acked, len(batch)))
        if count < len(batch):
            self.stats.short_acks += 1
        with self._lock:
            del self.queue[:count]
        if self.protocol == "push3":
            self.index += count
        self.stats.acknowledged += count
        if count == 0:
            self.stats.errors.append(f"upload: nothing acknowledged ({answer.body.strip()[:80]!r})")
            raise PushError(f"upload: nothing acknowledged ({answer.body.strip()[:80]!r})", status=answer.status)
        return count

    def ping(self) -> None:
        self._expect_ok(self.request("GET", "/iclock/ping", {"SN": self.serial}), "ping")

    def poll(self) -> list[tuple[int, str, int]]:
        """`GET /iclock/getrequest`, run each `C:<id>:<command>`, report the results in one
        `POST /iclock/devicecmd`. Returns (id, command, return code) per command run."""
        answer = self.request("GET", "/iclock/getrequest", {"SN": self.serial})
        self.stats.poll_seconds.append(answer.seconds)
        self._expect_ok(answer, "getrequest")
        done: list[tuple[int, str, int]] = []
        replies: list[str] = []
        for line in answer.body.replace("\r", "").split("\n"):
            if not line.startswith("C:"):
                continue
            _c, ident, command = line.split(":", 2)
            if not ident.strip().isdigit():
                continue
            code, extra = self.execute(command.strip())
            name = command.strip().split(" ", 1)[0]
            replies.append(f"ID={ident.strip()}&Return={code}&CMD={name}\n" + "".join(f"{x}\n" for x in extra))
            done.append((int(ident), command.strip(), code))
        if replies:
            body = "".join(replies)
            self._expect_ok(self.request("POST", "/iclock/devicecmd", {"SN": self.serial}, body), "devicecmd")
            self.results.append(body)
            self.stats.commands += len(done)
        return done

    def execute(self, command: str) -> tuple[int, list[str]]:
        """A command from the server: (return code, extra reply lines)."""
        verb = command.split(" ", 1)[0].upper()
        if verb == "INFO":
            with self._lock:
                queued = len(self.queue)
            return 0, [
                f"~DeviceName={self.device_name}",
                f"FWVersion={self.firmware}",
                f"~SerialNumber={self.serial}",
                f"TransactionCount={queued}",
                f"PushVersion={PUSHVER[self.protocol]}",
            ]
        if verb == "CHECK":
            self.handshake()
            return 0, []
        if verb in ("REBOOT", "CLEAR", "LOG", "SET", "RELOAD"):
            return 0, []
        if verb == "DATA" and command.upper().startswith("DATA QUERY ATTLOG"):
            return 0, []  # the queue is sent on the next upload anyway
        return NOT_SUPPORTED, []

    # --- the loop the management command and the benchmarks run ----------------------

    def run(
        self,
        stop: threading.Event,
        *,
        pins: Sequence[str],
        every: float,
        poll_every: float | None = None,
        error_delay: float | None = None,
        on_punch: Callable[[PushRecord], None] | None = None,
        on_error: Callable[[str], None] | None = None,
        rng: Callable[[Sequence[str]], str] | None = None,
        batch_punches: Iterable[int] | None = None,
    ) -> None:
        """Until `stop`: a punch every `every` seconds (0: none), pushed at once (Realtime=1);
        getrequest every `poll_every` (default: the server's Delay); after a failure, wait
        `error_delay` (default: the server's ErrorDelay) and handshake again."""
        pick = rng or random.Random(self.serial).choice  # noqa: S311 (which demo user punches)
        sizes = iter(batch_punches) if batch_punches is not None else None
        state: dict[str, int] = {}
        ready = False
        next_punch = time.monotonic() + every if every > 0 else None
        next_poll = time.monotonic()
        while not stop.is_set():
            try:
                if not ready:
                    self.handshake()
                    ready = True
                now = time.monotonic()
                if next_punch is not None and now >= next_punch:
                    next_punch += every
                    for _ in range(next(sizes, 1) if sizes is not None else 1):
                        pin = pick(pins)
                        punch_state = 1 if state.get(pin, 1) == 0 else 0  # in/out alternate per user
                        state[pin] = punch_state
                        record = self.punch(pin, status=punch_state)
                        if on_punch is not None:
                            on_punch(record)
                    self.push()
                if now >= next_poll:
                    next_poll = now + (
                        poll_every if poll_every is not None else float(self.options.get("Delay", "10") or 10)
                    )
                    self.poll()
            except PushError as exc:
                if on_error is not None:
                    on_error(str(exc))
                ready = False
                delay = error_delay if error_delay is not None else float(self.options.get("ErrorDelay", "30") or 30)
                stop.wait(delay)
                continue
            waits = [t - time.monotonic() for t in (next_punch, next_poll) if t is not None]
            stop.wait(max(0.0, min([0.5, *waits])))
