from __future__ import annotations

from typing import Any

from celery import shared_task

from etime.core.queue import task_row
from etime.ops.backup.service import backup_create
from etime.ops.errors import ArchiveRefused
from etime.ops.jobs import Progress, job_create
from etime.ops.models import BackupRecord, Job

_STEPS = ["snapshot", "archive", "verify"]


@shared_task(name="ops.backup")
def backup(job_id: str | None = None) -> dict[str, Any] | None:
    """A backup queued by an admin (its Job) or by beat (a Job of its own)."""
    job = task_row(Job, job_id) if job_id else job_create(kind="backup")
    if job is None:
        return None
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


_RESTORE_STEPS = ["verify", "restore point", "database", "media", "migrate"]


@shared_task(name="ops.restore")
def restore_archive(job_id: str, name: str, logical: bool = False) -> dict[str, Any] | None:
    """Restore an archive for the admin page. The Job row lives in the database being
    replaced: it is written again, finished, once the restore is done (a refusal happens
    before anything is touched, so the row is still there to record it)."""
    job = task_row(Job, job_id)
    if job is None:  # the admin's queued Job is gone: restore nothing
        return None
    try:
        return _restore(job, name, logical)
    except ArchiveRefused as exc:  # an expected outcome, recorded on the job by Progress
        return {"archive": name, "refused": str(exc.message)}


def _restore(job: Job, name: str, logical: bool) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from etime.ops.backup.service import restore

    kind, created_at, starter = job.kind, job.created_at, job.started_by_id

    def rewrite(**fields: Any) -> None:
        """Write the job into the database the restore left (the archive may predate the
        admin's account: then without a starter)."""
        known = starter is not None and get_user_model().objects.filter(pk=starter).exists()
        Job.objects.update_or_create(
            pk=job.pk,
            defaults={"kind": kind, "created_at": created_at, "started_by_id": starter if known else None, **fields},
        )

    seen: list[str] = []
    with Progress(job) as progress:
        progress.total(len(_RESTORE_STEPS))

        def step(label: str) -> None:
            seen.append(label)
            if label in ("verify", "restore point"):  # still the old database: report live
                progress.message(label)
                if label != _RESTORE_STEPS[0]:
                    progress.advance()

        try:
            report = restore(name, actor=job.started_by, logical=logical, progress=step)
        except Exception:
            if "database" not in seen:
                raise  # nothing was replaced: Progress records the failure on the job
            rewrite(
                state=Job.State.FAILED,
                message="failed while replacing the database",
                finished_at=timezone.now(),
                errors=["The restore failed after the database was replaced; restore the restore point."],
            )
            raise
        outcome = {
            "archive": name,
            "method": report.method,
            "restore_point": report.restore_point,
            "rows": sum(report.rows.values()),
            "media_files": report.media_files,
            "migrated": report.migrated,
        }
        rewrite(
            state=Job.State.RUNNING,
            done=len(_RESTORE_STEPS),
            total=len(_RESTORE_STEPS),
            message="restored",
            result=outcome,
        )
        progress._pending = 0  # counted in the row just written
    return outcome


@shared_task(name="ops.purge_notifications")
def purge_notifications() -> int:
    from etime.ops.notifications import purge_read

    return purge_read()


@shared_task(name="ops.retry_failed_notifications")
def retry_failed_notifications() -> int:
    from etime.ops.notifications import retry_failed

    return retry_failed()
