"""Transaction-scoped locks and deadlock retries, on every engine.

``xact_lock(namespace, key)`` makes the calling transaction the only holder of that
(namespace, key) until it commits or rolls back:

- PostgreSQL: ``pg_advisory_xact_lock`` on a 64-bit hash of the pair;
- MariaDB/MySQL: an exclusive lock on the pair's row in ``etime_lock`` (created by the
  migration ``core.0004_engine_guarantees``), taken with ``INSERT … ON DUPLICATE KEY
  UPDATE``, which creates the row the first time and locks it either way. A row lock,
  unlike ``GET_LOCK``, ends with the transaction, as the advisory lock does;
- SQLite: the settings open every transaction IMMEDIATE, which already holds the
  database's one write lock; a write statement that touches no row takes it too, should
  a transaction have been opened DEFERRED.

``retry_deadlocks`` runs a transaction again when the engine aborted it as a deadlock
victim (InnoDB error 1213, PostgreSQL 40P01), at most ``attempts`` times in all.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import OperationalError, connections

from etime.core.db.engines import engine

logger = logging.getLogger(__name__)

LOCK_TABLE = "etime_lock"
F = TypeVar("F", bound=Callable[..., Any])


def _digest(namespace: str, key: Any) -> bytes:
    return hashlib.sha256(f"{namespace}:{key}".encode()).digest()


def xact_lock(namespace: str, key: Any, *, using: str = "default") -> None:
    """Block until no other transaction holds (namespace, key); hold it until this one ends."""
    kind = engine(using)
    digest = _digest(namespace, key)
    with connections[using].cursor() as cursor:
        if kind == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)])
        elif kind == "mysql":
            cursor.execute(
                f"INSERT INTO {LOCK_TABLE} (name) VALUES (%s) ON DUPLICATE KEY UPDATE name = name",  # noqa: S608
                [digest.hex()],
            )
        else:
            cursor.execute(f"UPDATE {LOCK_TABLE} SET name = name WHERE 0")  # noqa: S608


def is_deadlock(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) == "40P01":  # psycopg: deadlock_detected
        return True
    args: tuple[Any, ...] = tuple(getattr(cause, "args", ()))
    return bool(args) and args[0] == 1213  # InnoDB: ER_LOCK_DEADLOCK


def retry_deadlocks(attempts: int = 3, *, using: str = "default") -> Callable[[F], F]:
    """Decorate a service whose transaction may be chosen as a deadlock victim: the whole
    call runs again (a short random pause between tries), at most ``attempts`` times.
    Inside an outer transaction nothing can be retried (it is aborted): the error goes up."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except OperationalError as exc:
                    if attempt == attempts or not is_deadlock(exc) or connections[using].in_atomic_block:
                        raise
                    logger.info("deadlock in %s, retrying (%d/%d)", func.__qualname__, attempt, attempts)
                    time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311 - jitter, not security
            raise AssertionError("unreachable")

        return cast(F, wrapper)

    return decorate
