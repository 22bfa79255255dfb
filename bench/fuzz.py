"""fuzz: the schemathesis run of tests/security/test_fuzz_api.py with more examples per
operation (``--repeats``, default 10: about two minutes; ``--repeats 200`` for a long
exploration), on its own database (``etime_bench_fuzz``, see bench/fuzz_settings.py). Reports the operations,
examples and failures; ``met`` when every operation passed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Any

from bench import common

DESCRIPTION = (
    "fuzz: schemathesis against /api/schema/, every operation, --repeats examples each (admin, manager, employee)"
)
DEFAULT_REPEATS = 10
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(options: common.Options) -> dict[str, Any]:
    # The harness sets production variables (bench.common.configure_environment); the fuzz
    # test runs under the test settings, like the suite.
    env = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "ETIME_CACHE_PREFIX")
    }
    env["DJANGO_SETTINGS_MODULE"] = "bench.fuzz_settings"
    # DATABASE_URL: the benchmark's own database, set by bench.__main__.
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/11")
    env["ETIME_FUZZ_EXAMPLES"] = str(options.repeats)
    env["ETIME_FUZZ_RANDOM"] = "1"  # a fresh exploration each run (the suite's run is derandomized)
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--create-db",
            "-o",
            "addopts=",
            "tests/security/test_fuzz_api.py",
            "-rf",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = [line for line in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|error)", summary[-1] if summary else "")}
    # The short summary names no operation ("FAILED ...::test_api_fuzz - ..."); the failure
    # sections' headers do: "____ test_api_fuzz[GET /api/v1/...] ____".
    failed = sorted(set(re.findall(r"^_+ test_api_fuzz\[(.+?)\] _+$", proc.stdout, flags=re.M)))
    if proc.returncode not in (0, 1):
        raise common.HarnessError(f"pytest exited {proc.returncode}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return {
        "examples_per_operation": options.repeats,
        "operations": counts.get("passed", 0) + counts.get("failed", 0),
        "passed": counts.get("passed", 0),
        "failed_operations": failed,
        "seconds": round(time.monotonic() - started, 1),
        "summary": summary[-1].strip("= ") if summary else proc.stdout[-500:],
        "met": proc.returncode == 0,
    }
