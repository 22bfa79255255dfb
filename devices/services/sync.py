"""The sync pipeline: a device's log into punches, exactly once, whatever the network does.

One sync of one device (`device_sync`):

1. Take the device's lease (devices.locks); if another worker holds it, record a
   `skipped` run and return: at most one sync per device across all workers.
2. Session 1 with the clock (a fresh adapter per sync; docs/DEVICES.md §5): identity and
   counts, the clock (drift measured; corrected when configured and past the threshold),
   then the whole log, read with the keypad locked and its count checked (one re-read on
   a count mismatch).
3. Skip the records the watermark says are stored (the first `watermark_position`
   records, provided the record at that position is still the one we stored: a cleared
   or replaced log is read from the start). Convert device-local times with the device's
   zone and store the rest through attendance.services.punches_ingest in chunks; each
   chunk commits on its own and only then moves the watermark past it. A sync that dies
   anywhere has stored whole chunks with the watermark behind or at them: a retry
   neither loses a record nor stores one twice (punches are unique on device, device
   user id and timestamp anyway). punches_ingest marks the affected employee-dates for
   attendance recomputation in the same transaction.
4. Only when configured, and only when every record read is stored: session 2 clears
   the log, and only if the device still holds exactly that many records.
5. Success resets the backoff; a failure schedules the next attempt exponentially later
   (capped), and a device failing for longer than the alert threshold alerts admins once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from attendance.models import PunchDirection, PunchSource
from attendance.services import PunchInput, punches_ingest
from devices import conf, crypto, locks
from devices.adapters import (
    AttendanceRecord,
    DeviceAdapter,
    DeviceCountMismatch,
    DeviceError,
    DeviceInfo,
    DeviceTimeout,
    DeviceUnreachable,
    ZKAdapter,
)
from devices.errors import CommKeyUnreadableError, DeviceDisabled, DeviceNotPollable
from devices.models import Device, DeviceStatus, Protocol, SyncRun, SyncStatus, SyncTrigger
from etime.core import audit
from etime.core.errors import DomainError
from etime.core.types import Actor

log = logging.getLogger("devices.sync")

# ZK punch states (pyzk's `punch`): 0 check-in, 1 check-out, 2 break-out, 3 break-in,
# 4 overtime-in, 5 overtime-out. Anything else (255 on many clocks) says nothing.
DIRECTIONS = {
    0: PunchDirection.IN,
    1: PunchDirection.OUT,
    2: PunchDirection.OUT,
    3: PunchDirection.IN,
    4: PunchDirection.IN,
    5: PunchDirection.OUT,
}
# Margin on top of the adapter's own hard limits when sizing the lease for a phase.
STORE_SECONDS_PER_RECORD = 0.002
# Records stamped before this year come from a clock whose date was reset (ZK clocks start at 2000-01-01).
RESET_CLOCK_BEFORE_YEAR = 2001


class LeaseLost(Exception):
    """Another worker took the device's lease (ours lapsed): stop before storing anything."""


def open_adapter(device: Device) -> DeviceAdapter:
    """A new session object for `device` (one per sync, and a new one after any error)."""
    if not device.is_pollable:
        raise DeviceNotPollable()
    try:
        comm_key = device.comm_key
    except crypto.CommKeyUnreadable:
        raise CommKeyUnreadableError() from None
    return ZKAdapter(
        device.host, device.port, transport=device.transport, comm_key=comm_key, timeout=float(device.timeout_seconds)
    )


def device_local_now(device: Device, now: datetime | None = None) -> datetime:
    """Server time as the device's wall clock should show it (naive, whole seconds)."""
    now = now or timezone.now()
    return now.astimezone(ZoneInfo(device.time_zone)).replace(tzinfo=None, microsecond=0)


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A device's naive wall time as UTC. An ambiguous time (the repeated hour when DST ends)
    is taken as its first occurrence; a time in the skipped hour as the offset before it."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def watermark_key(record: AttendanceRecord) -> str:
    return f"{record.user_id}|{record.timestamp.isoformat()}"[:64]


def backoff_seconds(*, interval: int, failures: int, retryable: bool, rng: random.Random | None = None) -> float:
    """Delay before the next attempt after `failures` consecutive failures: the poll interval,
    doubling per failure up to the cap, with up to 20 % jitter so a fleet that failed together
    (a switch reboot) does not retry in lockstep. A non-retryable failure waits the cap."""
    cap = max(interval, conf.backoff_cap_seconds())
    base = cap if not retryable else min(cap, interval * 2 ** max(0, failures - 1))
    # Not security relevant: spreading retries.
    jitter = (rng or random).uniform(0.8, 1.0)  # noqa: S311
    return base * jitter


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) and isinstance(actor, get_user_model()) else None


