"""A queued import's report (row errors, summary) is written in the language of who
started it: a worker has no request to take a language from."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from timesheets.tests.test_import_jobs import toggl

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_queued_imports_errors_are_in_the_starters_language(people: Any, catalog: Any) -> None:
    from etime.ops.jobs import job_create
    from etime.ops.models import Job
    from timesheets.imports import JOB_KIND
    from timesheets.models import ProjectStatus
    from timesheets.tasks import import_entries

    catalog.support.status = ProjectStatus.ON_HOLD
    catalog.support.save(update_fields=["status"])
    people.alice.user.language = "de"
    people.alice.user.save(update_fields=["language"])
    job = job_create(kind=JOB_KIND, actor=people.alice.user, total=3)

    import_entries(str(job.pk), base64.b64encode(toggl(3, project={2: "Support"}).encode()).decode())

    job = Job.objects.get(pk=job.pk)
    assert job.state == "succeeded" and job.result["failed"] == 1
    assert len(job.errors) == 1 and "pausiert" in job.errors[0]  # the project's state, in German
    assert "on hold" not in job.errors[0]
