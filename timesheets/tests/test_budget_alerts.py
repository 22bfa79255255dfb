"""Budget alerts: a project's managers hear once when it reaches 80 % and once at 100 % of
its budget; a raised budget re-arms the thresholds it falls below."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from timesheets.tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def run() -> int:
    from timesheets.tasks import send_budget_alerts

    return int(send_budget_alerts.apply().get())


def hours(entry: Any, day_offset: int, start: str, end: str, **kw: Any) -> None:
    day = MONDAY + timedelta(days=day_offset)
    entry(at(day, start), at(day, end), **kw)


def test_managers_hear_at_80_and_at_100_percent_once_each(
    people: Any, catalog: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from timesheets import services
    from timesheets.models import ProjectBudgetAlert

    website = catalog.website
    website.budget_hours = Decimal("10")
    services.project_save(project=website, managers=[people.bob], actor=people.admin)
    with django_capture_on_commit_callbacks(execute=True):
        hours(entry, 0, "08:00", "15:00")  # 7 h of 10: 70 %
        assert run() == 0
        hours(entry, 1, "08:00", "09:00")  # 8 h: 80 %
        assert run() == 1
        assert run() == 0  # told once
        hours(entry, 2, "08:00", "11:00")  # 11 h: 110 %
        assert run() == 1
    assert [m.to for m in mail.outbox] == [["bob@example.com"], ["bob@example.com"]]
    assert mail.outbox[0].subject == "[etime] Website has used 80 % of its hours budget"
    assert "8.00 of 10.00 hours" in mail.outbox[0].body and "Acme AG" in mail.outbox[0].body
    assert mail.outbox[1].subject == "[etime] Website has used 100 % of its hours budget"
    assert sorted(ProjectBudgetAlert.objects.values_list("threshold", flat=True)) == [80, 100]

    # The budget is raised to 20 h: 11 h is 55 %, both thresholds are armed again.
    website.budget_hours = Decimal("20")
    services.project_save(project=website, actor=people.admin)
    with django_capture_on_commit_callbacks(execute=True):
        assert run() == 0
        assert not ProjectBudgetAlert.objects.exists()
        hours(entry, 3, "08:00", "13:00")  # 16 h of 20: 80 %
        assert run() == 1
    assert mail.outbox[-1].subject == "[etime] Website has used 80 % of its hours budget"


def test_a_jump_past_both_thresholds_is_one_notification_and_projects_without_managers_are_quiet(
    people: Any, catalog: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from timesheets import services

    support, internal = catalog.support, catalog.internal
    support.budget_hours = Decimal("2")
    services.project_save(project=support, managers=[people.bob, people.carla], actor=people.admin)
    internal.budget_hours = Decimal("1")  # no managers: nobody to tell
    services.project_save(project=internal, actor=people.admin)
    with django_capture_on_commit_callbacks(execute=True):
        hours(entry, 0, "08:00", "11:00", project=support)  # 3 h of 2: 150 %
        hours(entry, 1, "08:00", "11:00", project=internal)
        assert run() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.com", "carla@example.com"]
    assert {m.subject for m in mail.outbox} == {"[etime] Support has used 100 % of its hours budget"}


def test_a_manager_who_switched_budget_alerts_off_is_not_mailed(
    people: Any, catalog: Any, entry: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set
    from timesheets import services

    website = catalog.website
    website.budget_hours = Decimal("1")
    services.project_save(project=website, managers=[people.bob], actor=people.admin)
    preferences_set(user=people.bob.user, enabled=set(NotificationKind.values) - {NotificationKind.PROJECT_BUDGET})
    with django_capture_on_commit_callbacks(execute=True):
        hours(entry, 0, "08:00", "10:00")
        assert run() == 0
    assert mail.outbox == []
    assert Notification.objects.get(kind=NotificationKind.PROJECT_BUDGET).status == Notification.Status.SKIPPED


def test_admins_set_project_managers_through_the_api(people: Any, catalog: Any, admin_api: Any, alice_api: Any) -> None:
    url = f"/api/v1/projects/{catalog.website.pk}/"
    response = admin_api.patch(url, {"managers": [str(people.bob.pk)]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["managers"] == [str(people.bob.pk)]
    assert list(catalog.website.managers.all()) == [people.bob]
    assert alice_api.patch(url, {"managers": [str(people.alice.pk)]}, format="json").status_code == 403
    assert list(catalog.website.managers.all()) == [people.bob]
