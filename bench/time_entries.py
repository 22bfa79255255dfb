"""time_entries: the time-entry API at 1,000,000 entries on PostgreSQL (issue 6).

Two dedicated databases: ``etime_bench_time_entries`` holds 1,000,000 entries (1,000
employees × 1,000 entries: 250 working days × 4 entries, loaded day by day as time
accumulates in real use) and ``etime_bench_time_entries_small`` the same schema with 1,000 entries (1 employee ×
1,000). The harness keeps one Django connection to each and points the ``default``
alias at one or the other around each call, so the variants interleave as usual.

Three figures, each a ratio measured in one run, all requests through the same
in-process ``django.test.Client`` and middleware:

(a) ``create_1m / create_1k``: ``POST /api/v1/time-entries/`` by an employee with
    1,000 entries of their own, into a free slot between two of them (so the overlap
    check has neighbours), in the 1M database against the 1k one. Goal ≤ 1.5 (p50).
(b) ``deep_page / first_page``: ``GET /api/v1/time-entries/?limit=50`` as an admin, the
    first page against the page after 90% of the rows (reached with the API's own
    ``next`` link). Goal ≤ 1.2 (p50).
(c) ``export / floor``: ``GET /api/v1/time-entries/export/?file_format=csv`` for the
    100,000 entries of one project, against a bench-only view writing the same rows
    with the csv module from ``.values_list()``. Goal ≤ 3.0 (p50). These calls take
    seconds each, so (c) uses one measured round per 40 of ``--repeats`` (5 at the default
    200, at most 15: ``--repeats 600``) and one warm-up round.

New entries are removed after the run, so runs can repeat on the same data.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import path

from bench import common

DESCRIPTION = "time entries at 1M: create with overlap check vs 1k, deep cursor page vs first, CSV export vs csv floor"

# The second database this benchmark owns (``--fresh`` drops it too).
DATABASE_SUFFIXES = ("_small",)
BIG_EMPLOYEES, SMALL_EMPLOYEES = 1000, 1
ENTRIES_PER_EMPLOYEE = 1000
DAYS = ENTRIES_PER_EMPLOYEE // 4
PROJECTS = 10  # project k holds the entries of employees i with i % 10 == k: 100,000 in the 1M database
FIRST_DAY = date(2024, 1, 1)  # a Monday
SLOTS = [
    (dtime(9, 0), dtime(10, 0)),
    (dtime(10, 30), dtime(12, 0)),
    (dtime(13, 0), dtime(15, 0)),
    (dtime(15, 30), dtime(17, 0)),
]
# Free slots between the stored ones, for the entries the bench creates.
GAPS = [
    (dtime(12, 5), dtime(12, 25)),
    (dtime(12, 30), dtime(12, 50)),
    (dtime(10, 5), dtime(10, 25)),
    (dtime(15, 5), dtime(15, 25)),
]
CODE_PREFIX = "TSB-"
NEW_MARK = "bench-new"
LIMIT = 50
DEEP_FRACTION = 0.9
# An export round is two calls of 10-20 s each on a busy 2-core machine: 15 rounds made
# this benchmark alone take 17 minutes, so by default it takes 5 (--repeats 600 for 15).
EXPORT_REPEATS_PER_ROUND, EXPORT_MAX_REPEATS, EXPORT_MAX_WARMUP = 40, 15, 1
GOAL_CREATE, GOAL_DEEP, GOAL_EXPORT = 1.5, 1.2, 3.0
API = "/api/v1/time-entries/"
FLOOR_PATH = "/api/bench/time-entries-csv-floor/"
FLOOR_VALUES = (
    "id",
    "date",
    "start",
    "end",
    "employee__code",
    "employee__first_name",
    "employee__last_name",
    "project__client__name",
    "project__name",
    "task__name",
    "description",
    "duration_seconds",
    "rounded_seconds",
    "billable",
    "status",
    "rate_applied",
    "rate_currency",
    "rate_effective_date",
    "rate_source",
    "invoice_id",
    "external_id",
)


# --- the floor (bench-only view) ---------------------------------------------------------------


def csv_floor(request: HttpRequest) -> HttpResponse:
    """The same rows as the export, written by the csv module straight from values_list()."""
    from timesheets.models import TimeEntry

    rows = (
        TimeEntry.objects.filter(project_id=request.GET["project"])
        .order_by("sort_key")
        .values_list(*FLOOR_VALUES)
        .iterator(chunk_size=5000)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FLOOR_VALUES)
    writer.writerows(rows)
    return HttpResponse(buffer.getvalue(), content_type="text/csv")


urlpatterns = [path(FLOOR_PATH.lstrip("/"), csv_floor, name="bench-time-entries-csv-floor")]


# --- databases ---------------------------------------------------------------------------------


def _urls() -> tuple[str, str]:
    return common.database_url_for("time_entries"), common.database_url_for("time_entries", "_small")


def _alias(url: str, alias: str) -> Any:
    """A connection to ``url`` under its own alias (kept open for the whole run)."""
    import dj_database_url
    from django.db import connections

    common._ensure_postgres_database(url)
    config = dj_database_url.parse(url, conn_max_age=None)
    config["CONN_HEALTH_CHECKS"] = True
    connections.settings[alias] = connections.configure_settings({"default": config})["default"]
    return connections[alias]


@contextmanager
def using(wrapper: Any) -> Iterator[None]:
    """Point the ``default`` alias at ``wrapper`` (everything etime does uses default)."""
    from django.db import connections

    saved = connections["default"]
    connections["default"] = wrapper
    try:
        yield
    finally:
        connections["default"] = saved


# --- data --------------------------------------------------------------------------------------


def _copy(table: str, columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    from django.db import connection

    count = 0
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {connection.ops.quote_name(table)} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _entry_rows(
    employees: list[Any], projects: list[Any], tasks: dict[Any, Any], seed: int
) -> Iterator[tuple[Any, ...]]:
    from timesheets.models import make_sort_key

    rng = random.Random(seed)
    now = datetime.now(UTC)
    rate_day = date(2024, 1, 1)
    day = FIRST_DAY
    for _ in range(DAYS):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        for index, employee in enumerate(employees):
            project = projects[index % len(projects)]
            for slot, (begin, finish) in enumerate(SLOTS):
                pk = uuid.UUID(int=rng.getrandbits(128), version=4)
                start = datetime.combine(day, begin, tzinfo=UTC)
                end = datetime.combine(day, finish, tzinfo=UTC)
                seconds = int((end - start).total_seconds())
                yield (
                    pk,
                    employee,
                    project,
                    tasks[project] if slot % 2 else None,
                    start,
                    end,
                    day,
                    seconds,
                    seconds,
                    f"work item {slot}",
                    True,
                    "draft",
                    Decimal("120.00"),
                    "CHF",
                    rate_day,
                    "client",
                    None,
                    "",
                    None,
                    "manual",
                    False,
                    "",
                    make_sort_key(start, pk),
                    now,
                    now,
                    None,
                )
        day += timedelta(days=1)


ENTRY_COLUMNS = [
    "id",
    "employee_id",
    "project_id",
    "task_id",
    "start",
    "end",
    "date",
    "duration_seconds",
    "rounded_seconds",
    "description",
    "billable",
    "status",
    "rate_applied",
    "rate_currency",
    "rate_effective_date",
    "rate_source",
    "cost_rate_applied",
    "cost_rate_currency",
    "invoice_id",
    "source",
    "auto_stopped",
    "external_id",
    "sort_key",
    "created_at",
    "updated_at",
    "created_by_id",
]


def _load(employee_count: int, seed: int) -> dict[str, Any]:
    """(Re)load the current database with ``employee_count`` × 1,000 entries if needed."""
    from django.db import connection, transaction

    from accounts.models import Employee, Role, User
    from timesheets import services
    from timesheets.models import Client, Project, Task, TimeEntry

    if {f.column for f in TimeEntry._meta.concrete_fields} != set(ENTRY_COLUMNS):
        raise common.HarnessError("TimeEntry's columns changed; update ENTRY_COLUMNS in bench/time_entries.py")
    expected = employee_count * ENTRIES_PER_EMPLOYEE
    _cleanup()  # a run that stopped half-way leaves its new entries behind
    total = Employee.objects.count()
    ours = Employee.objects.filter(code__startswith=CODE_PREFIX).count()
    if total != ours:
        raise common.HarnessError(
            f"{connection.settings_dict['NAME']} holds employees the bench did not create; "
            "point BENCH_TIME_ENTRIES_DATABASE_URL at a dedicated database (or --fresh)"
        )
    if ours == employee_count and TimeEntry.objects.count() == expected:
        return {"loaded": False, "load_seconds": 0.0}
    t0 = time.perf_counter()
    print(f"bench: loading {expected:,} time entries into {connection.settings_dict['NAME']}", file=sys.stderr)
    with connection.cursor() as cursor:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (TimeEntry, Task, Project, Client))
        cursor.execute(
            f"TRUNCATE {tables}, timesheets_rate, timesheets_timeentrydeletion, timesheets_project_members CASCADE"
        )
    # Through the ORM: it clears what references them (tokens, audit actors).
    Employee.objects.filter(code__startswith=CODE_PREFIX).delete()
    User.objects.filter(username__startswith="tsb-").delete()
    admin = User.objects.create_user(
        username="tsb-admin@bench.invalid", email="tsb-admin@bench.invalid", role=Role.ADMIN, is_staff=True
    )
    worker_user = User.objects.create_user(username="tsb-worker@bench.invalid", email="tsb-worker@bench.invalid")
    employees = Employee.objects.bulk_create(
        [
            Employee(
                code=f"{CODE_PREFIX}{i:07d}",
                first_name="Bench",
                last_name=f"Person {i}",
                user=worker_user if i == 0 else None,
            )
            for i in range(employee_count)
        ]
    )
    client = services.client_save(client=Client(name="TSB Client", currency="CHF"), actor=admin)
    services.rate_create(
        level="client", target_id=client.pk, amount=Decimal("120.00"), effective_from=date(2024, 1, 1), actor=admin
    )
    projects = [
        services.project_save(project=Project(client=client, name=f"TSB project {k}"), actor=admin)
        for k in range(PROJECTS)
    ]
    tasks = {p.pk: services.task_save(task=Task(project=p, name="Build"), actor=admin).pk for p in projects}
    with transaction.atomic():
        rows = _entry_rows([e.pk for e in employees], [p.pk for p in projects], tasks, seed)
        copied = _copy(TimeEntry._meta.db_table, ENTRY_COLUMNS, rows)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(TimeEntry._meta.db_table)}")
    seconds = round(time.perf_counter() - t0, 1)
    print(f"bench: {copied:,} entries loaded in {seconds}s", file=sys.stderr)
    return {"loaded": True, "load_seconds": seconds}


def _cleanup() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM timesheets_timeentry WHERE description = %s", [NEW_MARK])
        deleted = cursor.rowcount
    if deleted:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE timesheets_timeentry")


def _token(username: str, scopes: list[str]) -> tuple[Any, str]:
    from accounts.models import ApiToken, User
    from accounts.services import api_token_create

    user = User.objects.get(username=username)
    ApiToken.objects.filter(user=user).delete()
    _t, raw = api_token_create(user=user, name="bench", scopes_requested=scopes, actor=user)
    return user, raw


def _gap_bodies(project_id: Any, count: int) -> Iterator[str]:
    """JSON bodies for ``count`` new entries, each in a free gap of a different slot."""
    if count > DAYS * len(GAPS):
        raise common.HarnessError(f"at most {DAYS * len(GAPS)} creates per database; lower --repeats/--warmup")
    days: list[date] = []
    day = FIRST_DAY
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    for n in range(count):
        begin, finish = GAPS[n // DAYS]
        day = days[n % DAYS]
        yield json.dumps(
            {
                "project": str(project_id),
                "description": NEW_MARK,
                "start": datetime.combine(day, begin, tzinfo=UTC).isoformat(),
                "end": datetime.combine(day, finish, tzinfo=UTC).isoformat(),
            }
        )


# --- run ---------------------------------------------------------------------------------------


def _check(name: str, response: Any, status: int = 200) -> None:
    if response.status_code != status:
        hint = " (user rate limit: set ETIME_API_USER_THROTTLE higher)" if response.status_code == 429 else ""
        raise common.HarnessError(f"{name}: HTTP {response.status_code}{hint}: {response.content[:300]!r}")


def _deep_url(client: Any, rows: int) -> str:
    from rest_framework.pagination import Cursor

    from etime.core.api.pagination import EtimeCursorPagination
    from timesheets.models import TimeEntry

    deep_offset = int(rows * DEEP_FRACTION)
    keys = TimeEntry.objects.order_by("-sort_key").values_list("sort_key", flat=True)
    seed_start = deep_offset - LIMIT
    paginator = EtimeCursorPagination()
    paginator.base_url = f"http://testserver{API}?limit={LIMIT}"
    seed_url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=keys[seed_start - 1]))  # type: ignore[arg-type]  # the stubs say int; DRF stores the ordering field's value
    response = client.get(seed_url)
    _check("seed page", response)
    deep_url = json.loads(response.content)["next"]
    query = parse_qs(urlsplit(deep_url or "").query)
    if not deep_url or query.get("limit") != [str(LIMIT)] or "cursor" not in query:
        raise common.HarnessError(f"unexpected next link {deep_url!r}")
    deep = client.get(deep_url)
    _check("deep page", deep)
    expected = list(keys[deep_offset : deep_offset + LIMIT].values_list("id", flat=True))
    if [r["id"] for r in json.loads(deep.content)["results"]] != [str(pk) for pk in expected]:
        raise common.HarnessError(f"the deep page does not start at row {deep_offset + 1}")
    return str(deep_url)


def _queries(client: Any, method: str, url: str, **kwargs: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        getattr(client, method)(url, **kwargs)
    return len(ctx.captured_queries)


def _ratios(numerator: list[float], denominator: list[float]) -> dict[str, float]:
    return {
        "p50": common.ratio(numerator, denominator, 50),
        "p90": common.ratio(numerator, denominator, 90),
        "paired_median": common.paired_median_ratio(numerator, denominator),
    }


def run(options: common.Options) -> dict[str, Any]:
    big_url, small_url = _urls()
    common.django_ready()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from bench.api_list import check_throttle_budget, reset_throttle
    from timesheets.models import Project, TimeEntry

    big_employees = (options.rows or BIG_EMPLOYEES * ENTRIES_PER_EMPLOYEE) // ENTRIES_PER_EMPLOYEE
    if big_employees < PROJECTS:
        raise common.HarnessError(f"--rows must be at least {PROJECTS * ENTRIES_PER_EMPLOYEE}")
    creates = options.warmup + options.repeats
    export_repeats = max(1, min(options.repeats // EXPORT_REPEATS_PER_ROUND, EXPORT_MAX_REPEATS))
    export_warmup = min(options.warmup, EXPORT_MAX_WARMUP)
    check_throttle_budget(2 * creates + 10)
    databases = {"big": _alias(big_url, "bench_ts_big"), "small": _alias(small_url, "bench_ts_small")}
    load: dict[str, Any] = {}
    context: dict[str, dict[str, Any]] = {}
    for name, wrapper in databases.items():
        with using(wrapper):
            call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
            load[name] = _load(big_employees if name == "big" else SMALL_EMPLOYEES, options.seed)
            _cleanup()
            worker, worker_token = _token("tsb-worker@bench.invalid", ["write:time_entries"])
            admin, admin_token = _token("tsb-admin@bench.invalid", ["read:all"])
            reset_throttle(worker)
            reset_throttle(admin)
            # Exported: project 0 (exactly a tenth of the entries). New entries go to
            # project 1, so the export's size stays the same whatever runs first.
            projects = list(Project.objects.order_by("name").values_list("pk", flat=True)[:2])
            context[name] = {
                "rows": TimeEntry.objects.count(),
                "project": projects[0],
                "worker": Client(headers={"authorization": f"Bearer {worker_token}"}),
                "admin": Client(headers={"authorization": f"Bearer {admin_token}"}),
                "bodies": _gap_bodies(projects[1], creates + 1),
            }

    settings.ROOT_URLCONF = "bench.urls"  # the floor view in front of etime's URLs
    big, small = context["big"], context["small"]

    def create(name: str) -> Any:
        ctx, wrapper = context[name], databases[name]

        def call() -> Any:
            body = next(ctx["bodies"])
            with using(wrapper):
                return ctx["worker"].post(API, body, content_type="application/json")

        return call

    # Correctness before timing, and query counts.
    with using(databases["small"]):
        create_queries = _queries(
            small["worker"], "post", API, data=next(small["bodies"]), content_type="application/json"
        )
    with using(databases["big"]):
        create_queries_big = _queries(
            big["worker"], "post", API, data=next(big["bodies"]), content_type="application/json"
        )
        first_url = f"{API}?limit={LIMIT}"
        _check("first page", big["admin"].get(first_url))
        deep_url = _deep_url(big["admin"], big["rows"])
        export_url = f"{API}export/?file_format=csv&project={big['project']}"
        floor_url = f"{FLOOR_PATH}?project={big['project']}"
        exported, floored = big["admin"].get(export_url), big["admin"].get(floor_url)
        _check("export", exported)
        _check("floor", floored)
        export_rows = len(list(csv.reader(io.StringIO(exported.content.decode())))) - 1
        floor_rows = len(list(csv.reader(io.StringIO(floored.content.decode())))) - 1
        in_project = TimeEntry.objects.filter(project_id=big["project"]).count()
        if not export_rows == floor_rows == in_project:
            raise common.HarnessError(f"export has {export_rows} rows, floor {floor_rows}, the project {in_project}")
        page_queries = {
            "first_page": _queries(big["admin"], "get", first_url),
            "deep_page": _queries(big["admin"], "get", deep_url),
        }

    samples_create = common.run_interleaved(
        {"create_1m": create("big"), "create_1k": create("small")},
        repeats=options.repeats,
        warmup=options.warmup,
        seed=options.seed,
        check=lambda name, response: _check(name, response, 201),
    )
    with using(databases["big"]):
        samples_pages = common.run_interleaved(
            {"first_page": lambda: big["admin"].get(first_url), "deep_page": lambda: big["admin"].get(deep_url)},
            repeats=options.repeats,
            warmup=options.warmup,
            seed=options.seed,
            check=_check,
        )
        samples_export = common.run_interleaved(
            {"export": lambda: big["admin"].get(export_url), "floor": lambda: big["admin"].get(floor_url)},
            repeats=export_repeats,
            warmup=export_warmup,
            seed=options.seed,
            check=_check,
        )
    for wrapper in databases.values():
        with using(wrapper):
            _cleanup()

    create_ratio = _ratios(samples_create["create_1m"], samples_create["create_1k"])
    deep_ratio = _ratios(samples_pages["deep_page"], samples_pages["first_page"])
    export_ratio = _ratios(samples_export["export"], samples_export["floor"])
    goals = [
        common.goal("create_1m/create_1k", create_ratio["p50"], GOAL_CREATE),
        common.goal("deep_page/first_page", deep_ratio["p50"], GOAL_DEEP),
        common.goal("export/floor", export_ratio["p50"], GOAL_EXPORT),
    ]
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {
            "create_1m/create_1k": create_ratio,
            "deep_page/first_page": deep_ratio,
            "export/floor": export_ratio,
        },
        "figures_ms": {
            "_note": "wall time per request in this run; compare runs by the ratios only",
            **{name: common.summarize(values) for name, values in samples_create.items()},
            **{name: common.summarize(values) for name, values in samples_pages.items()},
            **{name: common.summarize(values) for name, values in samples_export.items()},
        },
        "floor": "export: TimeEntry.objects.filter(project=…).order_by('sort_key').values_list(<the export's columns>) "
        "written by csv.writer into an HttpResponse, same Client and middleware",
        "parameters": {
            "entries": {"big": big["rows"], "small": small["rows"]},
            "employees": {"big": big_employees, "small": SMALL_EMPLOYEES},
            "entries_per_employee": ENTRIES_PER_EMPLOYEE,
            "export_rows": export_rows,
            "limit": LIMIT,
            "deep_page_starts_at_row": int(big["rows"] * DEEP_FRACTION) + 1,
            "repeats": options.repeats,
            "warmup_rounds": options.warmup,
            "export_repeats": export_repeats,
            "export_warmup_rounds": export_warmup,
            "seed": options.seed,
            "queries_per_request": {"create_1k": create_queries, "create_1m": create_queries_big, **page_queries},
            "response_bytes": {"export": len(exported.content), "floor": len(floored.content)},
            "client": "django.test.Client, in-process (DEBUG=false, Redis cache)",
            "auth": "create: the employee's own token (write:time_entries); pages and export: admin (read:all)",
            "databases": {"big": urlsplit(big_url).path.lstrip("/"), "small": urlsplit(small_url).path.lstrip("/")},
            "data_loaded_this_run": {k: v["loaded"] for k, v in load.items()},
            "load_seconds": {k: v["load_seconds"] for k, v in load.items()},
            **common.environment(),
        },
    }
