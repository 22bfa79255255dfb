"""soak: the load mix at one rate for ``--seconds`` (``BENCH_LOAD_SOAK_SECONDS``, default 180),
sampling the RSS of the gunicorn master, each worker and the load generator
(bench/load_mix.py). An hour-long soak: ``python -m bench soak --seconds 3600``."""

from __future__ import annotations

from typing import Any

from bench import common, load_mix

DESCRIPTION = "soak: the load mix for 3 minutes (--seconds) against gunicorn; RSS of every process first vs last minute"


def run(options: common.Options) -> dict[str, Any]:
    return load_mix.soak(options)
