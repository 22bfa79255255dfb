"""The thin layer around the engine: load inputs set-based, compute, write in bulk.

For a chunk of employees (``CHUNK``) and a date range the loader runs a fixed number of
queries whatever the chunk's size — employees, assignments, overrides, punches, plus
whatever the providers need — then the pure engine computes every day and one
``INSERT … ON CONFLICT DO UPDATE`` per batch writes the results (Django's
``bulk_create(update_conflicts=True)``, on PostgreSQL and SQLite alike). Memory is bounded
by the chunk, not by the number of employees.

Three callers:
- ``recompute``: a range for some or all employees (API, admin, demo, bench);
- ``recompute_dirty``: what the dirty set holds, claimed atomically (Celery task);
- ``close_days``: marks ended days that have no row yet, and provisional days that may
  have become final, so absences appear without any punch (Celery beat).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F, Field, Q
from django.utils import timezone

from accounts.models import Employee
from attendance import conf, engine, providers
from attendance.models import (
    DAY_RESULT_FIELDS,
    DAY_STATE_FIELDS,
    AttendanceDay,
    DirectionMode,
    DirtyDay,
    ManualDayStatus,
    Punch,
    PunchDirectionRule,
)
from attendance.selectors import PlanCache, is_locked, locked_ranges, plans_for
from etime.core import db, metrics

CHUNK = 500
WRITE_BATCH = 2000
CLAIM_BATCH = 1000
CLAIM_LEASE = timedelta(minutes=15)

UPDATE_FIELDS = [
    *DAY_RESULT_FIELDS,
    *DAY_STATE_FIELDS,
    "parts",
    "computed_at",
]


@dataclass
class RecomputeResult:
    employees: int = 0
    written: int = 0
    removed: int = 0
    locked: int = 0


class _RunContext:
    """Reference data read once per run: shifts and schedules, direction rules, locks."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.plans = PlanCache()
        self.locks = locked_ranges()
        rules = list(PunchDirectionRule.objects.values_list("device_id", "location_id", "mode"))
        self.device_modes = {d: m for d, _loc, m in rules if d is not None}
        self.location_modes = {loc: m for _d, loc, m in rules if loc is not None}
        self.final_after = conf.final_after()
        self.absent_after = conf.absent_after()


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def recompute(
    *, employee_ids: Sequence[Any] | None = None, date_from: date, date_to: date, now: datetime | None = None
) -> RecomputeResult:
    """Recompute [date_from, date_to] for ``employee_ids`` (all employees when None).

    Idempotent: the same inputs write the same rows. Days in locked periods are left as
    they are. Each chunk commits on its own.
    """
    now = now or timezone.now()
    ctx = _RunContext(now)
    if employee_ids is None:
        employee_ids = list(Employee.objects.order_by("id").values_list("id", flat=True))
    result = RecomputeResult()
    for chunk in _chunks(list(employee_ids), CHUNK):
        with transaction.atomic():
            _recompute_chunk(ctx, {e: (date_from, date_to) for e in chunk}, result, only=None)
    return result


