"""Clients, projects and tasks: the catalogue time is logged against, saved with an audit event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.models import Employee
from etime.core.types import Actor
from timesheets.models import Client, Project, Task
from timesheets.services._common import _simple_save


def client_save(*, client: Client, actor: Actor) -> Client:
    client.currency = (client.currency or "").strip().upper()
    client.country = (client.country or "").strip().upper()
    return _simple_save(obj=client, actor=actor, noun="client")


def project_save(
    *,
    project: Project,
    actor: Actor,
    members: Iterable[Employee] | None = None,
    managers: Iterable[Employee] | None = None,
) -> Project:
    """Create or change a project; ``members`` and ``managers`` (each when given) replace
    the member list and the project managers (told of budget thresholds)."""
    with transaction.atomic():
        extra: dict[str, Any] = {}
        if members is not None:
            members = list(members)
            extra["members"] = sorted(str(m.pk) for m in members)
        if managers is not None:
            managers = list(managers)
            extra["managers"] = sorted(str(m.pk) for m in managers)
        _simple_save(obj=project, actor=actor, noun="project", extra=extra or None)
        if members is not None:
            project.members.set(members)
        if managers is not None:
            project.managers.set(managers)
    return project


def task_save(*, task: Task, actor: Actor) -> Task:
    return _simple_save(obj=task, actor=actor, noun="task")