def device_sync(*, device: Device | UUID | str, trigger: str = SyncTrigger.SCHEDULE, actor: Actor = None) -> SyncRun:
    """Sync one device now, in this process; returns its SyncRun.

    The run is `skipped` when another worker is syncing the device, `failed` with the
    adapter's error code (device_unreachable, device_auth_failed, device_timeout, ...)
    when the device failed us, `succeeded` otherwise. Raises DeviceDisabled /
    DeviceNotPollable for devices that cannot be synced; unexpected errors are recorded
    on the run (`internal_error`) and re-raised.
    """
    device_id = device.pk if isinstance(device, Device) else UUID(str(device))
    current = Device.objects.get(pk=device_id)
    if not current.enabled:
        raise DeviceDisabled()
    if not current.is_pollable:
        raise DeviceNotPollable()
    lease = locks.lease_for(current.pk)
    worker = locks.holder_name()
    if not lease.acquire(conf.lease_seconds()):
        now = timezone.now()
        log.info("sync of %s skipped: another worker holds its lease", current)
        return SyncRun.objects.create(
            device=current,
            trigger=trigger,
            status=SyncStatus.SKIPPED,
            started_at=now,
            finished_at=now,
            error_code="device_sync_in_progress",
            error="Another sync of this device is running; this one was skipped.",
            worker=worker,
            requested_by=_user(actor),
        )
    try:
        # We hold the lease, so a run of this device still "running" lost its worker (killed,
        # OOM, host gone) mid-sync: report it instead of leaving it running forever. What it
        # stored is kept; this sync reads on from the stored watermark.
        SyncRun.objects.filter(device=current, status=SyncStatus.RUNNING).update(
            status=SyncStatus.FAILED,
            finished_at=timezone.now(),
            error_code="device_sync_abandoned",
            error="The worker stopped mid-sync (killed or crashed); the next sync took over.",
        )
        run = SyncRun.objects.create(device=current, trigger=trigger, worker=worker, requested_by=_user(actor))
        try:
            _sync(current, run, lease)
        except DeviceError as exc:
            offline = isinstance(exc, DeviceUnreachable | DeviceTimeout)
            _failed(current, run, code=exc.code, message=str(exc), retryable=exc.retryable, offline=offline)
        except DomainError as exc:  # e.g. an unreadable comm key: a configuration problem
            _failed(current, run, code=exc.code, message=str(exc.message), retryable=False, offline=False)
        except LeaseLost:
            _finish(
                run,
                SyncStatus.FAILED,
                code="device_sync_lease_lost",
                error="The device lease lapsed and another worker took over; nothing more was stored.",
            )
        except Exception as exc:
            _failed(
                current,
                run,
                code="internal_error",
                message=f"{type(exc).__name__}: {exc}",
                retryable=True,
                offline=False,
            )
            raise
        return run
    finally:
        lease.release()


def _sync(device: Device, run: SyncRun, lease: locks.Lease) -> None:
    base = conf.lease_seconds()
    zone = ZoneInfo(device.time_zone)
    notes: list[str] = []
    adapter = open_adapter(device)
    with adapter:
        info = adapter.info()
        _store_info(device, info, notes)
        _check_clock(device, run, adapter, notes)
        # The read is bounded by the adapter's hard limit, sized from the device's counts.
        read_bound = base + 3 * float(device.timeout_seconds) + 0.002 * (info.record_count + info.user_count)
        if not lease.renew(read_bound):
            raise LeaseLost()
        try:
            records = adapter.read_attendance()
        except DeviceCountMismatch as exc:
            notes.append(f"count mismatch on the first read ({exc.actual} read, {exc.expected} reported); read again")
            if not lease.renew(read_bound):
                raise LeaseLost() from exc
            records = adapter.read_attendance()
    run.fetched = len(records)
    run.notes = "\n".join(notes)
    _store(device, records, zone, lease, run, notes)
    now = timezone.now()
    updates: dict[str, Any] = {
        "status": DeviceStatus.ONLINE,
        "last_error_code": "",
        "last_error": "",
        "last_sync_at": now,
        "last_success_at": now,
        "last_contact_at": now,
        "consecutive_failures": 0,
        "failing_since": None,
        "alerted_at": None,
        "next_sync_at": now + timedelta(seconds=device.poll_interval_seconds),
    }
    run.log_cleared = False
    if device.clear_log_after_sync and records:  # _store raised unless every record is stored
        run.log_cleared = _clear_log(device, len(records), lease, notes)
        if run.log_cleared:
            updates.update(watermark_position=0, watermark_record="")
    Device.objects.filter(pk=device.pk).update(**updates)
    for name, value in updates.items():
        setattr(device, name, value)
    run.notes = "\n".join(notes)
    _finish(run, SyncStatus.SUCCEEDED)