def _recompute_chunk(
    ctx: _RunContext,
    ranges: dict[Any, tuple[date, date]],
    result: RecomputeResult,
    *,
    only: dict[Any, set[date]] | None,
) -> list[engine.DayResult]:
    """Compute each employee's own range; write due days, remove rows of days not due.
    With ``only``, write just those employee-dates."""
    ids = list(ranges)
    first = min(r[0] for r in ranges.values())
    last = max(r[1] for r in ranges.values())
    employees = {
        row[0]: row
        for row in Employee.objects.filter(id__in=ids).values_list(
            "id", "time_zone", "location__time_zone", "location_id", "hire_date", "end_date"
        )
    }
    margin = timedelta(days=engine.PLAN_MARGIN_DAYS)
    plans = plans_for(ids, first - margin, last + margin, cache=ctx.plans)
    # Punches a window may reach: up to 2 days either side, plus the largest zone offset.
    punches: dict[Any, list[engine.PunchFact]] = defaultdict(list)
    since = datetime.combine(first - timedelta(days=3), time(0), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=4), time(0), tzinfo=UTC)
    fact = engine.PunchFact
    for employee_id, timestamp, direction, device_id in (
        Punch.objects.filter(employee_id__in=ids, timestamp__gte=since, timestamp__lt=until, void__isnull=True)
        .values_list("employee_id", "timestamp", "direction", "device_id")
        .order_by()
    ):
        punches[employee_id].append(fact(timestamp, direction, device_id))
    absences = providers.absences(ids, first, last)
    holidays = providers.holidays(ids, first, last)
    devices = providers.device_status(ids)
    absences_by: dict[Any, dict[date, engine.Absence]] = defaultdict(dict)
    for (employee_id, day), absence in absences.items():
        absences_by[employee_id][day] = absence
    holidays_by: dict[Any, set[date]] = defaultdict(set)
    for employee_id, day in holidays:
        holidays_by[employee_id].add(day)
    manual_by: dict[Any, dict[date, engine.ManualStatus]] = defaultdict(dict)
    for employee_id, day, status, reason, set_by in ManualDayStatus.objects.filter(
        employee_id__in=ids, date__gte=first, date__lte=last
    ).values_list("employee_id", "date", "status", "reason", "set_by_id"):
        manual_by[employee_id][day] = engine.ManualStatus(status, reason, set_by)

    computed: list[engine.DayResult] = []
    rows: list[tuple[Any, ...]] = []
    stale: dict[Any, list[date]] = defaultdict(list)
    now = ctx.now
    for employee_id in ids:
        employee = employees.get(employee_id)
        if employee is None:
            continue  # deleted meanwhile
        _id, own_zone, location_zone, location_id, hire, end = employee
        date_from, date_to = ranges[employee_id]
        inputs = engine.EmployeeInputs(
            employee_id=employee_id,
            time_zone=own_zone or location_zone or "UTC",
            plan=plans.get(employee_id, {}),
            punches=punches.get(employee_id, ()),
            absences=absences_by.get(employee_id, {}),
            holidays=holidays_by.get(employee_id, set()),
            direction_mode=ctx.location_modes.get(location_id, DirectionMode.FIRST_LAST),
            device_modes=ctx.device_modes,
            devices=devices.get(employee_id, ()),
            employed_from=hire,
            employed_to=end,
            manual=manual_by.get(employee_id, {}),
        )
        wanted = only.get(employee_id) if only is not None else None
        key = (employee_id if isinstance(employee_id, uuid.UUID) else uuid.UUID(str(employee_id))).hex
        for out in engine.compute_days(
            inputs, date_from, date_to, now=now, final_after=ctx.final_after, absent_after=ctx.absent_after
        ):
            if wanted is not None and out.date not in wanted:
                continue
            if ctx.locks and is_locked(out.date, ctx.locks):
                result.locked += 1
                continue
            computed.append(out)
            manual = out.manual
            if not out.due:
                stale[employee_id].append(out.date)
                continue
            rows.append(
                (
                    employee_id,
                    out.date,
                    out.shift_id,
                    out.status,
                    out.first_in,
                    out.last_out,
                    out.worked_minutes,
                    out.late_minutes,
                    out.early_exit_minutes,
                    out.overtime_minutes,
                    out.is_off_day,
                    out.is_holiday,
                    out.leave_kind,
                    out.punch_count,
                    out.is_final,
                    _waiting_json(out.waiting_for),
                    out.window_start,
                    out.window_end,
                    manual is not None,
                    manual.reason if manual else "",
                    manual.set_by if manual else None,
                    _parts_json(out.parts),
                    now,
                    f"{out.date.isoformat()}{key}",
                )
            )
        # Dates outside the employment period have no row.
        if hire is not None and date_from < hire:
            stale[employee_id] += _dates(date_from, min(date_to, hire - timedelta(days=1)))
        if end is not None and date_to > end:
            stale[employee_id] += _dates(max(date_from, end + timedelta(days=1)), date_to)
    result.employees += len(employees)
    result.written += _write(rows)
    result.removed += _remove(stale, ctx)
    return computed


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _waiting_json(devices: tuple[engine.DeviceSync, ...]) -> str:
    if not devices:
        return "[]"
    return json.dumps(
        [
            {
                "device_id": str(d.device_id),
                "name": d.name,
                "last_sync_at": d.last_sync_at.isoformat() if d.last_sync_at else None,
            }
            for d in devices
        ]
    )


def _parts_json(parts: tuple[engine.PartResult, ...]) -> str:
    """A day's per-shift results (AttendanceDay.parts); most days have none."""
    if not parts:
        return "[]"

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return json.dumps(
        [
            {
                "shift": str(p.shift_id),
                "code": p.code,
                "start": iso(p.start),
                "end": iso(p.end),
                "status": p.status,
                "first_in": iso(p.first_in),
                "last_out": iso(p.last_out),
                "worked_minutes": p.worked_minutes,
                "late_minutes": p.late_minutes,
                "early_exit_minutes": p.early_exit_minutes,
                "overtime_minutes": p.overtime_minutes,
                "punch_count": p.punch_count,
                "is_final": p.is_final,
            }
            for p in parts
        ]
    )


