"""etime benchmarks (DESIGN §11): ``python -m bench NAME | all | --list``.

Each benchmark is one module in this package exposing ``DESCRIPTION`` (one line) and
``run(options: bench.common.Options) -> dict``. It may also expose ``urlpatterns``
(bench-only views such as floors); ``bench.urls`` mounts them in front of etime's
URLs. Register a new benchmark with one line below.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# name -> module. Adding a benchmark = one module + one line here.
BENCHMARKS: dict[str, str] = {
    "api_list": "bench.api_list",
    "time_entries": "bench.time_entries",
    "attendance_month": "bench.attendance_month",
    "leave_balances": "bench.leave_balances",
    "device_sync": "bench.device_sync",
    "device_fleet": "bench.device_fleet",
    "backup": "bench.backup",
    "fuzz": "bench.fuzz",
    "load": "bench.load_mix",  # not bench.load: that name is the registry function above
    "soak": "bench.soak",
    "invoice": "bench.invoice",
    "push_rush": "bench.push_rush",
    "punch_history": "bench.punch_history",
    "rush": "bench.rush",
}


def load(name: str) -> ModuleType:
    try:
        module_path = BENCHMARKS[name]
    except KeyError:
        known = ", ".join(sorted(BENCHMARKS))
        raise KeyError(f"unknown benchmark {name!r}; known: {known}") from None
    return importlib.import_module(module_path)
