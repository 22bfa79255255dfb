"""Operations' readiness checks (registered in OpsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from etime.ops.models import BackupRecord


def check_backups() -> dict[str, Any]:
    """Warn (never fail readiness) when the newest backup is too old, failed or unverified."""
    backups = BackupRecord.objects.filter(kind__in=[BackupRecord.Kind.SCHEDULED, BackupRecord.Kind.MANUAL])
    last = backups.exclude(state=BackupRecord.State.RUNNING).order_by("-started_at").first()
    last_ok = backups.filter(state=BackupRecord.State.OK).order_by("-started_at").first()
    if last_ok is None:
        return {"status": "fail", "message": "no successful backup yet", "last_failed": bool(last)}
    age_h = round((timezone.now() - last_ok.started_at).total_seconds() / 3600, 1)
    problems = []
    if age_h > settings.ETIME_BACKUP_MAX_AGE_HOURS:
        problems.append("too old")
    if not last_ok.verified:
        problems.append("not verified")
    if last is not None and last.state == BackupRecord.State.FAILED:
        problems.append("last attempt failed")
    return {
        "status": "fail" if problems else "ok",
        "last_backup_age_h": age_h,
        "verified": last_ok.verified,
        "last_attempt": last.state if last else None,
        **({"message": ", ".join(problems)} if problems else {}),
    }
