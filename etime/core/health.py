"""Health for load balancers, monitors and people (docs/OPERATIONS.md "Health").

- ``/healthz``: the original cheap probe (is the database answering?), kept for compose files.
- ``/health/``: liveness. The process serves requests; nothing else is consulted.
- ``/health/ready/``: readiness. Runs every check; 200 when none failed, else 503. Each
  check reports ``status`` (``ok``, ``warn`` or ``fail``) and a few facts.

Built-in checks: database, broker, workers (a Celery ping over the broker where it
supports broadcast, else the heartbeat), beat (the last heartbeat, a beat entry run by a
worker every minute). Apps add theirs with ``register_check(name, fn, critical=...)`` in
AppConfig.ready() (the core imports no app): a non-critical check can only warn.
Unauthenticated; reports states and ages, never hosts, names or errors' details.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

Check = Callable[[], dict[str, Any]]
HEARTBEAT_KEY = "ops:heartbeat"
_checks: dict[str, tuple[Check, bool]] = {}


def register_check(name: str, fn: Check, *, critical: bool = False) -> None:
    _checks[name] = (fn, critical)


def record_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return {"status": "fail", "message": "unreachable"}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_broker() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        except redis.RedisError:
            return {"status": "fail", "message": "broker unreachable"}
        return {"status": "ok", "kind": "redis"}
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        import os

        ok = bool(folder) and os.path.isdir(folder) and os.access(folder, os.W_OK)
        return {"status": "ok" if ok else "fail", "kind": "filesystem"}
    return {"status": "ok", "kind": url.split(":", 1)[0], "message": "not probed"}


def check_workers() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        from etime.celery import app

        # kombu retries a broadcast to a dead broker for a long time: ask Redis first.
        if check_broker()["status"] != "ok":
            return {"status": "fail", "workers": 0, "message": "broker unreachable"}
        try:
            replies = _ping_workers(app, url)
        except Exception:
            return {"status": "fail", "workers": 0, "message": "cannot reach workers"}
        return {"status": "ok" if replies else "fail", "workers": len(replies)}
    # Broadcast needs a real broker: on the embedded filesystem broker, a worker is alive
    # when it ran the heartbeat task recently.
    age = heartbeat_age()
    ok = age is not None and age <= settings.ETIME_HEALTH_HEARTBEAT_MAX_SECONDS
    return {"status": "ok" if ok else "fail", "heartbeat_age_s": age}


def _ping_workers(app: Any, url: str) -> list[Any]:
    """Celery's control ping, over a connection of our own: ``app.control`` publishes
    through the app's shared producer pool, which retries a broken connection for minutes."""
    from kombu import pidbox

    control = app.control.mailbox
    mailbox = pidbox.Mailbox(
        control.namespace,
        type="fanout",
        accept=["json"],
        serializer="json",
        producer_pool=None,
        queue_ttl=control.queue_ttl,
        reply_queue_ttl=control.reply_queue_ttl,
        queue_expires=control.queue_expires,
        reply_queue_expires=control.reply_queue_expires,
    )
    with app.connection_for_write(url) as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
        replies = mailbox(conn)._broadcast("ping", {}, None, True, float(settings.ETIME_HEALTH_PING_SECONDS))
    return list(replies or [])


def heartbeat_age() -> float | None:
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception:
        return None
    return None if last is None else round(time.time() - float(last), 1)


def check_beat() -> dict[str, Any]:
    age = heartbeat_age()
    ok = age is not None and age <= settings.ETIME_HEALTH_HEARTBEAT_MAX_SECONDS
    return {"status": "ok" if ok else "fail", "last_tick_age_s": age}


register_check("database", check_database, critical=True)
register_check("broker", check_broker, critical=True)
register_check("workers", check_workers, critical=True)
register_check("beat", check_beat, critical=True)


def report() -> tuple[bool, dict[str, Any]]:
    results: dict[str, Any] = {}
    ready = True
    for name, (fn, critical) in _checks.items():
        try:
            result = fn()
        except Exception:
            result = {"status": "fail", "message": "check raised"}
        if not critical and result.get("status") == "fail":
            result = {**result, "status": "warn"}
        if result.get("status") == "fail":
            ready = False
        results[name] = result
    return ready, {"status": "ok" if ready else "fail", "checks": results}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    result = check_database()
    if result["status"] != "ok":
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    is_ready, body = report()
    return JsonResponse(body, status=200 if is_ready else 503)
