"""Operations' default beat entries (created by ``manage.py setup_periodic_tasks``)."""

from __future__ import annotations

from etime.core.schedules import DefaultSchedule, register

register(
    DefaultSchedule(
        name="Nightly backup",
        task="ops.backup",
        crontab={"minute": "0", "hour": "2"},
        description="Backs up database and media, verifies the archive, applies retention (docs/OPERATIONS.md).",
    )
)

register(
    DefaultSchedule(
        name="Heartbeat",
        task="ops.heartbeat",
        every_seconds=60,
        description="Proves beat and a worker are alive: /health/ready/ reads the time it last ran.",
    )
)

register(
    DefaultSchedule(
        name="Warranty reminders",
        task="ops.warranty_reminders",
        crontab={"minute": "30", "hour": "6"},
        description="Emails admins once about equipment whose warranty ends within 30 days.",
    )
)

register(
    DefaultSchedule(
        name="Scheduled reports",
        task="ops.send_scheduled_reports",
        crontab={"minute": "0", "hour": "6"},
        description="Emails the report subscriptions due today (docs/OPERATIONS.md).",
    )
)

register(
    DefaultSchedule(
        name="Retry failed notifications",
        task="ops.retry_failed_notifications",
        every_seconds=900,
        description="Sends again the notifications that failed (mail server down) in the last day, up to 5 tries.",
    )
)

register(
    DefaultSchedule(
        name="Purge read notifications",
        task="ops.purge_notifications",
        crontab={"minute": "15", "hour": "3"},
        description="Deletes in-app notifications read more than ETIME_NOTIFICATIONS_READ_RETENTION_DAYS days ago.",
    )
)
