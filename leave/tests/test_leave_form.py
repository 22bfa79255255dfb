"""The leave form (issue 23): it starts on the type with the most days available; a one-day
request is a full day, a morning or an afternoon (never both halves, never "0 days"); the
live preview runs the submission's own checks, so an overlap or a short balance shows
before anything is sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from leave import services
from leave.models import LeaveRequest
from leave.tests.factories import make_leave_type, submit

MONDAY = "2026-06-01"


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def _preview(person: Any, **data: Any) -> Any:
    return login(person).post("/leave/requests/preview/", data, HTTP_HX_REQUEST="true")


def test_the_form_starts_on_the_type_with_the_most_days_available(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    annual = make_leave_type("annual", "Annual leave")  # first by name, but nothing granted
    grant(people.alice, vacation, 12)
    grant(people.alice, annual, 2)
    page = login(people.alice).get("/leave/")
    assert page.context["form"]["leave_type"].value() == vacation.pk
    assert f'<option value="{vacation.pk}" selected>' in page.content.decode()


@pytest.mark.embedded
def test_a_morning_previews_half_a_day_and_is_sent_as_one(people: Any, vacation: Any, grant: Any, today: date) -> None:
    grant(people.alice, vacation, 5)
    preview = _preview(people.alice, leave_type=vacation.pk, start_date=MONDAY, end_date=MONDAY, day_part="morning")
    assert preview.context["preview"]["days"] == Decimal("0.5")
    assert "<strong>0.5</strong>" in preview.content.decode()
    login(people.alice).post(
        "/leave/requests/", {"leave_type": vacation.pk, "start_date": MONDAY, "end_date": MONDAY, "day_part": "morning"}
    )
    sent = LeaveRequest.objects.get(employee=people.alice)
    assert (sent.days, sent.start_half, sent.end_half) == (Decimal("0.5"), False, True)  # ends at midday


def test_an_afternoon_starts_at_midday_and_the_checkboxes_do_not_count_for_one_day(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 5)
    login(people.alice).post(
        "/leave/requests/",
        {
            "leave_type": vacation.pk,
            "start_date": MONDAY,
            "end_date": MONDAY,
            "day_part": "afternoon",
            "start_half": "on",
            "end_half": "on",  # left ticked from a longer range: ignored for one day
        },
    )
    sent = LeaveRequest.objects.get(employee=people.alice)
    assert (sent.days, sent.start_half, sent.end_half) == (Decimal("0.5"), True, False)


def test_both_halves_of_one_day_without_a_day_part_are_explained_not_counted_as_zero(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 5)
    preview = _preview(
        people.alice, leave_type=vacation.pk, start_date=MONDAY, end_date=MONDAY, start_half="on", end_half="on"
    )
    html = preview.content.decode()
    assert preview.context["preview"] is None and "either a morning or an afternoon" in html
    assert "<strong>0</strong>" not in html


@pytest.mark.embedded
def test_the_preview_warns_of_an_overlap_before_submit(people: Any, vacation: Any, grant: Any, today: date) -> None:
    grant(people.alice, vacation, 10)
    submit(people.alice, vacation, date(2026, 6, 2))
    preview = _preview(people.alice, leave_type=vacation.pk, start_date=MONDAY, end_date="2026-06-03")
    codes = [code for code, _message in preview.context["preview"]["problems"]]
    assert codes == ["leave_overlap"]
    assert 'data-code="leave_overlap"' in preview.content.decode()
    assert LeaveRequest.objects.filter(employee=people.alice).count() == 1  # the preview wrote nothing


def test_the_preview_warns_of_an_insufficient_balance_before_submit(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 2)
    preview = _preview(people.alice, leave_type=vacation.pk, start_date=MONDAY, end_date="2026-06-03")
    assert [code for code, _m in preview.context["preview"]["problems"]] == ["insufficient_balance"]
    assert "Not enough days: 3 requested, 2 available." in preview.content.decode()
    half = _preview(people.alice, leave_type=vacation.pk, start_date=MONDAY, end_date="2026-06-02")
    assert half.context["preview"]["problems"] == []


@pytest.mark.parametrize(
    ("start", "end", "start_half", "end_half"),
    [
        (date(2026, 6, 1), date(2026, 6, 1), False, True),
        (date(2026, 6, 1), date(2026, 6, 1), True, False),
        (date(2026, 6, 1), date(2026, 6, 5), True, True),
        (date(2026, 6, 5), date(2026, 6, 8), False, False),  # over a weekend
    ],
)
def test_the_estimate_counts_what_the_submission_then_stores(
    people: Any, vacation: Any, grant: Any, today: date, start: date, end: date, start_half: bool, end_half: bool
) -> None:
    grant(people.alice, vacation, 10)
    estimate = services.leave_request_estimate(
        employee=people.alice,
        leave_type=vacation,
        start_date=start,
        end_date=end,
        start_half=start_half,
        end_half=end_half,
    )
    assert estimate.problems == []
    stored = submit(people.alice, vacation, start, end, start_half=start_half, end_half=end_half)
    assert stored.days == estimate.days and estimate.after == Decimal(10) - stored.days
