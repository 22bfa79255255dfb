"""ROOT_URLCONF while benchmarking: the benchmarks' bench-only views, then etime's URLs.

Bench views come first, so their own URL resolution is as cheap as it gets (a floor
should be a lower bound); etime's URLs resolve exactly as in production.
"""

from __future__ import annotations

from typing import Any

from bench import BENCHMARKS, load
from etime.urls import urlpatterns as etime_urlpatterns

urlpatterns: list[Any] = []
for _name in BENCHMARKS:
    urlpatterns += getattr(load(_name), "urlpatterns", [])
urlpatterns += etime_urlpatterns
