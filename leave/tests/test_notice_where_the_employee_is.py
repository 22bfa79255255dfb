"""Notice is counted from the employee's date where they are (issue #16), for pages and the
API alike: at 01:30 UTC on Monday it is still Sunday evening in New York."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from accounts.services import employee_update
from leave import services
from leave.tests.factories import make_leave_type, submit

MONDAY = date(2026, 12, 14)


@time_machine.travel(datetime(2026, 12, 14, 1, 30, tzinfo=UTC), tick=False)
def test_a_day_of_notice_is_counted_from_the_employees_sunday_evening(people: Any, grant: Any) -> None:
    vacation = make_leave_type("vacation", min_notice_days=1)
    grant(people.alice, vacation, 20)
    grant(people.amir, vacation, 20)
    alice = employee_update(employee=people.alice, actor=people.admin, time_zone="America/New_York")

    request = submit(alice, vacation, MONDAY)  # Sunday 20:30 in New York: one day ahead
    assert request.start_date == MONDAY

    with pytest.raises(services.NoticeTooShort) as refused:  # 02:30 on Monday in Zurich: too late
        submit(people.amir, vacation, MONDAY)
    assert refused.value.details == {"min_notice_days": 1, "notice_days": 0}
