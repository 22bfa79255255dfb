"""invoice: drafting an invoice from 20,000 entries over 200 lines (issue 7).

Data (loaded once, reused): one client "Bench Invoice Client" (CHF, VAT 8.1 %) with 10
projects × 10 tasks, 20 employees with 1,000 approved, billable entries each over
Q1 2025, priced at one rate until 14 Feb and another from 15 Feb: 20,000 entries in
200 (project, task, rate, rate effective date) groups.

Figures, ratios in one run:

(a) ``draft / floor``: ``billing.services.invoice_create_draft`` for the quarter (the
    invoice row, the GROUP BY, the expense query, 200 line rows, totals, audit; rolled
    back after each call so every call sees the same data) against the bare GROUP BY
    query alone through a cursor. Goal ≤ 2.0 (p50).
(b) PDF rendering of the resulting 200-line invoice (WeasyPrint, with the QR-bill
    page): wall time printed, no goal (a handful of rounds: each takes seconds).

Database: its own, ``etime_bench_invoice`` (``bench.common.database_url_for``).
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import common

DESCRIPTION = "invoice draft for 20,000 entries in 200 lines vs the bare GROUP BY; 200-line PDF render time"

CLIENT_NAME = "Bench Invoice Client"
CODE_PREFIX = "INVB-"
EMPLOYEES, ENTRIES_PER_EMPLOYEE = 20, 1000
PROJECTS, TASKS = 10, 10
PERIOD = (date(2025, 1, 1), date(2025, 3, 31))
RATE_CHANGE = date(2025, 2, 15)
RATES = (Decimal("120.00"), Decimal("135.00"))
GOAL_DRAFT = 2.0
PDF_ROUNDS = 3

FLOOR_SQL = """
SELECT e.project_id, e.task_id, e.rate_applied, e.rate_effective_date, e.rate_currency,
       SUM(COALESCE(e.rounded_seconds, e.duration_seconds)), COUNT(e.id)
FROM timesheets_timeentry e JOIN timesheets_project p ON p.id = e.project_id
WHERE p.client_id = %s AND e.date >= %s AND e.date <= %s AND e.status = 'approved' AND e.billable
  AND e.invoice_id IS NULL AND e."end" IS NOT NULL
