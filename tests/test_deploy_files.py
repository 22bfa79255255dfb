"""docker-compose.yml cannot run here (no Docker engine); keep it correct by reading it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.embedded


def test_compose_defines_the_production_services_on_one_image() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for role in ("web", "worker", "beat"):
        service = services[role]
        assert service["command"] == [role]
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379")
        assert set(service["depends_on"]) == {"postgres", "redis"}
    assert services["web"]["healthcheck"]["test"][-1].endswith("/healthz")


def test_entrypoint_roles_match_compose_commands() -> None:
    entrypoint = (ROOT / "docker" / "entrypoint.sh").read_text()
    for role in ("web)", "worker)", "beat)"):
        assert role in entrypoint
    assert "gunicorn etime.wsgi:application" in entrypoint
    assert "python manage.py migrate" in entrypoint


def test_dockerfile_installs_the_pinned_production_requirements() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements/prod.txt" in dockerfile
    assert "FROM python:3.11" in dockerfile


@pytest.mark.django_db
def test_healthz_reports_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
