"""docker-compose.yml cannot run here (no Docker engine); keep it correct by reading it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.embedded


WORKERS = {"worker", "worker-devices", "worker-attendance", "worker-mail", "worker-reports", "worker-backups"}


def test_compose_defines_the_production_services_on_one_image() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "beat"} | WORKERS
    for name in {"web", "beat"} | WORKERS:
        service = services[name]
        assert service["command"] == ["worker" if name in WORKERS else name]
        assert service["image"] == "etime:latest"
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379")
        assert set(service["depends_on"]) == {"postgres", "redis"}
    assert services["web"]["healthcheck"]["test"][-1].endswith("/healthz")


def test_compose_runs_a_worker_for_each_queue_and_every_queue_has_one() -> None:
    """A backlog in one queue must not wait behind another's: each worker consumes its own,
    and a queue no worker consumes would never run."""
    from django.conf import settings

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    consumed: list[str] = []
    for name in sorted(WORKERS):
        env = services[name]["environment"]
        queues = env["WORKER_QUEUES"].split(",")
        consumed += queues
        assert env["WORKER_NAME"] and int(env["WORKER_CONCURRENCY"]) >= 1, name
    assert sorted(consumed) == sorted(settings.ETIME_QUEUES)
    assert services["worker-backups"]["environment"]["WORKER_CONCURRENCY"] == "1"  # one backup at a time
    steps = (ROOT / "docker" / "build-steps.sh").read_text()
    assert '${WORKER_QUEUES:+--queues="$WORKER_QUEUES"}' in steps


def test_web_and_workers_share_one_metrics_directory_the_image_lets_them_write() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in {"web"} | WORKERS:
        directory = services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
        assert f"metrics:{directory}" in services[name]["volumes"], name
    assert compose["volumes"]["metrics"]["driver_opts"]["type"] == "tmpfs"  # no counts left from a previous run
    dockerfile = " ".join(_instructions((ROOT / "Dockerfile").read_text()))
    assert directory in dockerfile and f"chown -R etime /var/lib/etime {directory}" in dockerfile


def test_entrypoint_starts_each_compose_role_through_the_build_steps_script() -> None:
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    assert "web|worker|beat)" in entrypoint
    assert 'exec /app/docker/build-steps.sh start "$1"' in entrypoint
    steps = (ROOT / "docker" / "build-steps.sh").read_text()
    for role in ("web)", "worker)", "beat)"):
        assert role in steps
    assert "-m gunicorn etime.wsgi:application" in steps
    assert "manage.py migrate --no-input" in steps
    assert "manage.py setup_periodic_tasks" in steps


def test_dockerfile_builds_with_the_script_ci_runs() -> None:
    """CI has no Docker: `./etimectl production` runs docker/build-steps.sh instead, so the
    image must build with exactly those steps, not a copy of them."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11" in dockerfile
    run_lines = [line for line in _instructions(dockerfile) if line.startswith("RUN ")]
    assert any(line.startswith("RUN docker/build-steps.sh build requirements") for line in run_lines)
    assert any(line.startswith("RUN docker/build-steps.sh build static") for line in run_lines)
    assert not any("pip install" in line or "collectstatic" in line for line in run_lines), run_lines
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert (ROOT / "docker" / "build-steps.sh").stat().st_mode & 0o111, "build-steps.sh must be executable"


def test_static_files_are_never_collected_with_debug_on() -> None:
    """With DEBUG on, settings pick the plain storage: no manifest, and every production
    page answered 500. The script collects with DEBUG=false and checks the manifest."""
    steps = (ROOT / "docker" / "build-steps.sh").read_text()
    for text in ((ROOT / "Dockerfile").read_text(), steps):
        assert not re.search(r"DEBUG=(true|1|yes|on)\b", text, re.IGNORECASE)
    collect = [line for line in steps.splitlines() if "manage.py collectstatic" in line]
    assert collect and all("DEBUG=false" in line for line in collect), collect
    assert "staticfiles.json" in steps
    assert "pip install -r requirements/prod.txt" in steps


def test_etimectl_test_ends_with_the_production_check() -> None:
    etimectl = (ROOT / "etimectl").read_text()
    test_suite = etimectl.split("test_suite() {", 1)[1].split("\n}\n", 1)[0]
    assert "(production)" in test_suite
    production = etimectl.split("production() {", 1)[1].split("\n}\n", 1)[0]
    for step in (
        "docker/build-steps.sh build",
        "docker/build-steps.sh release",
        "manage.py seed_demo",
        "docker/build-steps.sh start web",
        "docker/build-steps.sh start worker",
        "/health/ready/",
        "tests/production/test_crawl.py",
        "DEBUG=false",
        "trap ",
    ):
        assert step in production, step


def _instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.django_db
def test_healthz_reports_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
