"""``python -m bench NAME`` | ``python -m bench all`` | ``python -m bench --list``.

``NAME`` prints one JSON object on stdout. ``all`` runs every benchmark, each in its own
process on its own database, and prints each result as one JSON line as soon as it
finishes, then a summary line; it carries on past a benchmark that fails. Progress and
logs go to stderr. Exit status: 0 when every benchmark ran, goals met or not (see each
result's ``"met"``); 1 on a harness error (for ``all``: when any benchmark failed, and the
summary names them); 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
from typing import Any

from bench import BENCHMARKS, common, load

DEFAULT_REPEATS = 200
ALL_TIMEOUT_S = 1800.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="etime benchmarks (JSON on stdout).")
    parser.add_argument("name", nargs="?", help="a benchmark name, or 'all'")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their databases, and exit")
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help=f"measured calls per variant (default: the benchmark's own, {DEFAULT_REPEATS} for most)",
    )
    parser.add_argument("--warmup", type=int, default=30, help="discarded warm-up rounds (default 30)")
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="data size, where a benchmark has one (push_rush: the number of clocks; rush: the number of employees)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for data and variant order")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="duration: of each load step (default 30), the soak (180), push_rush and rush's arrivals (60)",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="drop the benchmark's own database(s) first, so the data is loaded anew"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=ALL_TIMEOUT_S,
        help=f"with 'all': seconds one benchmark may take before it is stopped (default {ALL_TIMEOUT_S:.0f})",
    )
    return parser


def _usage_error(args: argparse.Namespace) -> str | None:
    if args.repeats is not None and args.repeats < 1:
        return "--repeats must be >= 1"
    if args.warmup < 0:
        return "--warmup must be >= 0"
    if args.rows is not None and args.rows < 1:
        return "--rows must be >= 1"
    if args.seconds is not None and args.seconds <= 0:
        return "--seconds must be > 0"
    if args.timeout <= 0:
        return "--timeout must be > 0"
    return None


def _databases(name: str) -> list[str]:
    """The databases benchmark ``name`` owns: its own, plus any ``DATABASE_SUFFIXES`` it keeps."""
    suffixes = ("", *getattr(load(name), "DATABASE_SUFFIXES", ()))
    return [common.database_url_for(name, suffix) for suffix in suffixes]


def _run_one(name: str, args: argparse.Namespace) -> dict[str, Any]:
    module = load(name)
    if args.fresh:
        for url in _databases(name):
            common.drop_database(url)
    repeats = args.repeats if args.repeats is not None else getattr(module, "DEFAULT_REPEATS", DEFAULT_REPEATS)
    options = common.Options(repeats=repeats, warmup=args.warmup, rows=args.rows, seed=args.seed, seconds=args.seconds)
    started = time.time()
    result: dict[str, Any] = {"name": name}
    result.update(module.run(options))
    result["duration_s"] = round(time.time() - started, 1)
    return result


def _one(name: str, args: argparse.Namespace) -> int:
    """One benchmark in this process, on its own database: one JSON object on stdout."""
    common.configure_environment(name)
    # Anything a library prints must not corrupt the JSON on stdout.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    failed = False
    try:
        result = _run_one(name, args)
    except Exception as exc:
        failed = True
        if isinstance(exc, common.HarnessError):
            print(f"bench: {name}: {exc}", file=sys.stderr)
        else:
            traceback.print_exc()
        result = {"name": name, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        sys.stdout = real_stdout
    print(json.dumps(result, indent=2), flush=True)
    return 1 if failed else 0


def _child_argv(name: str, args: argparse.Namespace) -> list[str]:
    argv = [sys.executable, "-m", "bench", name, "--warmup", str(args.warmup), "--seed", str(args.seed)]
    for flag, value in (("--repeats", args.repeats), ("--rows", args.rows), ("--seconds", args.seconds)):
        if value is not None:
            argv += [flag, str(value)]
    return argv + (["--fresh"] if args.fresh else [])


def _stop_group(proc: subprocess.Popen[str]) -> None:
    """Stop a timed-out benchmark with everything it started (gunicorn, a Celery worker)."""
    for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 15.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _in_child(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run ``python -m bench NAME`` in a fresh process: a fresh Django on the benchmark's own
    database, nothing left over from the benchmark before (connections, settings, memory)."""
    started = time.time()
    cpu_before = _children_cpu_s()
    # The child's stderr is ours, so its progress shows as it happens; stdout is its JSON.
    result: dict[str, Any]
    with subprocess.Popen(  # noqa: S603 - our interpreter, our module
        _child_argv(name, args), stdout=subprocess.PIPE, text=True, start_new_session=True
    ) as proc:
        try:
            out, _ = proc.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            _stop_group(proc)
            out = None
    if out is None:
        result = {"name": name, "error": f"timed out after {args.timeout:.0f} s (--timeout)"}
    else:
        try:
            result = json.loads(out)
        except ValueError:
            result = {"name": name, "error": f"exited {proc.returncode} without a JSON result: {out[-500:]!r}"}
        if proc.returncode != 0 and "error" not in result:
            result["error"] = f"exited {proc.returncode}"
    result.setdefault("duration_s", round(time.time() - started, 1))
    # Wall time on a shared machine says little; the CPU the benchmark's processes used (its
    # workers and servers included, PostgreSQL not) says more about its size.
    result["cpu_s"] = round(_children_cpu_s() - cpu_before, 1)
    return result


def _all(args: argparse.Namespace) -> int:
    """Every benchmark, one after another, each in its own process; one JSON line each."""
    started = time.time()
    failed: list[str] = []
    missed: list[str] = []
    for name in BENCHMARKS:
        print(f"bench all: {name}", file=sys.stderr, flush=True)
        result = _in_child(name, args)
        if "error" in result:
            failed.append(name)
            print(f"bench all: {name} failed: {result['error']}", file=sys.stderr, flush=True)
        elif not result.get("met", False):
            missed.append(name)
        print(json.dumps(result), flush=True)
    summary = {
        "name": "all",
        "benchmarks": len(BENCHMARKS),
        "failed": failed,
        "missed_goals": missed,
        "duration_s": round(time.time() - started, 1),
    }
    print(json.dumps(summary), flush=True)
    if failed:
        print(f"bench all: {len(failed)} of {len(BENCHMARKS)} failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        for name in BENCHMARKS:
            try:
                description = load(name).DESCRIPTION
                databases = ", ".join(common.database_name(url) for url in _databases(name))
            except Exception as exc:  # an import error must not hide the others
                description, databases = f"(cannot import: {exc})", "?"
            print(f"{name}\t{databases}\t{description}")
        return 0
    if not args.name:
        parser.print_usage(sys.stderr)
        print("python -m bench: give a benchmark name, 'all' or --list", file=sys.stderr)
        return 2
    if args.name != "all" and args.name not in BENCHMARKS:
        print(f"python -m bench: unknown benchmark {args.name!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    problem = _usage_error(args)
    if problem:
        print(f"python -m bench: {problem}", file=sys.stderr)
        return 2
    return _all(args) if args.name == "all" else _one(args.name, args)


if __name__ == "__main__":
    sys.exit(main())
