"""Budget alerts: a project's managers are told when it reaches 80 % and 100 % of its hours
or money budget (docs/TIMESHEETS.md "Budgets").

A periodic task (``timesheets.send_budget_alerts``, hourly by default) compares each active
project's burn (``selectors.budget_usage``, the rule the budget report uses) with the
thresholds. Each threshold reached is claimed by a ``ProjectBudgetAlert`` row first, so a
task delivered twice never mails twice; a project that jumps past both thresholds at once
gets one notification naming the higher. A threshold no longer reached (the budget was
raised) loses its row and alerts again when it is next reached.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from etime.ops.models import Notification, NotificationKind
from etime.ops.notifications import lazy_text, notify
from timesheets import selectors
from timesheets.models import BudgetMeasure, Project, ProjectBudgetAlert, ProjectStatus

THRESHOLDS = (80, 100)


def _subject(project_name: str, measure: str, threshold: int) -> str:
    if measure == BudgetMeasure.HOURS:
        return gettext("%(project)s has used %(percent)s %% of its hours budget") % {
            "project": project_name,
            "percent": threshold,
        }
    return gettext("%(project)s has used %(percent)s %% of its money budget") % {
        "project": project_name,
        "percent": threshold,
    }


def _claim(project: Project, measure: str, threshold: int, now: datetime) -> bool:
    try:
        with transaction.atomic():
            ProjectBudgetAlert.objects.create(project=project, measure=measure, threshold=threshold, reached_at=now)
    except IntegrityError:
        return False
    return True


def budget_alerts_send(*, now: datetime | None = None) -> int:
    """Notify the managers of each active project that reached a threshold since the last
    run. Returns how many notifications were queued (switched off or without an address:
    recorded, not counted)."""
    now = now or timezone.now()
    projects = Project.objects.filter(status=ProjectStatus.ACTIVE, managers__isnull=False).distinct()
    by_pk = {str(p.pk): p for p in projects.prefetch_related("managers__user")}
    sent = 0
    for row in selectors.budget_usage(projects=Project.objects.filter(pk__in=list(by_pk))):
        project = by_pk[row["project"]]
        for measure, percent in (
            (BudgetMeasure.HOURS, row["hours_burn_percent"]),
            (BudgetMeasure.AMOUNT, row["amount_burn_percent"]),
        ):
            reached = [t for t in THRESHOLDS if percent is not None and Decimal(percent) >= t]
            with transaction.atomic():
                ProjectBudgetAlert.objects.filter(project=project, measure=measure).exclude(
                    threshold__in=reached
                ).delete()
                new = [t for t in reached if _claim(project, measure, t, now)]
                if new:
                    sent += _notify_managers(project, row, measure, max(new))
    return sent


def _notify_managers(project: Project, row: dict[str, Any], measure: str, threshold: int) -> int:
    queued = 0
    for manager in project.managers.all():
        user = manager.user
        address = None if user is not None and user.email else (manager.email or None)
        if user is None and address is None:
            continue
        record = notify(
            user,
            NotificationKind.PROJECT_BUDGET,
            lazy_text(partial(_subject, project.name, measure, threshold)),
            template="timesheets/email/budget_alert.txt",
            address=address,
            context={"employee": manager, "project": project, "usage": row, "measure": measure, "threshold": threshold},
            link=reverse("timesheets:project_budget", args=[project.pk]),
        )
        queued += int(record.status == Notification.Status.QUEUED)
    return queued