def _write(rows: list[tuple[Any, ...]]) -> int:
    """Upsert the rows (tuples in ROW_FIELDS order): ``INSERT … ON CONFLICT (employee, date)
    DO UPDATE``. On PostgreSQL the rows are COPYed into a temporary staging table and
    upserted from it in one statement: Django's bulk_create spent most of a recompute
    preparing parameters one by one (bench attendance_month). Elsewhere, bulk_create."""
    if not rows:
        return 0
    # One order for every writer: concurrent upserts then lock rows in the same order.
    rows.sort(key=lambda r: (r[0], r[1]))
    if connection.vendor == "postgresql":
        _write_postgresql(rows)
    else:
        objects = [AttendanceDay(**_row_kwargs(row)) for row in rows]
        db.bulk_upsert(
            AttendanceDay,
            objects,
            unique_fields=["employee", "date"],
            update_fields=UPDATE_FIELDS,
            batch_size=WRITE_BATCH,
        )
    return len(rows)


ROW_FIELDS = ["employee", "date", *UPDATE_FIELDS[:-1], "computed_at", "sort_key"]


def _field(name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", AttendanceDay._meta.get_field(name))


def _row_kwargs(row: tuple[Any, ...]) -> dict[str, Any]:
    data = {_field(name).attname: value for name, value in zip(ROW_FIELDS, row, strict=True)}
    data["waiting_for"] = json.loads(data["waiting_for"])
    data["parts"] = json.loads(data["parts"])
    return data


def _write_postgresql(rows: list[tuple[Any, ...]]) -> None:
    quote = connection.ops.quote_name
    table = quote(AttendanceDay._meta.db_table)
    columns = [quote(_field(name).column) for name in ROW_FIELDS]
    names = ", ".join(columns)
    updates = ", ".join(f"{quote(_field(n).column)} = EXCLUDED.{quote(_field(n).column)}" for n in UPDATE_FIELDS)
    # A result that did not change is not rewritten (computed_at is when it last changed):
    # recomputing the same inputs writes nothing, and periodic recomputes leave no bloat.
    compared = [quote(_field(n).column) for n in UPDATE_FIELDS if n != "computed_at"]
    changed = f"({', '.join(f'{table}.{c}' for c in compared)}) IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in compared)})"
    with transaction.atomic(), connection.cursor() as cursor:
        # Dropped at commit, so it is safe behind a transaction-pooling proxy too.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS attendance_day_stage ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY attendance_day_stage ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({quote('id')}, {names}) "  # noqa: S608
            f"SELECT gen_random_uuid(), {names} FROM attendance_day_stage ORDER BY {columns[0]}, {columns[1]} "
            f"ON CONFLICT ({quote('employee_id')}, {quote('date')}) DO UPDATE SET {updates} WHERE {changed}"
        )
        cursor.execute("TRUNCATE attendance_day_stage")


def _remove(stale: dict[Any, list[date]], ctx: _RunContext) -> int:
    condition = Q()
    for employee_id, days in stale.items():
        days = [d for d in days if not (ctx.locks and is_locked(d, ctx.locks))]
        if days:
            condition |= Q(employee_id=employee_id, date__in=days)
    if not condition:
        return 0
    removed, _ = AttendanceDay.objects.filter(condition).delete()
    return removed


# --- The dirty set --------------------------------------------------------------------------------


