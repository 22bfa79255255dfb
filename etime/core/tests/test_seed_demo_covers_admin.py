"""seed_demo leaves something behind every admin page: the production crawl (tests/production)
visits, for each model registered in the admin, its list, filters, a change page and its
delete confirmation, signed in as each demo persona. The model list comes from the admin
registry, so a newly registered model without demo data fails here first."""

from __future__ import annotations

import re
from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command

from etime.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

# A Wednesday morning in the demo company's zone: this week has days behind it, last week
# is complete, and nothing depends on the day the suite runs.
LOADED_AT = datetime(2026, 3, 11, 9, 30, tzinfo=ZoneInfo("Europe/Zurich"))


def _admin_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in admin.site._registry}


def _values(label: str, field: str) -> set[Any]:
    model = next(m for m in admin.site._registry if m._meta.label == label)
    return set(model._default_manager.values_list(field, flat=True))


def _seed() -> str:
    out = StringIO()
    with time_machine.travel(LOADED_AT, tick=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Any:
    """The demo, loaded once for this module (it takes a while) and committed, so the
    tests read it; each test's own writes roll back; flushed afterwards."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(ETIME_BACKUP_DIR=tmp_path_factory.mktemp("backups")):
        try:
            yield _seed()
        finally:
            call_command("flush", interactive=False, verbosity=0)


def test_seed_demo_gives_every_admin_model_a_row(demo: str) -> None:
    assert [label for label, count in sorted(_admin_counts().items()) if count == 0] == []


def test_a_second_seed_demo_changes_nothing(demo: str) -> None:
    first = _admin_counts()

    output = _seed()

    assert _admin_counts() == first
    assert "persona employee:" in output


def test_demo_list_filters_have_values_to_choose(demo: str) -> None:
    assert {"draft", "issued"} <= _values("billing.Invoice", "status")
    payment = _values("billing.Invoice", "payment_status")
    assert {"paid", "credited"} <= payment and payment & {"partially_paid", "overdue"}
    assert {"invoice", "credit_note"} <= _values("billing.Invoice", "kind")
    assert {"pending", "approved", "rejected", "cancelled"} <= _values("leave.LeaveRequest", "status")
    assert {"draft", "submitted", "approved", "invoiced"} <= _values("timesheets.TimeEntry", "status")
    assert {"submitted", "approved", "returned"} <= _values("timesheets.Timesheet", "status")
    assert {"pending", "approved", "rejected"} <= _values("attendance.Regularisation", "status")
    assert {"punch", "day"} <= _values("attendance.Regularisation", "kind")
    assert {"pending", "approved"} <= _values("attendance.ShiftSwapRequest", "status")
    assert {"zk", "adms"} <= _values("devices.Device", "protocol")
    assert {True, False} <= _values("django_celery_beat.PeriodicTask", "enabled")
    assert {True, False} <= _values("ops.ReportSubscription", "active")


def test_seed_demo_prints_the_four_personas_who_sign_in_with_the_demo_password(demo: str) -> None:
    personas = dict(re.findall(r"^persona (\w+): (\S+)$", demo, flags=re.MULTILINE))
    assert set(personas) == {"employee", "manager", "finance", "admin"}
    assert f"password for all: {DEMO_PASSWORD}" in demo
    users = {name: get_user_model()._default_manager.get(username=username) for name, username in personas.items()}
    assert all(user.check_password(DEMO_PASSWORD) and user.is_active for user in users.values())
    assert users["employee"].role == "employee" and not users["employee"].is_staff
    assert users["manager"].role == "manager" and users["manager"].employee.reports.exists()
    assert users["finance"].groups.filter(name="finance").exists() and not users["finance"].is_superuser
    assert users["admin"].is_superuser and users["admin"].role == "admin"
