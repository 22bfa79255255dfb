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

import hashlib
import ipaddress
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
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
    PunchPhoto,
    PushKnock,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from devices.services.sync import DIRECTIONS, to_utc
from etime.core import audit
from etime.core.errors import ValidationFailed
from etime.core.types import Actor, actor_user

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
    fields: dict[str, Any] = {
        "last_contact_at": timezone.now(),
        "status": DeviceStatus.ONLINE,
        "alerted_at": None,
        "failing_since": None,
        "last_error_code": "",
        "last_error": "",
        **extra,
    }
    Device.objects.filter(pk=device.pk).update(**fields)


def adms_time_zone(zone: str, at: datetime) -> int:
    """The handshake's `TimeZone` for a clock in `zone` at the instant `at` (the offset in
    force then, DST included). Whole-hour offsets from -12 to +12 go in hours, as every
    firmware reads them; any other offset (+05:30, +05:45, -03:30, +13:00) in minutes, which
    the push protocol's firmware tells apart by size (|value| > 12 is minutes) — so no
    value is ever ambiguous (docs/DEVICE_INTEGRATION.md "Time zone")."""
    offset = at.astimezone(ZoneInfo(zone)).utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    if minutes % 60 == 0 and -12 <= minutes // 60 <= 12:
        return minutes // 60
    return minutes


def push_major_version(pushver: str) -> int:
    """2 for the Attendance PUSH protocol 2.x (and for clocks that say nothing), 3 for PUSH 3.x."""
    match = re.match(r"\s*(\d+)", pushver or "")
    return 3 if match and int(match.group(1)) >= 3 else 2


def adms_options(device: Device, *, pushver: str = "") -> str:
    """The handshake answer: where to resume (the last ATTLOG stamp we acknowledged), how to
    push, and the zone. A push 3.x clock gets the 3.x form (registry=ok and its code) once
    it registered; before that just `OK`, its cue to POST /iclock/registry."""
    tz = adms_time_zone(device.time_zone, timezone.now())
    if push_major_version(pushver or device.push_version) >= 3:
        if not device.push_registry_code:
            return "OK\n"
        return (
            "\n".join(["registry=ok", f"RegistryCode={device.push_registry_code}", *_push3_config(device, tz)]) + "\n"
        )
    stamp = device.watermark_record or "None"
    return (
        "\n".join(
            [
                f"GET OPTION FROM: {device.serial_number}",
                f"ATTLOGStamp={stamp}",
                "OPERLOGStamp=9999",
                "ATTPHOTOStamp=None",
                "ErrorDelay=30",
                "Delay=10",
                "TransTimes=00:00;14:05",
                "TransInterval=1",
                "TransFlag=TransData AttLog" + ("\tAttPhoto" if device.push_photos else ""),
                f"TimeZone={tz}",
                "Realtime=1",
                "Encrypt=None",
            ]
        )
        + "\n"
    )


PUSH3_SERVER_VERSION = "3.1.2"


def _push3_session(device: Device) -> str:
    return hashlib.sha256(f"etime-session:{device.pk}:{device.push_registry_code}".encode()).hexdigest()[:32]


def _push3_config(device: Device, tz: int) -> list[str]:
    return [
        f"ServerVersion={PUSH3_SERVER_VERSION}",
        "ServerName=etime",
        f"PushProtVer={PUSH3_SERVER_VERSION}",
        "ErrorDelay=30",
        "RequestDelay=10",
        "TransTimes=00:00;14:05",
        "TransInterval=1",
        "TransTables=User Transaction",
        "Realtime=1",
        f"SessionID={_push3_session(device)}",
        "TimeoutSec=10",
        f"TimeZone={tz}",
    ]


def adms_push_config(device: Device) -> str:
    """PUSH 3.x `/iclock/push`: the communication parameters (the 3.x options)."""
    return "\n".join(_push3_config(device, adms_time_zone(device.time_zone, timezone.now()))) + "\n"