def recompute_dirty(*, batch: int = CLAIM_BATCH, now: datetime | None = None) -> int:
    """Claim up to ``batch`` dirty employee-dates, recompute them, clear the ones whose mark
    did not change meanwhile. Returns the number claimed (0: nothing to do).

    Safe under duplicate task delivery and many workers: claims are taken with
    ``SELECT … FOR UPDATE SKIP LOCKED`` plus a lease, so no two workers compute the same
    row at once, and a worker that dies leaves its claims to expire.
    """
    now = now or timezone.now()
    claim = uuid.uuid4()
    with transaction.atomic():
        claimed = list(
            DirtyDay.objects.select_for_update(skip_locked=True)
            .filter(Q(claim__isnull=True) | Q(claimed_until__lt=now))
            .order_by("id")
            .values_list("id", "employee_id", "date", "marked_at")[:batch]
        )
        if not claimed:
            return 0
        DirtyDay.objects.filter(id__in=[row[0] for row in claimed]).update(
            claim=claim, claimed_until=now + CLAIM_LEASE, claimed_version=F("version")
        )
    wanted: dict[Any, set[date]] = defaultdict(set)
    for _id, employee_id, day, _marked in claimed:
        wanted[employee_id].add(day)
    ctx = _RunContext(now)
    result = RecomputeResult()
    ids = sorted(wanted)
    for chunk in _chunks(ids, CHUNK):
        ranges = {e: (min(wanted[e]), max(wanted[e])) for e in chunk}
        with transaction.atomic():
            _recompute_chunk(ctx, ranges, result, only={e: wanted[e] for e in chunk})
    _release(claim)
    # Punch (or plan, leave) → attendance: how long each day waited to be recomputed.
    metrics.observe_recompute((row[3] for row in claimed), now=timezone.now())
    return len(claimed)


def _release(claim: uuid.UUID) -> None:
    """Delete the claimed rows still at the claimed version; hand back the re-marked ones."""
    table = connection.ops.quote_name(DirtyDay._meta.db_table)
    param = DirtyDay._meta.get_field("claim").get_db_prep_value(claim, connection)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Lock in (employee, date) order, the order mark_dirty writes in: no deadlock.
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE claim = %s "  # noqa: S608
                "AND version = claimed_version ORDER BY employee_id, date FOR UPDATE)",
                [param],
            )
            cursor.execute(
                f"UPDATE {table} SET claim = NULL, claimed_until = NULL, claimed_version = NULL "  # noqa: S608
                f"WHERE id IN (SELECT id FROM {table} WHERE claim = %s ORDER BY employee_id, date FOR UPDATE)",
                [param],
            )
        else:
            DirtyDay.objects.filter(claim=claim, version=F("claimed_version")).delete()
            DirtyDay.objects.filter(claim=claim).update(claim=None, claimed_until=None, claimed_version=None)


def dirty_backlog() -> int:
    return DirtyDay.objects.count()


# --- Closing days ----------------------------------------------------------------------------------


DIRTY_COLUMNS = ["employee_id", "date", "version", "marked_at"]


def close_days(*, now: datetime | None = None) -> int:
    """Mark for recomputation, set-based: (a) recent days of current employees that have no
    row yet (an absence has no punch to trigger it), (b) provisional rows whose window has
    closed (they may have become final). Returns the number of rows marked."""
    now = now or timezone.now()
    table = DirtyDay._meta.db_table
    days_table = connection.ops.quote_name(AttendanceDay._meta.db_table)
    employees = connection.ops.quote_name(Employee._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    locks = locked_ranges()
    today = now.astimezone(UTC).date()
    marked = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for offset in range(conf.close_lookback_days(), -1, -1):
            day = today - timedelta(days=offset)
            if is_locked(day, locks):
                continue
            param = connection.ops.adapt_datefield_value(day)
            # Table names are ours; values are bound parameters.
            cursor.execute(
                db.insert_ignore_sql(
                    table,
                    DIRTY_COLUMNS,
                    f"SELECT e.id, %s, 1, %s FROM {employees} e "  # noqa: S608
                    "WHERE (e.hire_date IS NULL OR e.hire_date <= %s) AND (e.end_date IS NULL OR e.end_date >= %s) "
                    f"AND NOT EXISTS (SELECT 1 FROM {days_table} a WHERE a.employee_id = e.id AND a.date = %s)",
                    conflict=["employee_id", "date"],
                ),
                [param, stamp, param, param, param],
            )
            marked += max(cursor.rowcount, 0)
        # Locked days stay as they are, provisional or not.
        unlocked = "".join(" AND NOT (a.date BETWEEN %s AND %s)" for _lock in locks)
        lock_params = [connection.ops.adapt_datefield_value(d) for lock in locks for d in lock]
        cursor.execute(
            db.insert_ignore_sql(
                table,
                DIRTY_COLUMNS,
                f"SELECT a.employee_id, a.date, 1, %s FROM {days_table} a "  # noqa: S608
                f"WHERE a.is_final = %s AND a.window_end <= %s{unlocked}",
                conflict=["employee_id", "date"],
            ),
            [stamp, False, stamp, *lock_params],
        )
        marked += max(cursor.rowcount, 0)
    if marked:
        from attendance.services.dirty import enqueue_recompute

        enqueue_recompute()
    return marked
