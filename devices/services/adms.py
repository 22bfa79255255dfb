"""ADMS push ("iclock"): newer ZKTeco clocks call etime over HTTP (docs/ZK_PROTOCOL.md §13).

The device is the client: it fetches its options (`GET /iclock/cdata`), uploads its log
(`POST /iclock/cdata?table=ATTLOG`), polls for commands (`GET /iclock/getrequest`) and
reports their results (`POST /iclock/devicecmd`). Only devices registered with protocol
`adms`, enabled, and known by serial number are served, and only from the networks the
device may push from (Device.push_allows, checked by the views). Uploads go through the
same punches_ingest as polled logs (source `adms`), so a device re-sending a batch (it
does, whenever it missed our "OK") stores nothing twice.

Trust (docs/SECURITY.md "ADMS push"): the serial number is no secret, so besides the
network rule, commands that carry secrets go only to network-restricted clocks, the
ATTLOG stamp we hand back never moves backwards nor past the newest stored record by more
than a margin, and a result is recorded only for a command that was handed out.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext

from attendance.models import Punch, PunchDirection, PunchSource
from attendance.services import PunchInput, punches_ingest
from devices import conf
from devices.models import (
    AdmsCommand,
    AdmsCommandStatus,
    Device,
    DeviceStatus,
    Protocol,
    PushKnock,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from devices.services.sync import DIRECTIONS, to_utc
from etime.core import audit
from etime.core.errors import ValidationFailed
from etime.core.queue import enqueue_on_commit

log = logging.getLogger("devices.adms")
MAX_PIN = 24
MAX_STAMP_DIGITS = 12
COMMANDS_PER_REQUEST = 10
_WHITESPACE_LINE = re.compile(r"^(\S+)\s+(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\s+(-?\d+))?(?:\s+(-?\d+))?")


def adms_device(serial: str) -> Device | None:
    """The enabled push device with this serial number, else None (the view answers 403)."""
    serial = (serial or "").strip()
    if not serial or "\x00" in serial:  # no device has one; PostgreSQL refuses NUL in a query
        return None
    return Device.objects.filter(serial_number=serial, protocol=Protocol.ADMS, enabled=True).first()


def adms_contact(device: Device, **extra: Any) -> None:
    """The device called: it is online (and an offline alert, if any, is over)."""
    fields: dict[str, Any] = {"last_contact_at": timezone.now(), "status": DeviceStatus.ONLINE, "alerted_at": None,
                              "failing_since": None, "last_error_code": "", "last_error": "", **extra}  # fmt: skip
    Device.objects.filter(pk=device.pk).update(**fields)


def adms_options(device: Device) -> str:
    """The handshake answer: where to resume (the last ATTLOG stamp we acknowledged) and how to push."""
    offset = timezone.now().astimezone(ZoneInfo(device.time_zone)).utcoffset()
    hours = round(offset.total_seconds() / 3600) if offset is not None else 0
    stamp = device.watermark_record or "None"
    return "\n".join([
        f"GET OPTION FROM: {device.serial_number}",
        f"ATTLOGStamp={stamp}",
        "OPERLOGStamp=9999",
        "ATTPHOTOStamp=None",
        "ErrorDelay=30",
        "Delay=10",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransFlag=TransData AttLog",
        f"TimeZone={hours}",
        "Realtime=1",
        "Encrypt=None",
    ]) + "\n"  # fmt: skip


@dataclass(frozen=True)
class AttlogLine:
    pin: str
    timestamp: datetime  # naive device-local
    status: int | None  # ADMS "status" = the punch state (in/out), pyzk's `punch`
    verify: int | None


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if re.fullmatch(r"-?\d+", value) else None


def parse_attlog(body: str) -> tuple[list[AttlogLine], list[str]]:
    """ATTLOG lines: `PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>status<TAB>verify<TAB>workcode...`
    (some firmware pads with spaces). Returns the parsed lines and the ones that are not."""
    parsed: list[AttlogLine] = []
    bad: list[str] = []
    for raw in body.splitlines():
        line = raw.strip("\r\n")
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) < 2:
            match = _WHITESPACE_LINE.match(line.strip())
            fields = [g or "" for g in match.groups()] if match else []
        try:
            pin, when = fields[0], datetime.strptime(fields[1], "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 (device-local)
        except (IndexError, ValueError):
            bad.append(line[:200])
            continue
        if not pin or len(pin) > MAX_PIN:
            bad.append(line[:200])
            continue
        parsed.append(AttlogLine(pin, when, _int(fields[2] if len(fields) > 2 else None),
                                 _int(fields[3] if len(fields) > 3 else None)))  # fmt: skip
    return parsed, bad


def adms_upload_attlog(*, device: Device, body: str, stamp: str = "") -> SyncRun:
    """Store an ATTLOG upload (idempotently) and record it as a sync run (trigger `adms`)."""
    lines, bad = parse_attlog(body)
    zone = ZoneInfo(device.time_zone)
    inputs = [
        PunchInput(device_user_id=ln.pin, timestamp=to_utc(ln.timestamp, zone),
                   direction=DIRECTIONS.get(ln.status, PunchDirection.UNKNOWN) if ln.status is not None else PunchDirection.UNKNOWN,
                   raw_state=ln.status, verify_mode=ln.verify)  # fmt: skip
        for ln in lines
    ]
    started = timezone.now()
    try:
        result = punches_ingest(device_id=device.pk, records=inputs, source=PunchSource.ADMS)
    except Exception as exc:
        SyncRun.objects.create(device=device, trigger=SyncTrigger.ADMS, status=SyncStatus.FAILED, started_at=started,
                               finished_at=timezone.now(), fetched=len(lines) + len(bad), error_code="internal_error",
                               error=f"{type(exc).__name__}: {exc}"[:4000])  # fmt: skip
        raise
    now = timezone.now()
    extra: dict[str, Any] = {"last_success_at": now, "last_sync_at": now}
    notes = f"{len(bad)} lines not understood, e.g. {bad[0]!r}" if bad else ""
    accepted = adms_accepted_stamp(device=device, stamp=stamp)
    if accepted is not None:
        extra["watermark_record"] = accepted
    elif stamp:
        log.warning("ADMS stamp %r from %s not taken (kept %r)", stamp[:64], device.serial_number, device.watermark_record)
        notes = "; ".join(filter(None, [notes, f"Stamp {stamp[:64]!r} not taken (kept {device.watermark_record or 'None'!r})"]))
    adms_contact(device, **extra)
    return SyncRun.objects.create(
        device=device, trigger=SyncTrigger.ADMS, status=SyncStatus.SUCCEEDED, started_at=started, finished_at=now,
        fetched=len(lines) + len(bad), created=result.created, duplicates=result.duplicates, unmapped=result.unmapped,
        notes=notes,
    )  # fmt: skip


def decode_zk_time(value: int) -> datetime | None:
    """ZKTeco's packed time (the ADMS Stamp, the ZK protocol's record times): seconds in a
    calendar of 31-day months and 12-month years since 2000. None when it is no date."""
    second, value = value % 60, value // 60
    minute, value = value % 60, value // 60
    hour, value = value % 24, value // 24
    day, value = value % 31 + 1, value // 31
    month, value = value % 12 + 1, value // 12
    try:
        return datetime(value + 2000, month, day, hour, minute, second)  # noqa: DTZ001 (device-local)
    except ValueError:
        return None


def adms_accepted_stamp(*, device: Device, stamp: str) -> str | None:
    """The upload's Stamp if etime may hand it back as ATTLOGStamp, else None (keep the old).

    The clock uploads only records after the stamp it is told, so a stamp too far ahead
    makes it skip records we never stored. Taken only when it is a ZK packed time, not
    behind the one we hold, and not past the newest record stored for this clock (in the
    clock's zone) by more than ETIME_ADMS_STAMP_MARGIN_MINUTES."""
    stamp = (stamp or "").strip()
    if not re.fullmatch(rf"\d{{1,{MAX_STAMP_DIGITS}}}", stamp):
        return None
    current = (device.watermark_record or "").strip()
    if re.fullmatch(rf"\d{{1,{MAX_STAMP_DIGITS}}}", current) and int(stamp) < int(current):
        return None
    when = decode_zk_time(int(stamp))
    newest = Punch.objects.filter(device_id=device.pk).aggregate(newest=Max("timestamp"))["newest"]
    if when is None or newest is None:
        return None
    newest_local = newest.astimezone(ZoneInfo(device.time_zone)).replace(tzinfo=None)
    if when > newest_local + timedelta(minutes=conf.adms_stamp_margin_minutes()):
        return None
    return stamp


def adms_knock(*, serial: str, address: str) -> PushKnock | None:
    """An ADMS call with a serial no enabled push clock has (the view rate-limits them per
    address). Recorded once per serial (later calls count); the first one is audited and
    reported to admins ("a clock is knocking"), which is also how a new clock gets adopted.
    Returns the new knock, or None when the serial was seen before or not recorded."""
    serial = (serial or "").strip()
    if not serial or len(serial) > 64 or not serial.isprintable():
        return None
    try:
        ip: str | None = str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        ip = None
    now = timezone.now()
    with transaction.atomic():
        if PushKnock.objects.filter(serial_number=serial).update(last_seen_at=now, last_address=ip, calls=F("calls") + 1):
            return None
        if PushKnock.objects.filter(first_seen_at__gte=now - timedelta(hours=1)).count() >= conf.adms_new_knocks_per_hour():
            log.warning("ADMS unknown serial %r from %s not recorded: too many new serials this hour", serial, ip)
            return None
        knock, created = PushKnock.objects.get_or_create(
            serial_number=serial, defaults={"first_seen_at": now, "last_seen_at": now, "last_address": ip, "reported_at": now}
        )
        if not created:
            return None
        audit.record(actor=None, action="device.unknown_serial", obj=knock, after={"serial_number": serial, "address": ip})
        from devices.tasks import send_knock_alert

        enqueue_on_commit(send_knock_alert, knock.pk)
    return knock


def adms_next_commands(*, device: Device) -> list[AdmsCommand]:
    """Hand out queued commands (oldest first), each exactly once even if the device polls twice at once.

    A command that carries a secret (a keypad password, card number, template, comm key)
    waits while the clock may push from anywhere: whoever knows the serial would get it."""
    with transaction.atomic():
        queued = AdmsCommand.objects.select_for_update(skip_locked=True).filter(device=device, status=AdmsCommandStatus.QUEUED)
        if device.push_from_anywhere:
            queued = queued.filter(carries_secret=False)
        commands = list(queued.order_by("id")[:COMMANDS_PER_REQUEST])
        if commands:
            now = timezone.now()
            sent = AdmsCommand.objects.filter(pk__in=[c.pk for c in commands], status=AdmsCommandStatus.QUEUED)
            sent.update(status=AdmsCommandStatus.SENT, sent_at=now)
    return commands


def adms_command_results(*, device: Device, body: str) -> int:
    """`ID=<id>&Return=<code>&CMD=<name>` lines (plus any data lines after one); returns how
    many were recorded. Only a command handed out to this device (status `sent`) takes a
    result, once: a queued command cannot be marked done before the clock got it."""
    results: list[tuple[int, int | None, list[str]]] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        fields = dict(parse_qsl(line, keep_blank_values=True))
        if "ID" in fields and _int(fields["ID"]) is not None:
            results.append((int(fields["ID"]), _int(fields.get("Return")), [line]))
        elif results:
            results[-1][2].append(line)
    done = 0
    now = timezone.now()
    for command_id, code, text in results:
        status = AdmsCommandStatus.DONE if code is not None and code >= 0 else AdmsCommandStatus.FAILED
        done += AdmsCommand.objects.filter(pk=command_id, device=device, status=AdmsCommandStatus.SENT).update(
            status=status, return_code=code, result="\n".join(text)[:10000], completed_at=now
        )
    return done


def adms_command_queue(*, device: Device, command: str, actor: Any) -> AdmsCommand:
    """Queue a command for a push device (sent on its next heartbeat). Audited."""
    command = (command or "").strip()
    if device.protocol != Protocol.ADMS:
        raise ValidationFailed(gettext("Only push (ADMS) devices take queued commands."), details={"device": [gettext("Not an ADMS device.")]})
    if not command or "\n" in command or "\r" in command or len(command) > 500:
        raise ValidationFailed(gettext("A command is one line of 1 to 500 characters."), details={"command": [gettext("One line, 1-500 characters.")]})
    with transaction.atomic():
        queued = AdmsCommand.objects.create(
            device=device, command=command, created_by=actor if getattr(actor, "is_authenticated", False) else None
        )
        audit.record(actor=actor, action="device.command_queued", obj=device, after={"id": queued.pk, "command": command})
    return queued