def _store_info(device: Device, info: DeviceInfo, notes: list[str]) -> None:
    fields: dict[str, Any] = {
        "firmware": info.firmware[:64],
        "platform": info.platform[:64],
        "mac": info.mac[:32],
        "reported_name": info.device_name[:64],
        "user_count": info.user_count,
        "record_count": info.record_count,
        "record_capacity": info.record_capacity or None,
        "last_contact_at": timezone.now(),
    }
    serial = info.serial[:64]
    if serial and serial != device.serial_number:
        owner = Device.objects.filter(serial_number=serial).exclude(pk=device.pk).first()
        if owner is not None:
            notes.append(f"the device reports serial {serial}, which belongs to {owner.name}; not stored")
        else:
            if device.serial_number:
                notes.append(f"serial changed from {device.serial_number} to {serial} (device replaced?)")
            fields["serial_number"] = serial
    Device.objects.filter(pk=device.pk).update(**fields)
    for name, value in fields.items():
        setattr(device, name, value)


def _check_clock(device: Device, run: SyncRun, adapter: DeviceAdapter, notes: list[str]) -> None:
    before = timezone.now()
    device_time = adapter.get_time()
    after = timezone.now()
    server_local = (before + (after - before) / 2).astimezone(ZoneInfo(device.time_zone)).replace(tzinfo=None)
    drift = round((device_time - server_local).total_seconds(), 1)
    run.clock_drift_seconds = drift
    fields: dict[str, Any] = {"clock_drift_seconds": drift, "clock_checked_at": after}
    if abs(drift) > device.clock_drift_threshold_seconds:
        notes.append(f"device clock off by {drift:+.0f} s (threshold {device.clock_drift_threshold_seconds} s)")
        if device.correct_clock:
            adapter.set_time(device_local_now(device))
            run.clock_corrected = True
            notes.append("device clock corrected")
    Device.objects.filter(pk=device.pk).update(**fields)
    for name, value in fields.items():
        setattr(device, name, value)


def _store(
    device: Device,
    records: Sequence[AttendanceRecord],
    zone: ZoneInfo,
    lease: locks.Lease,
    run: SyncRun,
    notes: list[str],
) -> None:
    """Store what the watermark does not cover, chunk by chunk (each chunk commits, then the
    watermark moves past it). Raises on any failure, leaving the watermark at the last chunk stored."""
    start = 0
    position = device.watermark_position
    if position and position <= len(records) and watermark_key(records[position - 1]) == device.watermark_record:
        start = position
    elif position:
        notes.append("the device log changed since the last sync (cleared or replaced); read from its start")
    run.already_synced = start
    chunk = conf.ingest_chunk()
    nameless = 0
    # A clock that lost power restarts at its 2000-01-01 default and stamps punches in 2000.
    # They are stored as stamped (a clock's log is a fact, and a correction is a new punch),
    # land on days no schedule covers, and are pointed out here for an admin to correct.
    reset_clock = sum(1 for r in records[start:] if r.timestamp.year < RESET_CLOCK_BEFORE_YEAR)
    for offset in range(start, len(records), chunk):
        batch = records[offset : offset + chunk]
        inputs = []
        for r in batch:
            if not r.user_id:
                nameless += 1  # garbage a misparse would produce; the count check normally stops it first
                continue
            inputs.append(
                PunchInput(
                    device_user_id=r.user_id,
                    timestamp=to_utc(r.timestamp, zone),
                    direction=DIRECTIONS.get(r.punch, PunchDirection.UNKNOWN),
                    raw_state=r.punch,
                    verify_mode=r.status,
                )
            )
        if not lease.renew(conf.lease_seconds() + STORE_SECONDS_PER_RECORD * len(batch)):
            raise LeaseLost()
        result = punches_ingest(device_id=device.pk, records=inputs, source=PunchSource.DEVICE)
        # punches_ingest has committed: only now may the watermark move past this chunk.
        end = offset + len(batch)
        Device.objects.filter(pk=device.pk).update(
            watermark_position=end, watermark_record=watermark_key(records[end - 1])
        )
        device.watermark_position, device.watermark_record = end, watermark_key(records[end - 1])
        # Counted as committed, so a run that fails later still says what it stored.
        run.created += result.created
        run.duplicates += result.duplicates
        run.unmapped += result.unmapped
    if nameless:
        notes.append(f"{nameless} records without a user id were ignored")
    if reset_clock:
        notes.append(
            f"{reset_clock} records stamped before {RESET_CLOCK_BEFORE_YEAR} (the clock's date was reset, "
            "e.g. after a power loss); stored as stamped"
        )
    if not records and position:  # the log was emptied on the device
        Device.objects.filter(pk=device.pk).update(watermark_position=0, watermark_record="")
        device.watermark_position, device.watermark_record = 0, ""


