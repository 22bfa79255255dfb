"""api_list: ``GET /api/v1/employees/?limit=50`` with 100,000 employees on PostgreSQL.

Three variants, interleaved, through the same in-process ``django.test.Client`` and the
same middleware stack, all with the same ``Authorization: Bearer`` header:

- ``floor``: the first page's 50 rows read with ``Employee.objects.order_by("code")
  .values(...)`` (the fields the API returns) and returned as a plain ``JsonResponse``
  by a bench-only view (``/api/bench/employees-floor/``);
- ``first_page``: the API's first page, as an admin with a ``read:all`` bearer token;
- ``deep_page``: the API page that starts after 90% of the rows (row 90,001 of
  100,000), reached with the ``next`` cursor the API itself returned.

Goals (issue 2): first_page/floor <= 2.0 and deep_page/first_page <= 1.2, on p50.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.urls import path

from bench import common

DESCRIPTION = "GET /api/v1/employees/?limit=50 (first page, page after 90% of 100k rows) vs .values() + JsonResponse"

DEFAULT_ROWS = 100_000
DEEP_FRACTION = 0.9
LIMIT = 50
CODE_PREFIX = "BENCH-"
USER_PREFIX = "bench-emp-"
LOGIN_EVERY = 10  # every 10th employee has a login (a role to show)
ADMIN_USERNAME = "bench-admin@bench.invalid"
API_PATH = "/api/v1/employees/"
FLOOR_PATH = "/api/bench/employees-floor/"
GOAL_FIRST_VS_FLOOR = 2.0
GOAL_DEEP_VS_FIRST = 1.2

# The fields EmployeeSerializer returns (relations as ids), as .values() names them.
FLOOR_FIELDS = (
    "id",
    "code",
    "first_name",
    "last_name",
    "email",
    "department",
    "manager",
    "location",
    "time_zone",
    "hire_date",
    "end_date",
    "device_user_id",
    "card_number",
    "user",
    "created_at",
    "updated_at",
)


# --- the floor (bench-only view) ------------------------------------------------------


def employee_floor(request: HttpRequest) -> JsonResponse:
    from accounts.models import Employee

    limit = int(request.GET.get("limit", LIMIT))
    rows = list(Employee.objects.order_by("code").values(*FLOOR_FIELDS, role=F("user__role"))[:limit])
    return JsonResponse({"results": rows})


urlpatterns = [path(FLOOR_PATH.lstrip("/"), employee_floor, name="bench-employees-floor")]


# --- data -------------------------------------------------------------------------------


def _copy_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows (attname -> value) with COPY on PostgreSQL, bulk_create elsewhere.

    Fields a row does not name get the model field's default, so a field added to the
    model later does not break the loader.
    """
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields]
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=2000)
        return
    missing = [f for f in fields if f.attname not in rows[0]]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            for f in missing:
                row[f.attname] = f.get_db_prep_save(f.get_default(), connection)
            copy.write_row([row[f.attname] for f in fields])


