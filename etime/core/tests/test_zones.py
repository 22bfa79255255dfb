"""The zone rule: a person's own zone, else their location's, else TIME_ZONE; "today" and
every time on a page are the viewer's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from etime.core import zones


class _Person:
    def __init__(self, own: str = "", location: str | None = None) -> None:
        self.time_zone = own
        self.location_id = 1 if location else None
        self.location = type("Location", (), {"time_zone": location})() if location else None


@pytest.mark.embedded
@time_machine.travel(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), tick=False)
def test_a_person_in_zurich_at_2330_utc_is_already_in_tomorrow() -> None:
    assert zones.today_for(_Person("Europe/Zurich")) == date(2026, 12, 7)


@pytest.mark.embedded
@time_machine.travel(datetime(2026, 12, 7, 1, 30, tzinfo=UTC), tick=False)
def test_a_person_in_new_york_at_0130_utc_is_still_in_yesterday() -> None:
    assert zones.today_for(_Person("America/New_York")) == date(2026, 12, 6)


@pytest.mark.embedded
@override_settings(TIME_ZONE="Europe/Rome")
def test_the_own_zone_wins_then_the_location_then_the_installation() -> None:
    assert zones.employee_zone_name(_Person("Asia/Tokyo", "Europe/Zurich")) == "Asia/Tokyo"
    assert zones.employee_zone_name(_Person("", "Europe/Zurich")) == "Europe/Zurich"
    assert zones.employee_zone_name(_Person("", None)) == "Europe/Rome"
    assert zones.employee_zone_name(None) == "Europe/Rome"


@pytest.mark.django_db
def test_the_employee_model_answers_with_the_same_rule(people: Any) -> None:
    alice = people.alice
    assert alice.effective_time_zone == zones.employee_zone_name(alice) == "Europe/Zurich"
    alice.time_zone = "America/New_York"
    assert alice.effective_time_zone == zones.employee_zone_name(alice) == "America/New_York"


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 12, 6, 23, 30, tzinfo=UTC), tick=False)
def test_every_page_request_runs_in_the_viewers_zone(people: Any) -> None:
    seen: dict[str, Any] = {}

    def probe(request: Any) -> Any:
        from django.http import HttpResponse

        seen["today"] = timezone.localdate()
        return HttpResponse("ok")

    middleware = zones.ViewerTimeZoneMiddleware(probe)
    request = type("Request", (), {"user": people.alice.user, "path": "/"})()
    middleware(request)
    assert seen["today"] == date(2026, 12, 7)
    assert timezone.get_current_timezone_name() != "Europe/Zurich"  # deactivated after the request
    request = type("Request", (), {"user": people.alice.user, "path": "/api/v1/me/"})()
    middleware(request)
    assert seen["today"] == date(2026, 12, 6)  # the API keeps TIME_ZONE: ISO with offsets


@pytest.mark.django_db
def test_a_mail_shows_dates_where_its_recipient_is(people: Any) -> None:
    from types import SimpleNamespace

    from etime.ops.models import NotificationKind
    from etime.ops.notifications import notify

    submitted = SimpleNamespace(
        employee=people.alice, week_start=date(2026, 11, 30), submitted_at=datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    )
    record = notify(
        people.bob.user,
        NotificationKind.APPROVALS_WAITING,
        "Waiting",
        template="timesheets/email/approvals_reminder.txt",
        context={"employee": people.bob, "timesheets": [submitted]},
    )
    assert "(submitted 12/07/2026)" in record.body  # Sunday 23:30 UTC is Monday in Zurich
