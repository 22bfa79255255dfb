from __future__ import annotations

from typing import Any

from celery import shared_task

from etime.ops.backup.service import backup_create
from etime.ops.jobs import Progress, job_create
from etime.ops.models import BackupRecord, Job

_STEPS = ["snapshot", "archive", "verify"]


@shared_task(name="ops.backup")
def backup(job_id: str | None = None) -> dict[str, Any]:
    job = Job.objects.get(pk=job_id) if job_id else job_create(kind="backup")
    kind = BackupRecord.Kind.MANUAL if job.started_by_id else BackupRecord.Kind.SCHEDULED
    with Progress(job) as progress:
        progress.total(len(_STEPS))

        def step(name: str) -> None:
            progress.message(name)
            if name != _STEPS[0]:
                progress.advance()

        result = backup_create(kind=kind, actor=job.started_by, progress=step)
        progress.advance()
        outcome = {"name": result.name, "verified": result.record.verified, "record": str(result.record.pk)}
        progress.result(outcome)
    return outcome


@shared_task(name="ops.heartbeat", ignore_result=True)
def heartbeat() -> None:
    from etime.core.health import record_heartbeat

    record_heartbeat()


@shared_task(name="ops.warranty_reminders")
def warranty_reminders() -> int:
    from etime.ops.warranties import send_reminders

    return send_reminders()


@shared_task(name="ops.send_scheduled_reports")
def send_scheduled_reports() -> int:
    from etime.ops.reports import send_due

    return send_due()