def _load_employees(rows: int, seed: int) -> None:
    from django.db import connection, transaction

    from accounts.models import Department, Employee, Location, Role, User

    rng = random.Random(seed)
    now = datetime.now(UTC)
    zones = ["Europe/Zurich", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
    locations = []
    for i, zone in enumerate(zones):
        loc, _ = Location.objects.get_or_create(name=f"Bench site {i}", defaults={"time_zone": zone, "country": ""})
        locations.append(loc.pk)
    departments = []
    for i in range(20):
        dept, _ = Department.objects.get_or_create(name=f"Bench department {i:02d}", defaults={"code": f"BD{i:02d}"})
        departments.append(dept.pk)

    first_names = ["Anna", "Ben", "Chloe", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Karin", "Luca"]
    last_names = ["Meier", "Muller", "Schmid", "Keller", "Weber", "Huber", "Frei", "Baumann", "Fischer", "Brunner"]
    ids = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(rows)]
    users: list[dict[str, Any]] = []
    employees: list[dict[str, Any]] = []
    for i in range(rows):
        first, last = rng.choice(first_names), rng.choice(last_names)
        email = f"{USER_PREFIX}{i + 1:07d}@bench.invalid"
        user_id = None
        if i % LOGIN_EVERY == 0:
            user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            users.append(
                {
                    "id": user_id,
                    "password": "!bench-unusable",
                    "last_login": None,
                    "is_superuser": False,
                    "username": email,
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "is_staff": False,
                    "is_active": True,
                    "date_joined": now,
                    "role": Role.MANAGER if i % 100 == 0 else Role.EMPLOYEE,
                    "password_change_required": False,
                }
            )
        hire = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        employees.append(
            {
                "id": ids[i],
                "user_id": user_id,
                "code": f"{CODE_PREFIX}{i + 1:07d}",
                "first_name": first,
                "last_name": last,
                "email": email,
                "department_id": departments[i % len(departments)],
                # A forest: the first 1% are top managers, everyone else reports to i // 10.
                "manager_id": ids[i // 10] if i >= rows // 100 and i // 10 != i else None,
                "location_id": locations[i % len(locations)],
                "time_zone": "" if i % 3 else zones[i % len(zones)],
                "hire_date": hire,
                "end_date": hire + timedelta(days=800) if i % 17 == 0 else None,
                "device_user_id": str(i + 1),
                "card_number": f"C{i + 1:09d}" if i % 2 == 0 else None,
                "created_at": now,
                "updated_at": now,
            }
        )
    # Random physical order, as years of edits would leave it (codes are not insert order).
    rng.shuffle(employees)
    with transaction.atomic():
        _copy_rows(User, users)
        _copy_rows(Employee, employees)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (User, Employee):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _delete_bench_employees() -> None:
    from django.db import connection, transaction

    from accounts.models import Employee, User

    emp = connection.ops.quote_name(Employee._meta.db_table)
    usr = connection.ops.quote_name(User._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {emp} SET manager_id = NULL WHERE code LIKE %s", [CODE_PREFIX + "%"])
        cursor.execute(f"DELETE FROM {emp} WHERE code LIKE %s", [CODE_PREFIX + "%"])
        cursor.execute(f"DELETE FROM {usr} WHERE username LIKE %s", [USER_PREFIX + "%"])


def ensure_employees(rows: int, seed: int) -> dict[str, Any]:
    """Exactly ``rows`` bench employees; reuses them when the count already matches."""
    from accounts.models import Employee

    total = Employee.objects.count()
    bench = Employee.objects.filter(code__startswith=CODE_PREFIX).count()
    if total != bench:
        raise common.HarnessError(
            f"the bench database holds {total - bench} employees that the bench did not create; "
            "point BENCH_API_LIST_DATABASE_URL at a dedicated database (or drop it: --fresh)"
        )
    if bench == rows:
        return {"loaded": False, "load_seconds": 0.0}
    t0 = time.perf_counter()
    if bench:
        print(f"bench: {bench} bench employees, {rows} wanted: reloading", file=sys.stderr)
        _delete_bench_employees()
    print(f"bench: loading {rows} employees", file=sys.stderr)
    _load_employees(rows, seed)
    seconds = round(time.perf_counter() - t0, 1)
    print(f"bench: loaded in {seconds}s", file=sys.stderr)
    return {"loaded": True, "load_seconds": seconds}


def admin_token() -> tuple[Any, str]:
    """The bench admin and a fresh read:all bearer token (older bench tokens deleted)."""
    from accounts.models import ApiToken, Role, User
    from accounts.services import api_token_create

    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        admin = User.objects.create_user(
            username=ADMIN_USERNAME, email=ADMIN_USERNAME, password=None, role=Role.ADMIN, is_staff=True
        )
    ApiToken.objects.filter(user=admin).delete()
    _token, raw = api_token_create(user=admin, name="bench", scopes_requested=["read:all"], actor=admin)
    return admin, raw


def check_throttle_budget(api_requests: int) -> None:
    """Fail early, not with a 429 mid-run, when the run needs more API requests than
    the user rate limit allows (the floor view is not throttled)."""
    from rest_framework.throttling import UserRateThrottle

    throttle = UserRateThrottle()
    if throttle.rate is None:
        return
    allowed, per_seconds = throttle.parse_rate(throttle.rate)
    if allowed is not None and api_requests > allowed:
        raise common.HarnessError(
            f"this run needs ~{api_requests} API requests but the user rate limit is {throttle.rate} "
            f"({allowed} per {per_seconds}s); lower --repeats or set ETIME_API_USER_THROTTLE higher"
        )


def reset_throttle(user: Any) -> None:
    """Start from an empty throttle history, so a run never trips the user rate limit
    because of the previous run (the history still grows during the run, as in use)."""
    from django.core.cache import cache
    from rest_framework.throttling import UserRateThrottle

    cache.delete(UserRateThrottle.cache_format % {"scope": UserRateThrottle.scope, "ident": user.pk})


# --- run ---------------------------------------------------------------------------------


def _json(response: Any) -> Any:
    return json.loads(response.content)


def _codes(response: Any) -> list[str]:
    return [row["code"] for row in _json(response)["results"]]


def _deep_url(client: Any, deep_offset: int) -> str:
    """The API's own ``next`` link for the page starting at row ``deep_offset`` (0-based).

    Walking 900 pages to get there would cost ~900 requests against the user's rate
    limit; instead a cursor is made for the page before (the same way the paginator
    encodes one) and the API is asked for it: its ``next`` is the real deep cursor.
    """
    from rest_framework.pagination import Cursor

    from accounts.models import Employee
    from etime.core.api.pagination import EtimeCursorPagination

    codes = Employee.objects.order_by("code").values_list("code", flat=True)
    seed_start = deep_offset - LIMIT  # the page before the deep one starts here
    seed_position = codes[seed_start - 1]  # a cursor points after its position
    paginator = EtimeCursorPagination()
    paginator.base_url = f"http://testserver{API_PATH}?limit={LIMIT}"
    seed_url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=seed_position))  # type: ignore[arg-type]  # the stubs say int; DRF stores the ordering field's value
    response = client.get(seed_url)
    if response.status_code != 200:
        raise common.HarnessError(f"seed page: HTTP {response.status_code}: {response.content[:300]!r}")
    body = _json(response)
    if [r["code"] for r in body["results"]] != list(codes[seed_start:deep_offset]):
        raise common.HarnessError("seed page: unexpected rows (cursor format changed?)")
    deep_url = body["next"]
    if not deep_url:
        raise common.HarnessError("seed page has no next link")
    query = parse_qs(urlsplit(deep_url).query)
    if query.get("limit") != [str(LIMIT)] or "cursor" not in query:
        raise common.HarnessError(f"unexpected next link {deep_url}")
    response = client.get(deep_url)
    expected = list(codes[deep_offset : deep_offset + LIMIT])
    if response.status_code != 200 or _codes(response) != expected:
        raise common.HarnessError(f"deep page does not start at row {deep_offset + 1}")
    return deep_url


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise common.HarnessError(f"{url}: HTTP {response.status_code}")
    return len(ctx.captured_queries)


def run(options: common.Options) -> dict[str, Any]:
    common.django_ready()
    from django.conf import settings
    from django.test import Client

    from accounts.models import Employee

    rows = options.rows or DEFAULT_ROWS
    deep_offset = int(rows * DEEP_FRACTION)
    if deep_offset < 2 * LIMIT or rows - deep_offset < LIMIT:
        raise common.HarnessError(f"--rows {rows} is too small for a deep page of {LIMIT}")
    check_throttle_budget(2 * (options.repeats + options.warmup) + 20)
    load = ensure_employees(rows, options.seed)
    admin, raw_token = admin_token()
    reset_throttle(admin)

    settings.ROOT_URLCONF = "bench.urls"  # adds the floor view in front of etime's URLs
    client = Client(headers={"authorization": f"Bearer {raw_token}"})
    first_url = f"{API_PATH}?limit={LIMIT}"
    floor_url = f"{FLOOR_PATH}?limit={LIMIT}"

    # Correctness before timing: the floor and the first page carry the same rows.
    first = client.get(first_url)
    floor = client.get(floor_url)
    if first.status_code != 200 or floor.status_code != 200:
        raise common.HarnessError(
            f"first page HTTP {first.status_code} {first.content[:300]!r}; floor HTTP {floor.status_code}"
        )
    expected_first = list(Employee.objects.order_by("code").values_list("code", flat=True)[:LIMIT])
    if _codes(first) != expected_first or _codes(floor) != expected_first:
        raise common.HarnessError("first page and floor do not return the first 50 employees by code")
    api_fields = sorted(_json(first)["results"][0])
    deep_url = _deep_url(client, deep_offset)
    urls = {"floor": floor_url, "first_page": first_url, "deep_page": deep_url}
    queries = {name: _queries(client, url) for name, url in urls.items()}
    sizes = {name: len(client.get(url).content) for name, url in urls.items()}

    def fetch(url: str) -> Any:
        return lambda: client.get(url)

    def check(name: str, response: Any) -> None:
        if response.status_code != 200:
            hint = " (user rate limit: set ETIME_API_USER_THROTTLE higher)" if response.status_code == 429 else ""
            raise common.HarnessError(f"{name}: HTTP {response.status_code}{hint}: {response.content[:300]!r}")

    samples = common.run_interleaved(
        {name: fetch(url) for name, url in urls.items()},
        repeats=options.repeats,
        warmup=options.warmup,
        seed=options.seed,
        check=check,
    )
    floor_s, first_s, deep_s = samples["floor"], samples["first_page"], samples["deep_page"]
    first_vs_floor = common.ratio(first_s, floor_s, 50)
    deep_vs_first = common.ratio(deep_s, first_s, 50)
    goals = [
        common.goal("first_page/floor", first_vs_floor, GOAL_FIRST_VS_FLOOR),
        common.goal("deep_page/first_page", deep_vs_first, GOAL_DEEP_VS_FIRST),
    ]
    return {
        "met": all(g["met"] for g in goals),
        "goals": goals,
        "ratios": {
            "first_page/floor": {
                "p50": first_vs_floor,
                "p90": common.ratio(first_s, floor_s, 90),
                "paired_median": common.paired_median_ratio(first_s, floor_s),
            },
            "deep_page/first_page": {
                "p50": deep_vs_first,
                "p90": common.ratio(deep_s, first_s, 90),
                "paired_median": common.paired_median_ratio(deep_s, first_s),
            },
            "deep_page/floor": {"p50": common.ratio(deep_s, floor_s, 50), "p90": common.ratio(deep_s, floor_s, 90)},
        },
        "figures_ms": {
            "_note": "wall time per request in this run; compare runs by the ratios only",
            "floor": common.summarize(floor_s),
            "first_page": common.summarize(first_s),
            "deep_page": common.summarize(deep_s),
        },
        "floor": "Employee.objects.order_by('code').values(<API fields>, role=user__role)[:50] as JsonResponse, "
        "same Client, middleware and Authorization header",
        "parameters": {
            "rows": rows,
            "limit": LIMIT,
            "deep_page_starts_at_row": deep_offset + 1,
            "repeats": options.repeats,
            "warmup_rounds": options.warmup,
            "seed": options.seed,
            "client": "django.test.Client, in-process (DEBUG=false, Redis cache)",
            "auth": "admin, Bearer token with read:all",
            "queries_per_request": queries,
            "response_bytes": sizes,
            "api_fields": api_fields,
            "data_loaded_this_run": load["loaded"],
            "load_seconds": load["load_seconds"],
            **common.environment(),
        },
    }
