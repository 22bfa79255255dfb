"""The benchmark registry stays runnable: `python -m bench all` once stopped half-way because
two benchmarks shared a database and the second refused the first one's rows (issue 15)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import BENCHMARKS, common
from bench import __main__ as cli

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.embedded


@pytest.fixture
def default_bench_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The names derived from the defaults, whatever this shell exports."""
    for key in list(os.environ):
        if key.startswith("BENCH_") and key.endswith("DATABASE_URL"):
            monkeypatch.delenv(key)


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("BENCH_") and k.endswith("DATABASE_URL"))}
    return subprocess.run(  # noqa: S603 - our interpreter, our module
        [sys.executable, "-m", "bench", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _all_databases() -> dict[str, list[str]]:
    return {name: [common.database_name(url) for url in cli._databases(name)] for name in BENCHMARKS}


def test_every_benchmark_has_a_database_of_its_own(default_bench_urls: None) -> None:
    owned = [db for databases in _all_databases().values() for db in databases]
    assert len(owned) == len(set(owned)), owned


def test_benchmark_databases_are_named_after_the_benchmark(default_bench_urls: None) -> None:
    for name, databases in _all_databases().items():
        assert databases[0] == f"etime_bench_{name}"


def test_no_benchmark_uses_a_database_of_the_tests_or_of_development(default_bench_urls: None) -> None:
    for databases in _all_databases().values():
        for db in databases:
            assert db != "etime"
            assert not db.startswith(("test_etime", "etime_h"))


def test_a_benchmark_refuses_to_be_pointed_at_the_development_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_LEAVE_BALANCES_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/etime")
    with pytest.raises(common.HarnessError, match="refusing database 'etime'"):
        common.database_url_for("leave_balances")


def test_a_benchmark_refuses_a_test_database_as_its_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_API_LIST_DATABASE_URL", raising=False)
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test_etime")
    with pytest.raises(common.HarnessError, match="test_etime_api_list"):
        common.database_url_for("api_list")


def test_bench_list_names_every_benchmark_with_its_database() -> None:
    done = _bench("--list")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert [row[0] for row in rows] == list(BENCHMARKS)
    for name, databases, description in rows:
        assert databases.startswith(f"etime_bench_{name}")
        assert "cannot import" not in description


def test_bench_help_documents_the_size_flags() -> None:
    done = _bench("--help")
    assert done.returncode == 0, done.stderr
    for flag in ("--repeats", "--seconds", "--fresh", "--timeout"):
        assert flag in done.stdout


def test_bench_refuses_bad_usage_with_status_2() -> None:
    assert _bench("no_such_bench").returncode == 2
    assert _bench("all", "--seconds", "0").returncode == 2


def test_bench_all_carries_on_past_a_failing_benchmark_and_names_the_failures(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two registry entries the child process does not know: each one fails on its own,
    # and the second still runs after the first failed.
    monkeypatch.setattr(cli, "BENCHMARKS", {"gone_one": "bench.gone_one", "gone_two": "bench.gone_two"})
    status = cli.main(["all", "--timeout", "60"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [line["name"] for line in lines] == ["gone_one", "gone_two", "all"]
    assert all("error" in line for line in lines[:2])
    summary: dict[str, Any] = lines[-1]
    assert summary["failed"] == ["gone_one", "gone_two"]


def test_bench_all_stops_a_benchmark_that_overruns_its_timeout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No interpreter starts in a millisecond: the child is always still running when stopped.
    monkeypatch.setattr(cli, "BENCHMARKS", {"gone_one": "bench.gone_one"})
    status = cli.main(["all", "--timeout", "0.001"])
    first, summary = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert status == 1
    assert first["error"] == "timed out after 0 s (--timeout)"
    assert "cpu_s" in first
    assert summary["failed"] == ["gone_one"]
