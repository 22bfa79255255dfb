"""Progress of long jobs: tasks report done/total, the page that started them polls
``/api/v1/jobs/{id}/``. Updates are single UPDATEs (no read-modify-write), throttled so a
tight loop does not write a row per item."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from etime.core.types import Actor, actor_user
from etime.ops.models import Job


def job_create(*, kind: str, actor: Actor = None, total: int | None = None) -> Job:
    return Job.objects.create(kind=kind, total=total, started_by=actor_user(actor))


def job_claim(*, job_id: Any, kind: str, stale_after_seconds: float) -> Job | None:
    """Claim a queued job for this run (Celery may deliver a task twice): the job, or None
    when another run has it. A ``running`` job whose updates stopped for longer than
    ``stale_after_seconds`` lost its worker and is taken over (its work was rolled back
    with the connection)."""
    stale = timezone.now() - timedelta(seconds=stale_after_seconds)
    claimed = Job.objects.filter(
        Q(state=Job.State.QUEUED) | Q(state=Job.State.RUNNING, updated_at__lt=stale), pk=job_id, kind=kind
    ).update(state=Job.State.RUNNING, done=0, errors=[], updated_at=timezone.now())
    if claimed != 1:
        return None
    return Job.objects.select_related("started_by").get(pk=job_id)


class Progress:
    """``with Progress(job) as p: p.total(n); p.advance(); p.error("row 7: …")``. Leaving the
    block marks the job succeeded, or failed with the exception's message."""

    def __init__(self, job: Job | str, *, every_seconds: float = 0.5) -> None:
        self.job_id = job.pk if isinstance(job, Job) else job
        self.every = every_seconds
        self._pending = 0
        self._last = 0.0

    def __enter__(self) -> Progress:
        Job.objects.filter(pk=self.job_id).update(state=Job.State.RUNNING, updated_at=timezone.now())
        return self

    def total(self, total: int) -> None:
        Job.objects.filter(pk=self.job_id).update(total=total, updated_at=timezone.now())

    def message(self, text: str) -> None:
        Job.objects.filter(pk=self.job_id).update(message=text[:255], updated_at=timezone.now())

    def advance(self, n: int = 1) -> None:
        self._pending += n
        now = time.monotonic()
        if now - self._last >= self.every:
            self._flush()
            self._last = now

    def _flush(self) -> None:
        if self._pending:
            Job.objects.filter(pk=self.job_id).update(done=F("done") + self._pending, updated_at=timezone.now())
            self._pending = 0

    def error(self, text: str) -> None:
        job = Job.objects.get(pk=self.job_id)
        job.errors = [*job.errors, text][:1000]
        job.save(update_fields=["errors", "updated_at"])

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self._flush()
        now = timezone.now()
        if exc is None:
            Job.objects.filter(pk=self.job_id).update(state=Job.State.SUCCEEDED, finished_at=now, updated_at=now)
        else:
            job = Job.objects.get(pk=self.job_id)
            job.state = Job.State.FAILED
            job.errors = [*job.errors, str(exc)[:1000]]
            job.finished_at = now
            job.save()

    def result(self, data: dict[str, Any]) -> None:
        Job.objects.filter(pk=self.job_id).update(result=data, updated_at=timezone.now())
