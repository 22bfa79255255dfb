"""``python -m bench NAME`` | ``python -m bench all`` | ``python -m bench --list``.

Prints JSON on stdout (one object for NAME, a list for ``all``); progress and logs go
to stderr. Exit status 0 whenever the benchmarks ran, goals met or not (see each
result's ``"met"``); 1 on a harness error; 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from typing import Any

from bench import BENCHMARKS, common, load


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="etime benchmarks (JSON on stdout).")
    parser.add_argument("name", nargs="?", help="a benchmark name, or 'all'")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--repeats", type=int, default=200, help="measured calls per variant (default 200)")
    parser.add_argument("--warmup", type=int, default=30, help="discarded warm-up rounds (default 30)")
    parser.add_argument("--rows", type=int, default=None, help="data size, where a benchmark has one")
    parser.add_argument("--seed", type=int, default=1, help="seed for data and variant order")
    return parser


def _run_one(name: str, options: common.Options) -> dict[str, Any]:
    module = load(name)
    started = time.time()
    result: dict[str, Any] = {"name": name}
    result.update(module.run(options))
    result["duration_s"] = round(time.time() - started, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        for name in BENCHMARKS:
            try:
                description = load(name).DESCRIPTION
            except Exception as exc:  # an import error must not hide the others
                description = f"(cannot import: {exc})"
            print(f"{name}\t{description}")
        return 0
    if not args.name:
        parser.print_usage(sys.stderr)
        print("python -m bench: give a benchmark name, 'all' or --list", file=sys.stderr)
        return 2
    if args.name != "all" and args.name not in BENCHMARKS:
        print(f"python -m bench: unknown benchmark {args.name!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if args.repeats < 1 or args.warmup < 0 or (args.rows is not None and args.rows < 1):
        print("python -m bench: --repeats must be >= 1, --warmup >= 0, --rows >= 1", file=sys.stderr)
        return 2

    options = common.Options(repeats=args.repeats, warmup=args.warmup, rows=args.rows, seed=args.seed)
    common.configure_environment()
    names = list(BENCHMARKS) if args.name == "all" else [args.name]

    # Anything a library prints must not corrupt the JSON on stdout.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    results: list[dict[str, Any]] = []
    failed = False
    try:
        for name in names:
            try:
                results.append(_run_one(name, options))
            except Exception as exc:
                failed = True
                if isinstance(exc, common.HarnessError):
                    print(f"bench: {name}: {exc}", file=sys.stderr)
                else:
                    traceback.print_exc()
                results.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
    finally:
        sys.stdout = real_stdout
    payload: Any = results if args.name == "all" else results[0]
    print(json.dumps(payload, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
