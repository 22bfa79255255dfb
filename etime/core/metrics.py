"""Prometheus metrics (docs/OPERATIONS.md "Metrics").

What happens in a process is counted here with prometheus-client: requests per view
(``MetricsMiddleware``), tasks per queue (Celery signals), failed logins (Django's
``user_login_failed``), the latency from a day marked dirty to its attendance recomputed.
What the database holds (device sync lag, backup age, mails waiting, the dirty set) and
what the broker holds (queue lengths) is read when Prometheus scrapes, by
``etime.core.metrics_db.DatabaseCollector``, so a scrape shows what the database says now.

gunicorn runs several worker processes and Celery several pool processes: with
``PROMETHEUS_MULTIPROC_DIR`` set, each process writes its counters and histograms to files
there (prometheus-client's multiprocess mode) and ``/metrics`` adds them up, whichever
process answers. Files are named by host name and process id, so web and worker
containers of one machine may share the directory. Without it (the embedded default, the
tests), each process counts in memory.

``GET /metrics`` answers only a scraper with ``Authorization: Bearer <ETIME_METRICS_TOKEN>``
or from an address in ``ETIME_METRICS_ALLOW``; with neither set the endpoint is off (404).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import values

if settings.PROMETHEUS_MULTIPROC_DIR:
    # Before any metric exists: the files carry host and pid, not the pid alone, so two
    # containers sharing the directory (each has its own pid 1, 7, …) never share a file.
    _host = socket.gethostname()
    values.ValueClass = values.MultiProcessValue(lambda: f"{_host}-{os.getpid()}")

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402
from prometheus_client.registry import REGISTRY, Collector  # noqa: E402

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_TASK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 7200.0)
_RECOMPUTE_BUCKETS = (1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

REQUESTS = Counter(
    "etime_http_requests", "HTTP requests answered, per view, method and status.", ["view", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "etime_http_request_duration_seconds",
    "Time to answer a request, per view.",
    ["view", "method"],
    buckets=_LATENCY_BUCKETS,
)
TASKS = Counter("etime_celery_tasks", "Celery tasks finished, per task, queue and state.", ["task", "queue", "state"])
TASK_SECONDS = Histogram(
    "etime_celery_task_duration_seconds",
    "Time a task ran, per task and queue.",
    ["task", "queue"],
    buckets=_TASK_BUCKETS,
)
LOGIN_FAILURES = Counter("etime_login_failures", "Failed sign-ins (wrong password, unknown user, locked out).")
PUNCHES_STORED = Counter(
    "etime_punches_stored", "Punches stored, per source (device, web, api, manual...).", ["source"]
)
RECOMPUTE_LATENCY = Histogram(
    "etime_punch_to_attendance_seconds",
    "From a day marked dirty (a punch stored, a plan or leave changed) to its attendance recomputed.",
    buckets=_RECOMPUTE_BUCKETS,
)


# --- Requests ------------------------------------------------------------------------------


def _view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"  # a 404 before routing: one series, not one per URL tried
    return match.view_name or match.route or "<unnamed>"


class MetricsMiddleware:
    """Outermost middleware: counts every answer and its time, per view (a bounded set of
    names, never the URL with its ids)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = _view_label(request)
        REQUEST_SECONDS.labels(view, request.method or "").observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
        return response


# --- Tasks ---------------------------------------------------------------------------------

_started: dict[str, float] = {}


def task_queue(task: Any) -> str:
    """The queue a task came from: the broker says (delivery_info); eager runs have none,
    so the route table in settings does."""
    info = getattr(getattr(task, "request", None), "delivery_info", None) or {}
    return str(info.get("routing_key") or settings.ETIME_TASK_QUEUE.get(getattr(task, "name", ""), "default"))


def _task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def _task_finished(task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any) -> None:
    started = _started.pop(task_id or "", None)
    if task is None:
        return
    queue = task_queue(task)
    if started is not None:
        TASK_SECONDS.labels(task.name, queue).observe(time.perf_counter() - started)
    TASKS.labels(task.name, queue, (state or "unknown").lower()).inc()


def _login_failed(**_: Any) -> None:
    LOGIN_FAILURES.inc()


def connect_signals() -> None:
    """Called once from CoreConfig.ready()."""
    from celery.signals import task_postrun, task_prerun
    from django.contrib.auth.signals import user_login_failed

    task_prerun.connect(_task_started, weak=False, dispatch_uid="etime.metrics.task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="etime.metrics.task_finished")
    user_login_failed.connect(_login_failed, weak=False, dispatch_uid="etime.metrics.login_failed")


def count_punches_stored(source: str, count: int = 1) -> None:
    """Count ``count`` punches of ``source`` once the transaction that stores them commits
    (a rolled-back batch is not counted, so the counter follows the punch table)."""
    from django.db import transaction

    if count > 0:
        transaction.on_commit(lambda: PUNCHES_STORED.labels(str(source)).inc(count))


def observe_recompute(marked: Iterable[Any], *, now: Any) -> None:
    """One observation per employee-day recomputed: ``now`` minus when it was last marked."""
    for marked_at in marked:
        if marked_at is not None:
            RECOMPUTE_LATENCY.observe(max(0.0, (now - marked_at).total_seconds()))


# --- The endpoint --------------------------------------------------------------------------


class _ProcessCollector(Collector):
    """This process's own metrics, when there are no multiprocess files to add up."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


def registry() -> CollectorRegistry:
    from etime.core.metrics_db import DatabaseCollector

    scrape = CollectorRegistry(auto_describe=False)
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(scrape, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        scrape.register(_ProcessCollector())
    scrape.register(DatabaseCollector())
    return scrape


def _allowed_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.ETIME_METRICS_ALLOW)


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token, allow = settings.ETIME_METRICS_TOKEN, settings.ETIME_METRICS_ALLOW
    if not token and not allow:
        return HttpResponseNotFound()  # off: no sign that the endpoint exists
    offered = _bearer(request)
    by_token = bool(token) and bool(offered) and hmac.compare_digest(offered.encode(), token.encode())
    # REMOTE_ADDR is the peer that connected (behind the TLS proxy: the proxy), never a
    # forwarded header a client could write.
    by_address = bool(allow) and _allowed_address(request.META.get("REMOTE_ADDR", ""))
    if not (by_token or by_address):
        return HttpResponseForbidden()
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