_PUSH_VERSION = re.compile(r"[0-9][0-9A-Za-z.\-]*")
# Device parameters a 3.x clock reports at /iclock/registry, and where etime keeps them.
_REGISTRY_FIELDS = {"devicename": "reported_name", "firmver": "firmware", "mac": "mac", "platform": "platform"}


def adms_register(*, device: Device, body: str, pushver: str = "") -> str:
    """PUSH 3.x registration (`POST /iclock/registry`, a comma-separated key=value body):
    record what the clock says about itself and hand out its RegistryCode (the same one on
    every re-registration, so a clock that rebooted keeps it). Returns the code."""
    params: dict[str, str] = {}
    for item in re.split(r"[,\r\n]+", body or ""):
        key, sep, value = item.partition("=")
        if sep:
            params[key.strip().lstrip("~").lower()] = value.strip()
    fields: dict[str, Any] = {}
    for key, field_name in _REGISTRY_FIELDS.items():
        value = "".join(ch for ch in params.get(key, "") if ch.isprintable())  # PostgreSQL refuses NUL
        if value:
            fields[field_name] = value[: Device._meta.get_field(field_name).max_length]  # type: ignore[union-attr]
    versions = [v.strip()[:16] for v in (params.get("pushversion", ""), pushver or "")]
    version = next((v for v in versions if _PUSH_VERSION.fullmatch(v)), PUSH3_SERVER_VERSION)
    code = device.push_registry_code or secrets.token_hex(16)
    with transaction.atomic():
        # Two registrations at once both keep the first code written.
        Device.objects.filter(pk=device.pk, push_registry_code="").update(push_registry_code=code)
        device.push_registry_code = Device.objects.values_list("push_registry_code", flat=True).get(pk=device.pk)
        adms_contact(device, push_version=version, **fields)
    device.push_version = version
    return device.push_registry_code


def adms_note_version(device: Device, pushver: str) -> None:
    """Remember the push version a clock announced in its handshake (it picks our answer's form)."""
    pushver = (pushver or "").strip()[:16]
    if _PUSH_VERSION.fullmatch(pushver) and pushver != device.push_version:
        Device.objects.filter(pk=device.pk).update(push_version=pushver)
        device.push_version = pushver


@dataclass(frozen=True)
class AttlogLine:
    pin: str
    timestamp: datetime  # naive device-local
    status: int | None  # ADMS "status" = the punch state (in/out), pyzk's `punch`
    verify: int | None


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if re.fullmatch(r"-?\d+", value) else None


# Key=value forms: some ATTLOG firmware (`PIN=7<TAB>DateTime=...`) and PUSH 3.x `rtlog`
# (`time=...<TAB>pin=7<TAB>...<TAB>event=0<TAB>inoutstatus=0<TAB>verifytype=1`).
_KV_PIN = ("pin",)
_KV_TIME = ("time", "datetime", "checktime")
_KV_STATUS = ("status", "inoutstatus", "state")
_KV_VERIFY = ("verify", "verifytype", "verified", "verifymode")
# PUSH 3.x rtlog events that are a person verified at the reader (ZKTeco's access-control event
# table: normal verify, during normal-open, first-person, multi-person, fingerprint and card
# variants). Denials (20-29: interval, time zone, access denied, anti-passback, unregistered
# person, expired, wrong password...), alarms and door events are no punches.
RTLOG_PUNCH_EVENTS = frozenset({0, 1, 2, 3, 14, 15, 16, 17, 18, 19})


def _local_time(text: str, fmt: str) -> datetime:
    """A clock's naive local time; ValueError when it is none, or outside 1900-2999 (a year
    no clock means, and one UTC conversion could take past datetime's range)."""
    moment = datetime.strptime(text, fmt)  # noqa: DTZ007 (device-local)
    if not 1900 <= moment.year <= 2999:
        raise ValueError(f"year {moment.year} is out of range")
    return moment


