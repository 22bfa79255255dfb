"""Shared pieces of the benchmark harness: environment, database, timing, statistics.

Absolute times on these machines are noisy and not comparable between runs, so every
benchmark reports its figures as ratios against a floor measured in the same run, with
the variants interleaved (each round runs every variant once, in a shuffled order) so
machine noise hits them alike.
"""

from __future__ import annotations

import gc
import os
import platform
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/etime_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# Names the test suite and the development setup use: a benchmark truncates and reloads
# its database, so it must never land on one of these.
RESERVED_DATABASE_NAMES = ("etime",)
RESERVED_DATABASE_PREFIXES = ("test_etime", "etime_h")


class HarnessError(RuntimeError):
    """The benchmark could not run (as opposed to: it ran and missed its goal)."""


@dataclass
class Options:
    repeats: int = 200
    warmup: int = 30
    rows: int | None = None  # None: the benchmark's default
    seed: int = 1
    seconds: float | None = None  # None: the benchmark's default duration (load steps, soak)


def database_url_for(name: str, suffix: str = "") -> str:
    """The database benchmark ``name`` owns (``suffix`` for a second one it keeps).

    ``BENCH_<NAME>_DATABASE_URL`` when set (``suffix`` appended to its name), otherwise
    the server of ``BENCH_DATABASE_URL`` with the database ``<its name>_<name><suffix>``:
    ``etime_bench_api_list``, ``etime_bench_time_entries_small``... Every benchmark has
    its own, so none meets another's rows and ``bench all`` needs no cleanup between
    them. Refuses the names the tests and other setups use.
    """
    explicit = os.environ.get(f"BENCH_{name.upper()}_DATABASE_URL")
    if explicit:
        parts = urlsplit(explicit)
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))
    else:
        parts = urlsplit(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
        url = urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{name}{suffix}"))
    database = database_name(url)
    if database in RESERVED_DATABASE_NAMES or database.startswith(RESERVED_DATABASE_PREFIXES):
        raise HarnessError(f"{name}: refusing database {database!r}, a name the tests or development use")
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def configure_environment(name: str) -> None:
    """Set the environment etime.settings reads, before Django is imported.

    Production-like: DEBUG off (no query log, JSON renderer only), a long random
    SECRET_KEY, Redis as cache (throttling), benchmark ``name``'s own database. Always
    overrides the variables that would make the figures meaningless or touch another
    database.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "etime.settings"
    os.environ["DATABASE_URL"] = database_url_for(name)
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["ETIME_CACHE_PREFIX"] = "etime-bench"
    os.environ.setdefault("ETIME_LOG_FORMAT", "text")
    os.environ.setdefault("ETIME_LOG_LEVEL", "WARNING")


def _server(url: str) -> tuple[str, dict[str, Any]] | None:
    """(database name, psycopg keywords for the server's ``postgres`` database), or None
    when ``url`` is not PostgreSQL."""
    import dj_database_url

    cfg = dj_database_url.parse(url)
    if cfg["ENGINE"] != "django.db.backends.postgresql":
        return None
    keys = (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD"))
    conninfo: dict[str, Any] = {key: cfg.get(setting) for key, setting in keys if cfg.get(setting)}
    return str(cfg["NAME"]), {"dbname": "postgres", "autocommit": True, **conninfo}


def _ensure_postgres_database(url: str, *, template: str | None = None) -> None:
    """Create the database when missing: as a copy of ``template`` (a URL on the same
    server) when that exists and nobody is connected to it, else empty."""
    import psycopg
    from psycopg import sql

    server = _server(url)
    if server is None:
        return
    name, connect = server
    try:
        with psycopg.connect(**connect) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                return
            if template:
                source = database_name(template)
                try:
                    # A file copy: seconds, where reloading the same rows takes minutes.
                    conn.execute(
                        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(source))
                    )
                    print(f"bench: created database {name} as a copy of {source}", file=sys.stderr)
                    return
                except psycopg.Error as exc:  # missing, or in use: load the data instead
                    print(f"bench: cannot copy {source} ({exc}); creating {name} empty", file=sys.stderr)
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"bench: created database {name}", file=sys.stderr)
    except psycopg.Error as exc:
        raise HarnessError(f"cannot reach/create the bench database {name!r} at {connect.get('host')}: {exc}") from exc


def drop_database(url: str) -> None:
    """Drop a benchmark's database (``--fresh``); only ever called with a database_url_for() URL."""
    import psycopg
    from psycopg import sql

    server = _server(url)
    if server is None:
        return
    name, connect = server
    try:
        with psycopg.connect(**connect) as conn:
            # FORCE: a benchmark stopped half-way may have left a connection open.
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise HarnessError(f"cannot drop the bench database {name!r}: {exc}") from exc
    print(f"bench: dropped database {name} (--fresh)", file=sys.stderr)


_READY = False


def django_ready() -> None:
    """Create the database if missing, set Django up, apply migrations (once per process)."""
    global _READY
    if _READY:
        return
    _ensure_postgres_database(os.environ["DATABASE_URL"])
    import warnings

    import django

    # DEBUG off selects the manifest static storage; WhiteNoise warns when STATIC_ROOT
    # was never collected. Irrelevant to API benchmarks.
    warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0, stdout=sys.stderr)
    print(f"bench: migrations checked in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    _READY = True


# --- timing --------------------------------------------------------------------------


def run_interleaved(
    variants: dict[str, Callable[[], Any]],
    *,
    repeats: int,
    warmup: int,
    seed: int,
    check: Callable[[str, Any], None] | None = None,
) -> dict[str, list[float]]:
    """Time each variant ``repeats`` times, in rounds of one call each, shuffled per round.

    Returns seconds per call. ``check(name, result)`` runs outside the timed region.
    Warm-up rounds are run the same way and discarded.
    """
    rng = random.Random(seed)
    names = list(variants)
    samples: dict[str, list[float]] = {n: [] for n in names}
    perf = time.perf_counter
    for round_no in range(warmup + repeats):
        if round_no == warmup:
            gc.collect()
        rng.shuffle(names)
        for name in names:
            fn = variants[name]
            t0 = perf()
            result = fn()
            elapsed = perf() - t0
            if check is not None:
                check(name, result)
            if round_no >= warmup:
                samples[name].append(elapsed)
    return samples


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not values:
        raise HarnessError("no samples")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize(values: list[float]) -> dict[str, float]:
    ms = [v * 1000.0 for v in values]
    return {
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "min_ms": round(min(ms), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "n": len(ms),
    }


def ratio(numerator: list[float], denominator: list[float], q: float) -> float:
    return round(percentile(numerator, q) / percentile(denominator, q), 3)


def paired_median_ratio(numerator: list[float], denominator: list[float]) -> float:
    """Median of per-round ratios: rounds are interleaved, so each pair shared the noise."""
    return round(statistics.median(n / d for n, d in zip(numerator, denominator, strict=True)), 3)


def goal(name: str, value: float, maximum: float, statistic: str = "p50") -> dict[str, Any]:
    return {"ratio": name, "statistic": statistic, "value": value, "max": maximum, "met": value <= maximum}


# --- environment ---------------------------------------------------------------------


def environment() -> dict[str, Any]:
    import django
    import rest_framework
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    server_version: str | None = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
    url = urlsplit(os.environ["DATABASE_URL"])
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "djangorestframework": rest_framework.VERSION,
        "database": {
            "vendor": connection.vendor,
            "server_version": server_version,
            "name": str(db["NAME"]),
            "host": url.hostname,
            "port": url.port,
        },
        "cache": settings.CACHES["default"]["BACKEND"],
        "debug": settings.DEBUG,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }
