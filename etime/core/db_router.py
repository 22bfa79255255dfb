"""Read-only reports from a PostgreSQL replica (docs/DEPLOYMENT.md "Scaling out").

With ``DATABASE_REPLICA_URL`` set, settings add the ``replica`` alias and set
``ETIME_REPORTS_DATABASE`` to it. ``ReplicaReportsMiddleware`` marks a request to one of
``REPORT_VIEWS`` (explicitly chosen: they only read, and a few seconds of replication lag
does not matter to them); inside such a request ``ReportsReplicaRouter`` sends the reads
of report data (``REPORT_APPS``, the people and org models) to the replica. Everything else
reads the primary: other views, and in a report request the models sign-in and throttling
read (users, tokens, sessions, company settings), which must see a login created a moment
ago. Writes always go to the primary, a report's included (an audit row, a token's
last use), even for an object read from the replica.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

# URL names of the report views that read from the replica.
REPORT_VIEWS = frozenset(
    {
        "api-attendance-register",  # GET /api/v1/attendance/register/ (JSON, CSV, XLSX, PDF)
        "api-attendance-summary",  # GET /api/v1/attendance/summary/
        "attendance_register_export",  # the team page's register download
        "api-report-time",  # GET /api/v1/reports/time/
        "api-report-budget",  # GET /api/v1/reports/budget/
        "api-report-billing",  # GET /api/v1/reports/billing/
    }
)
# Report data: these apps' models, and the people and org models reports group by.
REPORT_APPS = frozenset({"attendance", "leave", "timesheets", "billing"})
REPORT_MODELS = frozenset({"accounts.Employee", "accounts.Department", "accounts.Location"})

_reading_reports: ContextVar[bool] = ContextVar("etime_reading_reports", default=False)


@contextmanager
def report_reads() -> Iterator[None]:
    """Reads of report data inside the block go to ETIME_REPORTS_DATABASE."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def _is_report_data(model: Any) -> bool:
    meta = model._meta
    return meta.app_label in REPORT_APPS or meta.label in REPORT_MODELS


class ReportsReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        target = settings.ETIME_REPORTS_DATABASE
        if target != DEFAULT_DB_ALIAS and _reading_reports.get() and _is_report_data(model):
            return str(target)
        return None  # Django's own choice: the instance's database, else default

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        instance = hints.get("instance")
        if instance is not None and getattr(instance._state, "db", None) == settings.ETIME_REPORTS_DATABASE:
            return DEFAULT_DB_ALIAS  # read from the replica, written to the primary
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the primary's rows: an object read there may point at one read here.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return None


class ReplicaReportsMiddleware:
    """Marks requests to REPORT_VIEWS (nothing to do, and no URL resolved, without a replica)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.ETIME_REPORTS_DATABASE == DEFAULT_DB_ALIAS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            return self.get_response(request)
        if name not in REPORT_VIEWS:
            return self.get_response(request)
        with report_reads():
            return self.get_response(request)