GROUP BY e.project_id, e.task_id, e.rate_applied, e.rate_effective_date, e.rate_currency
"""


class _Rollback(Exception):
    pass


def ensure_data(seed: int) -> dict[str, Any]:
    from django.db import transaction

    from accounts.models import Employee
    from timesheets.models import Client, EntryStatus, Project, RateSource, Task, TimeEntry, make_sort_key

    client = Client.objects.filter(name=CLIENT_NAME).first()
    if (
        client is not None
        and TimeEntry.objects.filter(project__client=client).count() == EMPLOYEES * ENTRIES_PER_EMPLOYEE
    ):
        return {"client": client, "loaded": False, "load_seconds": 0.0}
    t0 = time.perf_counter()
    print("bench: loading 20,000 entries for the invoice bench", file=sys.stderr)
    with transaction.atomic():
        if client is not None:
            TimeEntry.objects.filter(project__client=client).delete()
            Task.objects.filter(project__client=client).delete()
            Project.objects.filter(client=client).delete()
            client.delete()
        Employee.objects.filter(code__startswith=CODE_PREFIX, time_entries__isnull=True).delete()
        client = Client.objects.create(
            name=CLIENT_NAME,
            currency="CHF",
            vat_rate=Decimal("8.10"),
            country="CH",
            billing_address="Bench AG\nBenchstrasse 1\n8000 Zürich",
        )
        pairs = []
        for p in range(PROJECTS):
            project = Project.objects.create(client=client, name=f"Project {p:02d}")
            for t in range(TASKS):
                pairs.append((project, Task.objects.create(project=project, name=f"Task {t:02d}")))
        employees = [
            Employee.objects.get_or_create(
                code=f"{CODE_PREFIX}{i:03d}",
                defaults={"first_name": "Bench", "last_name": str(i), "hire_date": date(2020, 1, 1)},
            )[0]
            for i in range(EMPLOYEES)
        ]
        now = datetime.now(UTC)
        entries = []
        for e_no, employee in enumerate(employees):
            for i in range(ENTRIES_PER_EMPLOYEE):
                project, task = pairs[(i + e_no) % len(pairs)]
                start = datetime(2025, 1, 1, 6, tzinfo=UTC) + timedelta(hours=2 * i)
                seconds = 900 * (1 + (i * 7 + e_no) % 8)  # 15 min to 2 h
                day = start.date()
                late = day >= RATE_CHANGE
                entry_id = uuid.uuid4()
                entries.append(
                    TimeEntry(
                        id=entry_id,
                        employee=employee,
                        project=project,
                        task=task,
                        start=start,
                        end=start + timedelta(seconds=seconds),
                        date=day,
                        duration_seconds=seconds,
                        rounded_seconds=seconds,
                        billable=True,
                        status=EntryStatus.APPROVED,
                        rate_applied=RATES[late],
                        rate_currency="CHF",
                        rate_effective_date=RATE_CHANGE if late else date(2025, 1, 1),
                        rate_source=RateSource.TASK,
                        sort_key=make_sort_key(start, entry_id),
                        created_at=now,
                        updated_at=now,
                    )
                )
        TimeEntry.objects.bulk_create(entries, batch_size=2000)
    with __import__("django.db").db.connection.cursor() as cursor:
        cursor.execute("ANALYZE timesheets_timeentry")
    return {"client": client, "loaded": True, "load_seconds": round(time.perf_counter() - t0, 2)}


def run(options: common.Options) -> dict[str, Any]:
    common.django_ready()
    from django.db import connection, transaction

    from billing import pdf, services

    if connection.vendor != "postgresql":
        raise common.HarnessError("invoice needs PostgreSQL")
    load = ensure_data(options.seed)
    client = load["client"]

    def floor() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, [client.pk, *PERIOD])
            return cursor.fetchall()

    def draft() -> Any:
        try:
            with transaction.atomic():
                invoice = services.invoice_create_draft(
                    client=client, period_start=PERIOD[0], period_end=PERIOD[1], actor=None
                )
                result = (invoice.lines.count(), invoice.subtotal)
                raise _Rollback
        except _Rollback:
            return result

    groups = floor()
    lines, subtotal = draft()
    if len(groups) != PROJECTS * TASKS * 2 or lines != len(groups):
        raise common.HarnessError(f"expected 200 groups and lines, got {len(groups)} groups and {lines} lines")

    def check(name: str, result: Any) -> None:
        size = len(result) if name == "floor" else result[0]
        if size != 200:
            raise common.HarnessError(f"{name}: {size} groups")

    samples = common.run_interleaved(
        {"floor": floor, "draft": draft},
        repeats=min(options.repeats, 100),
        warmup=min(options.warmup, 10),
        seed=options.seed,
        check=check,
    )
    floor_s, draft_s = samples["floor"], samples["draft"]
    value = common.ratio(draft_s, floor_s, 50)
    goals = [common.goal("draft/floor", value, GOAL_DRAFT)]

    # (b) the 200-line PDF, rendered from a draft kept for the duration of the run.
    pdf_times: list[float] = []
    try:
        with transaction.atomic():
            invoice = services.invoice_create_draft(
                client=client, period_start=PERIOD[0], period_end=PERIOD[1], actor=None
            )
            size = 0
            for _ in range(PDF_ROUNDS):
                t0 = time.perf_counter()
                size = len(pdf.render_pdf(invoice))
                pdf_times.append(time.perf_counter() - t0)
            raise _Rollback
    except _Rollback:
        pass

    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {
            "draft/floor": {
                "p50": value,
                "p90": common.ratio(draft_s, floor_s, 90),
                "paired_median": common.paired_median_ratio(draft_s, floor_s),
            },
        },
        "figures_ms": {
            "_note": "wall time per call in this run; compare runs by the ratios only",
            "floor": common.summarize(floor_s),
            "draft": common.summarize(draft_s),
            "pdf_200_lines": common.summarize(pdf_times),
        },
        "data": {
            "entries": EMPLOYEES * ENTRIES_PER_EMPLOYEE,
            "groups": len(groups),
            "subtotal": str(subtotal),
            "pdf_bytes": size,
            "loaded": load["loaded"],
            "load_seconds": load["load_seconds"],
        },
        **common.environment(),
    }
