"""Demo operations (runs last in ``manage.py seed_demo``): the default beat schedules, two
disabled one-off examples of django-celery-beat's other schedule kinds (clocked, solar),
report subscriptions, and a first backup, run as a Job the way the admin's "Back up now"
runs it.

The backup is written unverified: verifying restores the archive into a scratch database,
which would make seed_demo several times slower. Idempotent: each part is skipped once
its rows exist.
"""

from __future__ import annotations

import datetime as dt
import json
from random import Random
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from etime.core import audit
from etime.core.demo import demo_admin, demo_now
from etime.ops.models import BackupRecord, ReportSubscription

ZURICH = ("47.376900", "8.541700")  # latitude, longitude of the demo's headquarters
CLOCKED_TASK = "Demo: one-off backup before the upgrade"
SOLAR_TASK = "Demo: heartbeat at sunrise in Zurich"
SUBSCRIPTIONS = [
    # name, report, schedule, format, active, recipients (groups)
    ("Invoice register for finance", "invoice_register", ReportSubscription.Schedule.MONTHLY, "xlsx", True, "finance"),
    ("Weekly overtime (paused)", "attendance_overtime", ReportSubscription.Schedule.WEEKLY, "xlsx", False, "HR"),
]


def seed_operations(*, rng: Random, stdout: Any) -> None:
    admin = demo_admin()
    call_command("setup_periodic_tasks", stdout=stdout)
    _beat_examples()
    _subscriptions(admin)
    if BackupRecord.objects.exists():
        stdout.write("Demo backup exists; skipping it.")
        return
    _first_backup(admin)
    stdout.write(f"Operations: beat schedules, {len(SUBSCRIPTIONS)} report subscriptions, a first backup.")


def _beat_examples() -> None:
    """Disabled examples, so the admin shows every kind of schedule without running them."""
    from django_celery_beat.models import ClockedSchedule, PeriodicTask, SolarSchedule

    with transaction.atomic():
        if not PeriodicTask.objects.filter(name=CLOCKED_TASK).exists():
            tomorrow = (demo_now() + dt.timedelta(days=1)).replace(hour=2, minute=30, second=0, microsecond=0)
            clocked = ClockedSchedule.objects.create(clocked_time=tomorrow)
            PeriodicTask.objects.create(
                name=CLOCKED_TASK,
                task="ops.backup",
                clocked=clocked,
                one_off=True,
                enabled=False,
                kwargs=json.dumps({}),
            )
        if not PeriodicTask.objects.filter(name=SOLAR_TASK).exists():
            solar, _ = SolarSchedule.objects.get_or_create(event="sunrise", latitude=ZURICH[0], longitude=ZURICH[1])
            PeriodicTask.objects.create(name=SOLAR_TASK, task="ops.heartbeat", solar=solar, enabled=False)


def _subscriptions(admin: Any) -> None:
    from etime.ops.reports import report_kinds

    known = report_kinds()
    users = get_user_model()._default_manager
    with transaction.atomic():
        for name, report, schedule, fmt, active, group in SUBSCRIPTIONS:
            if report not in known or ReportSubscription.objects.filter(name=name).exists():
                continue
            subscription = ReportSubscription(
                name=name,
                report=report,
                schedule=schedule,
                format=fmt,
                active=active,
                extra_emails=f"{group.lower()}@demo.etime.test\n",
            )
            subscription.full_clean()
            subscription.save()
            subscription.recipients.set(users.filter(groups__name=group, is_active=True))
            audit.record(
                actor=admin, action="report_subscription.created", obj=subscription, after=audit.snapshot(subscription)
            )


def _first_backup(admin: Any) -> None:
    from etime.ops.backup.service import backup_create
    from etime.ops.jobs import Progress, job_create

    job = job_create(kind="backup", actor=admin, total=2)
    with Progress(job) as progress:
        result = backup_create(
            kind=BackupRecord.Kind.MANUAL,
            actor=admin,
            verify=False,
            progress=lambda step: progress.advance() if step == "archive" else None,
        )
        progress.advance()
        progress.result({"name": result.name, "verified": False, "record": str(result.record.pk)})