def _kv_fields(line: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in line.split("\t"):
        key, sep, value = part.partition("=")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return fields


def _first(fields: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((fields[n] for n in names if n in fields), None)


def _kv_line(line: str) -> AttlogLine | None:
    fields = _kv_fields(line)
    pin, when = (_first(fields, _KV_PIN) or "").strip(), _first(fields, _KV_TIME)
    try:
        moment = _local_time((when or "").strip(), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    if not pin or len(pin) > MAX_PIN or not pin.isprintable():
        return None
    return AttlogLine(pin, moment, _int(_first(fields, _KV_STATUS)), _int(_first(fields, _KV_VERIFY)))


def parse_attlog(body: str) -> tuple[list[AttlogLine], list[str]]:
    """ATTLOG lines: `PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>status<TAB>verify<TAB>workcode...`
    (some firmware pads with spaces, some sends `PIN=..<TAB>DateTime=..`). Returns the
    parsed lines and the ones that are not."""
    parsed: list[AttlogLine] = []
    bad: list[str] = []
    for raw in body.splitlines():
        line = raw.strip("\r\n")
        if not line.strip():
            continue
        if re.match(r"\s*PIN=", line, re.IGNORECASE):
            kv = _kv_line(line)
            if kv is None:
                bad.append(line[:200])
            else:
                parsed.append(kv)
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) < 2:
            match = _WHITESPACE_LINE.match(line.strip())
            fields = [g or "" for g in match.groups()] if match else []
        try:
            pin, when = fields[0], _local_time(fields[1], "%Y-%m-%d %H:%M:%S")
        except (IndexError, ValueError):
            bad.append(line[:200])
            continue
        if not pin or len(pin) > MAX_PIN or not pin.isprintable():
            bad.append(line[:200])
            continue
        parsed.append(
            AttlogLine(
                pin, when, _int(fields[2] if len(fields) > 2 else None), _int(fields[3] if len(fields) > 3 else None)
            )
        )
    return parsed, bad


def parse_rtlog(body: str) -> tuple[list[AttlogLine], int, list[str]]:
    """PUSH 3.x real-time events: the punches (a person verified: RTLOG_PUNCH_EVENTS, a PIN
    other than 0), how many other events (denials, door and alarm events: acknowledged, not
    stored) and the lines not understood."""
    punches: list[AttlogLine] = []
    others = 0
    bad: list[str] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            continue
        fields = _kv_fields(line)
        event, pin = _int(fields.get("event")), (fields.get("pin") or "").strip()
        parsed = _kv_line(line)
        if parsed is None and (event is None or pin not in ("", "0")):
            bad.append(line[:200])
        elif event not in RTLOG_PUNCH_EVENTS or pin in ("", "0") or parsed is None:
            others += 1
        else:
            punches.append(parsed)
    return punches, others, bad


def adms_upload_attlog(*, device: Device, body: str, stamp: str = "") -> SyncRun:
    """Store an ATTLOG upload (idempotently) and record it as a sync run (trigger `adms`).
    The lines it stored, new or already there, are `run.created + run.duplicates`: what the
    view acknowledges (`OK: <n>`); lines not understood are not among them."""
    lines, bad = parse_attlog(body)
    return _store_lines(device=device, lines=lines, bad=bad, stamp=stamp)


def adms_upload_rtlog(*, device: Device, body: str) -> SyncRun:
    """Store a PUSH 3.x `rtlog` upload: its punch events go the way ATTLOG lines go."""
    lines, others, bad = parse_rtlog(body)
    note = f"{others} events that are no punch" if others else ""
    return _store_lines(device=device, lines=lines, bad=bad, stamp="", note=note)


def _store_lines(*, device: Device, lines: list[AttlogLine], bad: list[str], stamp: str, note: str = "") -> SyncRun:
    zone = ZoneInfo(device.time_zone)
    inputs = [
        PunchInput(
            device_user_id=ln.pin,
            timestamp=to_utc(ln.timestamp, zone),
            direction=DIRECTIONS.get(ln.status, PunchDirection.UNKNOWN)
            if ln.status is not None
            else PunchDirection.UNKNOWN,
            raw_state=ln.status,
            verify_mode=ln.verify,
        )
        for ln in lines
    ]
    started = timezone.now()
    try:
        result = punches_ingest(device_id=device.pk, records=inputs, source=PunchSource.ADMS)
    except Exception as exc:
        SyncRun.objects.create(
            device=device,
            trigger=SyncTrigger.ADMS,
            status=SyncStatus.FAILED,
            started_at=started,
            finished_at=timezone.now(),
            fetched=len(lines) + len(bad),
            error_code="internal_error",
            error=f"{type(exc).__name__}: {exc}"[:4000],
        )
        raise
    now = timezone.now()
    extra: dict[str, Any] = {"last_success_at": now, "last_sync_at": now}
    notes = "; ".join(filter(None, [note, f"{len(bad)} lines not understood, e.g. {bad[0]!r}" if bad else ""]))
    accepted = adms_accepted_stamp(device=device, stamp=stamp)
    if accepted is not None:
        extra["watermark_record"] = accepted
    elif stamp:
        log.warning(
            "ADMS stamp %r from %s not taken (kept %r)", stamp[:64], device.serial_number, device.watermark_record
        )
        notes = "; ".join(
            filter(None, [notes, f"Stamp {stamp[:64]!r} not taken (kept {device.watermark_record or 'None'!r})"])
        )
    adms_contact(device, **extra)
    if result.created and device.push_photos:
        _link_photos(device)
    return SyncRun.objects.create(
        device=device,
        trigger=SyncTrigger.ADMS,
        status=SyncStatus.SUCCEEDED,
        started_at=started,
        finished_at=now,
        fetched=len(lines) + len(bad),
        created=result.created,
        duplicates=result.duplicates,
        unmapped=result.unmapped,
        notes=notes,
    )


def adms_acknowledge(*, device: Device, body: str) -> int:
    """A table etime does not keep (OPERLOG, USERINFO, BIODATA, ...): the clock is online and
    the upload acknowledged, so it does not resend it forever. Returns its non-empty lines."""
    adms_contact(device)
    return sum(1 for line in (body or "").splitlines() if line.strip())


# --- punch photos (ATTPHOTO) -------------------------------------------------------------------

_PHOTO_NAME = re.compile(r"^(\d{14})-(.+?)(?:\.jpe?g)?$", re.IGNORECASE)
_PHOTO_MARKERS = (b"CMD=uploadphoto", b"CMD=realupload")


@dataclass(frozen=True)
class AttPhoto:
    pin: str
    taken: datetime  # naive device-local
    image: bytes


def parse_attphoto(body: bytes) -> AttPhoto | None:
    """An ATTPHOTO upload: `PIN=<YYYYMMDDHHMMSS>-<pin>.jpg`, `SN=`, `size=` lines, then
    `CMD=uploadphoto` and one separator byte (NUL or LF) before the JPEG. None when it is not one."""
    for marker in _PHOTO_MARKERS:
        at = body.find(marker)
        if at >= 0:
            break
    else:
        return None
    head = body[:at].decode("utf-8", errors="replace")
    image = body[at + len(marker) :]
    if image[:1] in (b"\x00", b"\n", b" "):
        image = image[1:]
    elif image[:2] == b"\r\n":
        image = image[2:]
    fields = {k.strip().lower(): v.strip() for k, _, v in (p.partition("=") for p in re.split(r"[\r\n\t]+", head)) if k}
    match = _PHOTO_NAME.match(fields.get("pin", ""))
    if match is None or not image:
        return None
    try:
        taken = _local_time(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    pin = match.group(2)
    if not pin or len(pin) > MAX_PIN or not pin.isprintable():
        return None
    return AttPhoto(pin=pin, taken=taken, image=image)


def adms_upload_photo(*, device: Device, body: bytes) -> PunchPhoto | None:
    """A photo the clock took at a punch. Kept (once) only when the clock's `push_photos` is
    on, beside its punch; otherwise, or when it is no photo, acknowledged and discarded."""
    adms_contact(device)
    if not device.push_photos:
        return None
    photo = parse_attphoto(body)
    if photo is None:
        log.warning("ADMS photo from %s not understood (%d bytes)", device.serial_number, len(body))
        return None
    taken_at = to_utc(photo.taken, ZoneInfo(device.time_zone))
    same = PunchPhoto.objects.filter(device=device, device_user_id=photo.pin, taken_at=taken_at)
    existing = same.first()
    if existing is not None:  # the clock re-sent it
        return existing
    punch = Punch.objects.filter(device_id=device.pk, device_user_id=photo.pin, timestamp=taken_at).first()
    stored = PunchPhoto(device=device, device_user_id=photo.pin, taken_at=taken_at, punch=punch, size=len(photo.image))
    stored.image.save(f"{photo.pin}.jpg", ContentFile(photo.image), save=False)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:  # the same photo, sent twice at once: the other request kept it
        stored.image.delete(save=False)
        return same.first()
    return stored


def _link_photos(device: Device) -> None:
    """Photos that arrived before their punch (a clock may send the photo first)."""
    waiting = list(PunchPhoto.objects.filter(device=device, punch__isnull=True)[:500])
    for photo in waiting:
        punch_id = (
            Punch.objects.filter(device_id=device.pk, device_user_id=photo.device_user_id, timestamp=photo.taken_at)
            .values_list("pk", flat=True)
            .first()
        )
        if punch_id is not None:
            PunchPhoto.objects.filter(pk=photo.pk, punch__isnull=True).update(punch_id=punch_id)


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
        if PushKnock.objects.filter(serial_number=serial).update(
            last_seen_at=now, last_address=ip, calls=F("calls") + 1
        ):
            return None
        if (
            PushKnock.objects.filter(first_seen_at__gte=now - timedelta(hours=1)).count()
            >= conf.adms_new_knocks_per_hour()
        ):
            log.warning("ADMS unknown serial %r from %s not recorded: too many new serials this hour", serial, ip)
            return None
        knock, created = PushKnock.objects.get_or_create(
            serial_number=serial,
            defaults={"first_seen_at": now, "last_seen_at": now, "last_address": ip, "reported_at": now},
        )
        if not created:
            return None
        audit.record(
            actor=None, action="device.unknown_serial", obj=knock, after={"serial_number": serial, "address": ip}
        )
        from devices.tasks import send_knock_alert

        send_knock_alert.delay(knock.pk)
    return knock


def adms_next_commands(*, device: Device) -> list[AdmsCommand]:
    """Hand out queued commands (oldest first), each exactly once even if the device polls twice at once.

    A command that carries a secret (a keypad password, card number, template, comm key)
    waits while the clock may push from anywhere: whoever knows the serial would get it."""
    with transaction.atomic():
        queued = AdmsCommand.objects.select_for_update(skip_locked=True).filter(
            device=device, status=AdmsCommandStatus.QUEUED
        )
        if device.push_from_anywhere:
            queued = queued.filter(carries_secret=False)
        commands = list(queued.order_by("id")[:COMMANDS_PER_REQUEST])
        if commands:
            now = timezone.now()
            sent = AdmsCommand.objects.filter(pk__in=[c.pk for c in commands], status=AdmsCommandStatus.QUEUED)
            sent.update(status=AdmsCommandStatus.SENT, sent_at=now)
    return commands


def _command_id(value: str | None) -> int | None:
    number = _int(value)
    return number if number is not None and 0 < number < 2**63 else None  # a bigint primary key


def _return_code(value: str | None) -> int | None:
    number = _int(value)
    return number if number is not None and -(2**31) <= number < 2**31 else None  # an integer column


@dataclass
class CommandReply:
    command_id: int
    code: int | None = None
    name: str | None = None
    lines: list[str] = field(default_factory=list)


def parse_command_replies(body: str, *, query: dict[str, str] | None = None) -> list[CommandReply]:
    """The replies in a devicecmd body. Firmware sends them in two shapes, and batches them:
    one line per command, `ID=<id>&Return=<code>&CMD=<name>` (data lines may follow it); or
    one field per line, `ID=<id>` / `Return=<code>` / `CMD=<name>` / `Content=...` (a
    SpeedFace-V5L's Shell reply), the next `ID=` starting the next reply. A body with no ID
    takes it from the query string (`?ID=..&Return=..&CMD=..`), as some firmware sends it."""
    replies: list[CommandReply] = []
    for raw in (body or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if "&" in line and line.upper().startswith("ID="):
            fields = dict(parse_qsl(line, keep_blank_values=True))
            command_id = _command_id(fields.get("ID"))
            if command_id is not None:
                replies.append(CommandReply(command_id, _return_code(fields.get("Return")), fields.get("CMD"), [line]))
                continue
        key, sep, value = line.partition("=")
        key = key.strip().upper()
        if sep and key == "ID" and _command_id(value) is not None:
            replies.append(CommandReply(int(value), None, None, [line]))
        elif replies:
            current = replies[-1]
            if sep and key == "RETURN" and current.code is None and _return_code(value) is not None:
                current.code = _return_code(value)
            elif sep and key == "CMD" and current.name is None:
                current.name = value.strip()
            current.lines.append(line)
    if not replies and query and _command_id(query.get("ID")) is not None:
        replies.append(
            CommandReply(
                int(query["ID"]), _return_code(query.get("Return")), query.get("CMD"), [(body or "").strip()[:2000]]
            )
        )
    return replies


def adms_command_results(*, device: Device, body: str, query: dict[str, str] | None = None) -> int:
    """Record the replies in a devicecmd body (parse_command_replies); returns how many were
    recorded. Only a command handed out to this device (status `sent`) takes a result, once:
    a queued command cannot be marked done before the clock got it. Return >= 0 is done,
    a negative code or none at all is failed."""
    done = 0
    now = timezone.now()
    with transaction.atomic():
        for reply in parse_command_replies(body, query=query):
            code = reply.code
            status = AdmsCommandStatus.DONE if code is not None and code >= 0 else AdmsCommandStatus.FAILED
            done += AdmsCommand.objects.filter(
                pk=reply.command_id, device=device, status=AdmsCommandStatus.SENT
            ).update(
                status=status,
                return_code=code,
                result="\n".join(reply.lines).replace("\x00", "")[:10000],
                completed_at=now,
            )
    return done


def adms_command_queue(*, device: Device, command: str, actor: Actor) -> AdmsCommand:
    """Queue a command for a push device (sent on its next heartbeat). Audited."""
    command = (command or "").strip()
    if device.protocol != Protocol.ADMS:
        raise ValidationFailed(
            gettext("Only push (ADMS) devices take queued commands."),
            details={"device": [gettext("Not an ADMS device.")]},
        )
    if not command or "\n" in command or "\r" in command or len(command) > 500:
        raise ValidationFailed(
            gettext("A command is one line of 1 to 500 characters."),
            details={"command": [gettext("One line, 1-500 characters.")]},
        )
    with transaction.atomic():
        queued = AdmsCommand.objects.create(device=device, command=command, created_by=actor_user(actor))
        audit.record(
            actor=actor, action="device.command_queued", obj=device, after={"id": queued.pk, "command": command}
        )
    return queued
