"""Large time-entry imports run on a real Celery worker (Redis broker) as a Job the caller
polls at /api/v1/jobs/{id}/: total rows, rows done, failed rows as errors, the report as
the result. Small files still answer at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import wait_for
from timesheets.tests.conftest import MONDAY, at, error_of

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,End time,Duration,Tags,Amount ()"
ROWS = 60


def toggl(rows: int, project: dict[int, str] | None = None) -> str:
    """``rows`` half-hour entries of Alice on Website, one an hour, eight a day from 2 March;
    ``project`` names another project for some row numbers (1-based)."""
    lines = [HEADER]
    for i in range(rows):
        day = MONDAY + timedelta(days=i // 8)
        start = 8 + i % 8
        name = (project or {}).get(i + 1, "Website")
        lines.append(
            f"Alice Able,alice@example.com,Acme AG,{name},,Row {i + 1},Yes,{day},{start:02d}:00:00,{day},"
            f"{start:02d}:30:00,00:30:00,,"
        )
    return "\n".join(lines) + "\n"


def upload(api: Any, text: str, **extra: Any) -> Any:
    file = SimpleUploadedFile("export.csv", text.encode(), content_type="text/csv")
    return api.post("/api/v1/time-entries/import/", {"file": file, **extra}, format="multipart")


def finished_job(api: Any, url: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        response = api.get(url)
        assert response.status_code == 200, response.content
        job = response.json()
        return job if job["state"] in ("succeeded", "failed") else None

    return wait_for(finished, timeout=60)


@pytest.fixture
def low_threshold(settings: Any) -> None:
    settings.ETIME_IMPORT_ASYNC_ROWS = 50


def test_a_file_over_the_threshold_is_imported_by_a_worker_as_a_job(
    people: Any, catalog: Any, alice_api: Any, low_threshold: None, live_worker: Any
) -> None:
    from timesheets.models import TimeEntry

    response = upload(alice_api, toggl(ROWS))

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status_url"] == f"/api/v1/jobs/{body['job']}/"
    job = finished_job(alice_api, body["status_url"])
    assert job["state"] == "succeeded", job
    assert (job["kind"], job["done"], job["total"], job["errors"]) == ("time_entry_import", ROWS, ROWS, [])
    report = job["result"]
    assert (report["layout"], report["dry_run"], report["created"], report["skipped"], report["failed"]) == (
        "toggl",
        False,
        ROWS,
        0,
        0,
    )
    assert [row["row"] for row in report["rows"]] == list(range(1, ROWS + 1))
    entries = TimeEntry.objects.filter(employee=people.alice, source="import")
    assert entries.count() == ROWS
    last = entries.get(description=f"Row {ROWS}")
    assert (last.start, last.end) == (at(MONDAY + timedelta(days=7), "11:00"), at(MONDAY + timedelta(days=7), "11:30"))
    assert {str(pk) for pk in entries.values_list("pk", flat=True)} == {row["entry"] for row in report["rows"]}


def test_bad_rows_of_a_queued_import_are_listed_as_the_jobs_errors(
    people: Any, catalog: Any, alice_api: Any, low_threshold: None, live_worker: Any
) -> None:
    from timesheets.models import TimeEntry

    body = upload(alice_api, toggl(ROWS, project={3: "Moonshot", 41: "Nowhere"})).json()
    job = finished_job(alice_api, body["status_url"])

    assert job["state"] == "succeeded", job
    assert (job["done"], job["total"]) == (ROWS, ROWS)
    assert job["errors"] == [
        "Row 3: No project 'Moonshot' of client 'Acme AG'.",
        "Row 41: No project 'Nowhere' of client 'Acme AG'.",
    ]
    assert (job["result"]["created"], job["result"]["failed"]) == (ROWS - 2, 2)
    assert "58 created, 0 skipped, 2 failed" in job["message"]
    assert TimeEntry.objects.filter(employee=people.alice).count() == ROWS - 2


def test_a_queued_dry_run_reports_every_row_and_stores_nothing(
    people: Any, catalog: Any, alice_api: Any, low_threshold: None, live_worker: Any
) -> None:
    from timesheets.models import TimeEntry

    body = upload(alice_api, toggl(ROWS), dry_run="true").json()
    job = finished_job(alice_api, body["status_url"])

    assert (job["state"], job["done"], job["total"]) == ("succeeded", ROWS, ROWS)
    assert (job["result"]["dry_run"], job["result"]["created"]) == (True, ROWS)
    assert TimeEntry.objects.count() == 0


def test_files_up_to_the_threshold_are_imported_at_once(
    people: Any, catalog: Any, alice_api: Any, low_threshold: None
) -> None:
    from etime.ops.models import Job

    response = upload(alice_api, toggl(50))

    assert response.status_code == 200, response.content
    assert response.json()["created"] == 50
    assert not Job.objects.exists()


def test_an_unreadable_large_file_is_refused_before_anything_is_queued(
    people: Any, alice_api: Any, low_threshold: None
) -> None:
    from etime.ops.models import Job

    response = upload(alice_api, "a,b,c\n" + "1,2,3\n" * 100)

    assert "file" in error_of(response, 400, "validation_error")["details"]
    assert not Job.objects.exists()


def test_others_cannot_follow_someone_elses_import(
    people: Any, catalog: Any, alice_api: Any, token_client: Any, low_threshold: None, live_worker: Any
) -> None:
    body = upload(alice_api, toggl(ROWS)).json()
    finished_job(alice_api, body["status_url"])

    assert token_client(people.bob).get(body["status_url"]).status_code == 404
    assert token_client(people.admin).get(body["status_url"]).json()["done"] == ROWS


def test_progress_is_visible_while_the_import_runs(
    people: Any, catalog: Any, alice_api: Any, low_threshold: None, live_worker: Any
) -> None:
    """The import holds one transaction to the end; its progress must not wait for it."""
    rows = 300
    body = upload(alice_api, toggl(rows)).json()
    seen: list[tuple[str, int]] = []

    def finished() -> bool:
        job = alice_api.get(body["status_url"]).json()
        seen.append((job["state"], job["done"]))
        return job["state"] in ("succeeded", "failed")

    wait_for(finished, timeout=120, interval=0.05)
    assert seen[-1] == ("succeeded", rows)
    assert any(state == "running" and 0 < done < rows for state, done in seen), seen


def test_an_import_delivered_twice_runs_once(people: Any, catalog: Any, alice_api: Any, low_threshold: None) -> None:
    """Celery may deliver a task twice: the second delivery finds the Job claimed."""
    import base64

    from etime.ops.models import Job
    from timesheets.models import TimeEntry
    from timesheets.tasks import import_entries

    body = upload(alice_api, toggl(ROWS)).json()  # eager here: runs on commit, in the request
    job = Job.objects.get(pk=body["job"])
    assert (job.state, job.done) == ("succeeded", ROWS)

    assert import_entries(str(job.pk), base64.b64encode(toggl(ROWS).encode()).decode()) is None
    job.refresh_from_db()
    assert (job.state, job.done, job.result["created"]) == ("succeeded", ROWS, ROWS)
    assert TimeEntry.objects.count() == ROWS


def test_a_queued_import_fails_when_its_starter_lost_access(people: Any, catalog: Any) -> None:
    import base64

    from etime.ops.jobs import job_create
    from etime.ops.models import Job
    from timesheets.imports import JOB_KIND
    from timesheets.models import TimeEntry
    from timesheets.tasks import import_entries

    job = job_create(kind=JOB_KIND, actor=people.bob.user, total=ROWS)
    people.bob.user.is_active = False
    people.bob.user.save(update_fields=["is_active"])

    with pytest.raises(ValueError, match="no longer has access"):
        import_entries(str(job.pk), base64.b64encode(toggl(ROWS).encode()).decode())

    job = Job.objects.get(pk=job.pk)
    assert job.state == "failed" and job.errors == ["The user who started the import no longer has access."]
    assert TimeEntry.objects.count() == 0