def _clear_log(device: Device, count: int, lease: locks.Lease, notes: list[str]) -> bool:
    if not lease.renew(conf.lease_seconds()):
        raise LeaseLost()
    try:
        with open_adapter(device) as adapter:
            cleared = adapter.clear_attendance(only_if_count=count)
    except DeviceError as exc:
        notes.append(f"the log was not cleared: {exc}")
        return False
    if not cleared:
        notes.append("the log was not cleared: new punches arrived after the read (next sync)")
    return cleared


def _finish(run: SyncRun, status: str, *, code: str = "", error: str = "") -> None:
    run.status = status
    run.finished_at = timezone.now()
    if code:
        run.error_code, run.error = code, error[:4000]
    run.save()


def _failed(device: Device, run: SyncRun, *, code: str, message: str, retryable: bool, offline: bool) -> None:
    now = timezone.now()
    failures = device.consecutive_failures + 1
    delay = backoff_seconds(interval=device.poll_interval_seconds, failures=failures, retryable=retryable)
    Device.objects.filter(pk=device.pk).update(
        status=DeviceStatus.OFFLINE if offline else DeviceStatus.ERROR,
        last_error_code=code,
        last_error=message[:4000],
        last_sync_at=now,
        consecutive_failures=F("consecutive_failures") + 1,
        failing_since=Coalesce(F("failing_since"), now),
        next_sync_at=now + timedelta(seconds=delay),
    )
    device.refresh_from_db()
    log.warning("sync of %s failed (%s): %s; next attempt in %.0f s", device, code, message, delay)
    _finish(run, SyncStatus.FAILED, code=code, error=message)
    devices_alert_offline(device_ids=[device.pk], now=now)


# --- scheduling ---------------------------------------------------------------------------------


def devices_claim_due(*, now: datetime | None = None) -> list[UUID]:
    """The enabled polled devices that are due, each claimed by moving its next sync one poll
    interval ahead (a conditional UPDATE: two beat processes never both claim a device; a
    task lost in the queue is retried an interval later)."""
    now = now or timezone.now()
    due = Device.objects.filter(enabled=True, protocol=Protocol.ZK).filter(
        Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now)
    )
    claimed: list[UUID] = []
    for pk, interval, next_at in due.values_list("pk", "poll_interval_seconds", "next_sync_at"):
        same = (
            Device.objects.filter(pk=pk, next_sync_at=next_at)
            if next_at
            else Device.objects.filter(pk=pk, next_sync_at__isnull=True)
        )
        if same.update(next_sync_at=now + timedelta(seconds=max(interval, conf.fanout_seconds()))) == 1:
            claimed.append(pk)
    return claimed


# --- offline alerts -----------------------------------------------------------------------------


def devices_alert_offline(*, device_ids: Sequence[UUID] | None = None, now: datetime | None = None) -> list[Device]:
    """Alert admins, once per outage, about devices failing (polled) or silent (push) for
    longer than the threshold: an audit event (`device.offline_alert`, shown in the admin) and
    an email to every active admin with an address, sent after commit."""
    now = now or timezone.now()
    threshold = now - timedelta(minutes=conf.offline_alert_minutes())
    candidates = Device.objects.filter(enabled=True, alerted_at__isnull=True).filter(
        Q(protocol=Protocol.ZK, failing_since__lte=threshold)
        | Q(protocol=Protocol.ADMS, last_contact_at__lte=threshold)
        | Q(protocol=Protocol.ADMS, last_contact_at__isnull=True, created_at__lte=threshold)
    )
    if device_ids is not None:
        candidates = candidates.filter(pk__in=list(device_ids))
    alerted: list[Device] = []
    for device in candidates:
        with transaction.atomic():
            # Claim the alert: a concurrent check (another worker) must not send it twice.
            claimed = Device.objects.filter(pk=device.pk, alerted_at__isnull=True)
            fields: dict[str, Any] = {"alerted_at": now}
            if device.protocol == Protocol.ADMS:
                fields["status"] = DeviceStatus.OFFLINE
            if claimed.update(**fields) != 1:
                continue
            device.refresh_from_db()
            since = device.failing_since or device.last_contact_at or device.created_at
            audit.record(
                actor=None,
                action="device.offline_alert",
                obj=device,
                after={
                    "status": device.status,
                    "since": since,
                    "last_error_code": device.last_error_code,
                    "last_error": device.last_error[:500],
                },
            )
            from devices.tasks import send_offline_alert

            send_offline_alert.delay(str(device.pk))
        alerted.append(device)
    return alerted
