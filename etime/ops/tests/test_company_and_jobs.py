from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from conftest import user_of
from etime.core.models import AuditEvent
from etime.ops.company import company_settings
from etime.ops.jobs import Progress, job_create
from etime.ops.models import Job

pytestmark = pytest.mark.embedded


def client_for(person: Any) -> APIClient:
    client = APIClient()
    client.force_login(user_of(person))
    return client


@pytest.mark.django_db
def test_employee_reads_settings_and_admin_changes_them(people: Any) -> None:
    assert client_for(people.alice).get("/api/v1/settings/").json()["date_format"] == "YYYY-MM-DD"

    response = client_for(people.admin).patch(
        "/api/v1/settings/",
        {
            "company_name": "Acme AG",
            "date_format": "DD.MM.YYYY",
            "week_start": 6,
            "default_currency": "CHF",
            "default_time_zone": "Europe/Zurich",
            "working_days": [0, 1, 2, 3],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert company_settings().company_name == "Acme AG"  # the cache was dropped on commit
    assert company_settings().week_start == 6
    body = client_for(people.alice).get("/api/v1/settings/").json()
    assert (body["date_format"], body["default_currency"], body["working_days"]) == ("DD.MM.YYYY", "CHF", [0, 1, 2, 3])
    assert AuditEvent.objects.filter(action="company_settings.update").count() == 1


@pytest.mark.django_db
def test_employee_cannot_change_settings(people: Any) -> None:
    response = client_for(people.alice).patch("/api/v1/settings/", {"company_name": "Mine"}, format="json")
    assert response.status_code == 403
    assert company_settings().company_name == "etime"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("default_time_zone", "Mars/Olympus"),
        ("default_currency", "euro"),
        ("working_days", [0, 9]),
        ("date_format", "D/M/Y"),
    ],
)
def test_invalid_settings_are_refused_with_field_errors(people: Any, field: str, value: Any) -> None:
    response = client_for(people.admin).patch("/api/v1/settings/", {field: value}, format="json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert field in body["details"]
    assert company_settings().default_currency == "EUR"


@pytest.mark.django_db
def test_job_progress_is_visible_to_its_starter_and_admins_only(people: Any) -> None:
    job = job_create(kind="import", actor=user_of(people.alice))
    with Progress(job, every_seconds=0) as progress:
        progress.total(3)
        progress.advance()
        progress.error("row 2: unknown project")
        body = client_for(people.alice).get(f"/api/v1/jobs/{job.pk}/").json()
        assert (body["state"], body["done"], body["total"], body["errors"]) == (
            "running",
            1,
            3,
            ["row 2: unknown project"],
        )
        progress.advance(2)
    assert client_for(people.admin).get(f"/api/v1/jobs/{job.pk}/").json()["state"] == "succeeded"
    assert client_for(people.dave).get(f"/api/v1/jobs/{job.pk}/").status_code == 404


@pytest.mark.django_db
def test_failed_job_records_the_error() -> None:
    job = job_create(kind="report")
    with pytest.raises(RuntimeError), Progress(job):
        raise RuntimeError("renderer crashed")
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.errors == ["renderer crashed"]


@pytest.mark.django_db(transaction=True)
def test_backup_task_reports_progress_through_its_job(settings: Any, tmp_path: Any) -> None:
    from etime.ops.tasks import backup

    settings.ETIME_BACKUP_DIR = tmp_path / "b"
    settings.MEDIA_ROOT = tmp_path / "m"
    job = job_create(kind="backup")
    outcome = backup(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED and job.done == job.total == 3
    assert job.result["name"] == outcome["name"] and outcome["verified"] is True


@pytest.mark.django_db(transaction=True)
def test_admin_backs_up_now_and_follows_the_job(people: Any, settings: Any, tmp_path: Any) -> None:
    from django.test import Client

    settings.ETIME_BACKUP_DIR = tmp_path / "b"
    settings.MEDIA_ROOT = tmp_path / "m"
    people.admin.is_superuser = True
    people.admin.save()
    client = Client()
    client.force_login(people.admin)
    assert b'data-testid="backup-now"' in client.get("/admin/ops/backuprecord/").content

    response = client.post("/admin/ops/backuprecord/back-up-now/")  # tasks run inline in tests

    assert response.status_code == 302
    job = Job.objects.get(kind="backup")
    assert job.state == Job.State.SUCCEEDED and job.started_by == people.admin
    assert job.result["verified"] is True
