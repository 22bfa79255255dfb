"""leave_balances: the balances of 5,000 employees × 6 leave types from two years of ledger.

Variants, interleaved, in-process against PostgreSQL (no HTTP: this measures the selector
every balance page, export and API page calls):

- ``floor``: one ``SELECT employee_id, leave_type_id, SUM(days) FROM leave_ledgerentry
  WHERE year = 2026 GROUP BY 1, 2`` through a raw cursor, rows into a dict — the least any
  balance computation must do;
- ``balances``: ``leave.selectors.balances(employees=None, year=2026)``: the ledger
  GROUP BY, the pending-requests GROUP BY, and a ``Balance`` per (employee, type);
- ``balances_scoped``: the same through a visibility queryset
  (``employees=Employee.objects.all()``, a subquery), as scoped callers use it.

Goal (issue 5): balances/floor <= 2.0 on p50. The number of queries must not grow with
employees: the run counts them for 50 employees and for all, and reports both.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import common

DESCRIPTION = "leave balances of 5,000 employees x 6 types (two years of ledger) vs one GROUP BY over the ledger"
DEFAULT_ROWS = 5_000
# Each round is three calls over 30,000 balances: 200 rounds took over 15 minutes on a busy
# 2-core machine, and 50 interleaved rounds give a steady median (--repeats for more).
DEFAULT_REPEATS = 50
MAX_WARMUP = 5
YEAR = 2026
CODE_PREFIX = "LBENCH-"
TYPE_CODES = ("vacation", "sick", "emergency", "urgent", "unpaid", "compensatory")
GOAL_BALANCES_VS_FLOOR = 2.0

FLOOR_SQL = "SELECT employee_id, leave_type_id, SUM(days) FROM leave_ledgerentry WHERE year = %s GROUP BY employee_id, leave_type_id"


def _copy(model: Any, rows: list[dict[str, Any]]) -> None:
    from bench.api_list import _copy_rows

    if rows:
        _copy_rows(model, rows)


def _ledger_rows(
    rng: random.Random, employee_id: Any, type_ids: dict[str, Any], year: int, now: datetime
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def entry(type_code: str, kind: str, days: Decimal, day: date) -> None:
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "employee_id": employee_id,
                "leave_type_id": type_ids[type_code],
                "year": year,
                "kind": kind,
                "days": days,
                "effective_date": day,
                "request_id": None,
                "key": None,
                "note": "",
                "created_at": now,
                "created_by_id": None,
            }
        )

    for month in range(1, 13):  # vacation and compensatory accrue monthly
        entry("vacation", "accrual", Decimal("2.08"), date(year, month, 28))
        entry("compensatory", "accrual", Decimal("0.50"), date(year, month, 28))
    for code, days in (("sick", 10), ("emergency", 3), ("urgent", 2), ("unpaid", 0)):
        if days:
            entry(code, "allocation", Decimal(days), date(year, 1, 1))
    for _ in range(rng.randrange(3, 9)):
        day = date(year, 1, 1) + timedelta(days=rng.randrange(360))
        code = rng.choice(TYPE_CODES)
        taken = Decimal(rng.choice(["0.5", "1", "2", "3", "5"]))
        entry(code, "taken", -taken, day)
        if rng.random() < 0.1:
            entry(code, "reversal", taken, day)
    return rows


def ensure_data(rows: int, seed: int) -> dict[str, Any]:
    """Exactly ``rows`` bench employees with two years of ledger; reused when present."""
    from django.db import connection, transaction

    from accounts.models import Employee
    from leave.models import LeaveRequest, LeaveType, LedgerEntry

    total = Employee.objects.count()
    bench = Employee.objects.filter(code__startswith=CODE_PREFIX).count()
    if total != bench:
        raise common.HarnessError(
            f"the bench database holds {total - bench} employees that the bench did not create; "
            "point BENCH_LEAVE_BALANCES_DATABASE_URL at a dedicated database (or drop it: --fresh)"
        )
    if bench == rows and LedgerEntry.objects.filter(year=YEAR).exists():
        return {"loaded": False, "load_seconds": 0.0}
    t0 = time.perf_counter()
    print(f"bench: loading {rows} employees and their ledger", file=sys.stderr)
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # TRUNCATE: the ledger refuses DELETE (an immutability trigger), by design.
            cursor.execute("TRUNCATE leave_ledgerentry, leave_leaverequest CASCADE")
            cursor.execute("DELETE FROM accounts_employee WHERE code LIKE %s", [CODE_PREFIX + "%"])
        type_ids = {
            code: LeaveType.objects.get_or_create(code=code, defaults={"name": code.title()})[0].pk
            for code in TYPE_CODES
        }
        employees = [
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "user_id": None,
                "code": f"{CODE_PREFIX}{i:06d}",
                "first_name": "Bench",
                "last_name": str(i),
                "email": None,
                "department_id": None,
                "manager_id": None,
                "location_id": None,
                "time_zone": "",
                "hire_date": date(2015, 1, 1),
                "end_date": None,
                "device_user_id": None,
                "card_number": None,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(rows)
        ]
        _copy(Employee, employees)
        ledger: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []
        for employee in employees:
            for year in (YEAR - 1, YEAR):
                ledger += _ledger_rows(rng, employee["id"], type_ids, year, now)
            start = date(YEAR, 10, 1) + timedelta(days=rng.randrange(60))
            pending.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "employee_id": employee["id"],
                    "leave_type_id": type_ids["vacation"],
                    "start_date": start,
                    "end_date": start + timedelta(days=2),
                    "start_half": False,
                    "end_half": False,
                    "reason": "",
                    "attachment": None,
                    "days": Decimal(3),
                    "year": YEAR,
                    "status": "pending",
                    "created_at": now,
                    "created_by_id": None,
                    "decided_at": None,
                }
            )
            if len(ledger) > 50_000:
                _copy(LedgerEntry, ledger)
                ledger = []
        _copy(LedgerEntry, ledger)
        _copy(LeaveRequest, pending)
    with connection.cursor() as cursor:
        for table in ("accounts_employee", "leave_ledgerentry", "leave_leaverequest"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = round(time.perf_counter() - t0, 1)
    print(f"bench: loaded in {seconds}s", file=sys.stderr)
    return {"loaded": True, "load_seconds": seconds}


def run(options: common.Options) -> dict[str, Any]:
    common.django_ready()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Employee
    from leave import selectors
    from leave.models import LedgerEntry

    if connection.vendor != "postgresql":
        raise common.HarnessError("leave_balances needs PostgreSQL")
    rows = options.rows or DEFAULT_ROWS
    load = ensure_data(rows, options.seed)
    pairs = rows * len(TYPE_CODES)

    def floor() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [YEAR])
            return {(e, t): total for e, t, total in cursor.fetchall()}

    def balances() -> Any:
        return selectors.balances(employees=None, year=YEAR)

    def balances_scoped() -> Any:
        return selectors.balances(employees=Employee.objects.all(), year=YEAR)

    def check(name: str, result: Any) -> None:
        # Every employee has entries for 5 types; "unpaid" only where someone took some.
        if not pairs - rows <= len(result) <= pairs:
            raise common.HarnessError(f"{name}: {len(result)} balances for {pairs} pairs")

    # The same answer from floor and selector.
    reference, computed = floor(), balances()
    for key, total in reference.items():
        if computed[key].balance != total:
            raise common.HarnessError(f"balance mismatch for {key}: {computed[key].balance} != {total}")

    some = list(Employee.objects.order_by("code").values_list("pk", flat=True)[:50])
    everyone = list(Employee.objects.values_list("pk", flat=True))
    query_counts = {}
    for label, subset in (("50_employees", some), (f"{rows}_employees", everyone), ("all_via_queryset", None)):
        with CaptureQueriesContext(connection) as captured:
            if subset is None:
                selectors.balances(employees=Employee.objects.all(), year=YEAR)
            else:
                selectors.balances(employees=subset, year=YEAR)
        query_counts[label] = len(captured)
    if len(set(query_counts.values())) != 1:
        raise common.HarnessError(f"queries grow with employees: {query_counts}")

    samples = common.run_interleaved(
        {"floor": floor, "balances": balances, "balances_scoped": balances_scoped},
        repeats=options.repeats,
        warmup=min(options.warmup, MAX_WARMUP),
        seed=options.seed,
        check=check,
    )
    floor_s, bal_s, scoped_s = samples["floor"], samples["balances"], samples["balances_scoped"]
    value = common.ratio(bal_s, floor_s, 50)
    goals = [common.goal("balances/floor", value, GOAL_BALANCES_VS_FLOOR)]
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {
            "balances/floor": {
                "p50": value,
                "p90": common.ratio(bal_s, floor_s, 90),
                "paired_median": common.paired_median_ratio(bal_s, floor_s),
            },
            "balances_scoped/floor": {
                "p50": common.ratio(scoped_s, floor_s, 50),
                "p90": common.ratio(scoped_s, floor_s, 90),
                "paired_median": common.paired_median_ratio(scoped_s, floor_s),
            },
        },
        "figures_ms": {
            "_note": "wall time per call in this run; compare runs by the ratios only",
            "floor": common.summarize(floor_s),
            "balances": common.summarize(bal_s),
            "balances_scoped": common.summarize(scoped_s),
        },
        "floor": "one SELECT employee_id, leave_type_id, SUM(days) ... WHERE year = 2026 GROUP BY 1, 2 via a raw "
        "cursor, rows into a dict",
        "parameters": {
            "employees": rows,
            "leave_types": len(TYPE_CODES),
            "year": YEAR,
            "ledger_entries_total": LedgerEntry.objects.count(),
            "ledger_entries_in_year": LedgerEntry.objects.filter(year=YEAR).count(),
            "pending_requests": rows,
            "balances_returned": len(computed),
            "queries_per_call": query_counts,
            "repeats": options.repeats,
            "warmup_rounds": min(options.warmup, MAX_WARMUP),
            "seed": options.seed,
            "data_loaded_this_run": load["loaded"],
            "load_seconds": load["load_seconds"],
            **common.environment(),
        },
    }
