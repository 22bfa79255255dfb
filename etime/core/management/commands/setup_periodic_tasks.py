from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from etime.core import schedules


class Command(BaseCommand):
    help = "Create the default periodic tasks that are missing; never overwrite an admin's edits."

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        with transaction.atomic():
            for default in schedules.defaults():
                if PeriodicTask.objects.filter(name=default.name).exists():
                    continue
                kwargs: dict[str, Any] = {}
                if default.crontab is not None:
                    kwargs["crontab"], _ = CrontabSchedule.objects.get_or_create(
                        timezone=settings.TIME_ZONE, **default.crontab
                    )
                else:
                    kwargs["interval"], _ = IntervalSchedule.objects.get_or_create(
                        every=default.every_seconds, period=IntervalSchedule.SECONDS
                    )
                PeriodicTask.objects.create(
                    name=default.name,
                    task=default.task,
                    kwargs=json.dumps(default.kwargs),
                    description=default.description,
                    **kwargs,
                )
                created += 1
        self.stdout.write(f"{created} periodic task(s) created, {len(schedules.defaults()) - created} already present.")
