"""Self-service pages and the iCalendar feeds."""

from __future__ import annotations

from datetime import date
from typing import Any

import icalendar
import pytest
from django.test import Client

from accounts.models import Department
from leave import services
from leave.models import CalendarFeed, LeaveRequest, RequestStatus
from leave.tests.factories import submit


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person.user if hasattr(person, "user") else person)
    return client


def approved(people: Any, employee: Any, leave_type: Any, start: date, end: date, **kwargs: Any) -> LeaveRequest:
    request = submit(employee, leave_type, start, end, **kwargs)
    approver = people.bob if employee.manager_id == people.bob.pk else people.mona
    services.leave_request_decide(request=request, actor=approver.user, decision="approve")
    request.refresh_from_db()
    return request


def test_an_employee_requests_leave_on_the_page_and_the_manager_approves_it(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    alice = login(people.alice)
    page = alice.get("/leave/")
    assert page.status_code == 200 and b"Balances 2026" in page.content
    response = alice.post(
        "/leave/requests/",
        {"leave_type": vacation.pk, "start_date": "2026-06-01", "end_date": "2026-06-02", "reason": "Beach"},
    )
    assert response.status_code == 302
    request = LeaveRequest.objects.get(employee=people.alice)
    assert request.days == 2 and request.status == RequestStatus.PENDING
    bob = login(people.bob)
    assert b"Waiting for your decision" in bob.get("/leave/").content
    decided = bob.post(f"/leave/requests/{request.pk}/decide/", {"decision": "approve"}, follow=True)
    assert [str(m) for m in decided.context["messages"]] == ["Decision recorded."]
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert b"<td>8</td>" in alice.get("/").content  # the home panel shows the balance, in days (no "8.00")


def test_the_team_calendar_shows_who_is_away_by_department(people: Any, vacation: Any, grant: Any, today: date) -> None:
    for person in (people.alice, people.amir, people.dave):
        grant(person, vacation, 10)
    approved(people, people.alice, vacation, date(2026, 3, 9), date(2026, 3, 13))
    submit(people.amir, vacation, date(2026, 3, 16), date(2026, 3, 16))  # pending
    approved(people, people.dave, vacation, date(2026, 3, 9), date(2026, 3, 9))
    page = login(people.carla).get("/leave/calendar/?month=2026-03")
    html = page.content.decode()
    assert page.status_code == 200 and "Alice Able" in html and "Amir Adept" in html
    assert "Dave Deal" not in html  # not Carla's report
    assert html.count('data-testid="away"') == 5 + 1
    engineering = Department.objects.get(code="ENG")
    admin_page = login(people.admin).get(f"/leave/calendar/?month=2026-03&department={engineering.pk}").content.decode()
    assert "Alice Able" in admin_page and "Dave Deal" not in admin_page
    assert "Dave Deal" in login(people.admin).get("/leave/calendar/?month=2026-03").content.decode()


@pytest.mark.embedded
def test_a_personal_ics_feed_parses_back_into_the_approved_leave(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 20)
    first = approved(people, people.alice, vacation, date(2026, 6, 1), date(2026, 6, 5))
    half = approved(people, people.alice, vacation, date(2026, 7, 3), date(2026, 7, 3), end_half=True)
    submit(people.alice, vacation, date(2026, 8, 3), date(2026, 8, 4))  # pending: not in the feed
    alice = login(people.alice)
    alice.post("/leave/feeds/", {"kind": "employee", "name": "Alice's leave"})
    url = alice.get("/leave/").context["new_feed_url"]
    assert url and alice.get("/leave/").context["new_feed_url"] is None  # shown once
    path = url.split("testserver", 1)[1]
    response = Client().get(path)  # calendar apps send no cookies
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Alice's leave"
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in events] == [
        (date(2026, 6, 1), date(2026, 6, 6)),
        (date(2026, 7, 3), date(2026, 7, 4)),
    ]
    assert [str(e["UID"]) for e in events] == [f"leave-{first.pk}@etime", f"leave-{half.pk}@etime"]
    assert str(events[1]["SUMMARY"]) == "Vacation (until midday)" and str(events[0]["STATUS"]) == "CONFIRMED"
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))


def test_a_team_feed_follows_what_its_owner_may_see_and_dies_when_revoked(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    for person in (people.alice, people.dave):
        grant(person, vacation, 20)
    approved(people, people.alice, vacation, date(2026, 6, 1), date(2026, 6, 2))
    approved(people, people.dave, vacation, date(2026, 6, 1), date(2026, 6, 2))
    feed, raw = services.calendar_feed_create(owner=people.bob.user, kind="team", actor=people.bob.user)
    body = Client().get(f"/leave/feeds/{raw}.ics").content
    names = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")]
    assert names == ["Alice Able: Vacation"]
    services.calendar_feed_revoke(feed=feed, actor=people.bob.user)
    assert Client().get(f"/leave/feeds/{raw}.ics").status_code == 404
    assert Client().get("/leave/feeds/lcal_not-a-token.ics").status_code == 404
    assert CalendarFeed.objects.get(pk=feed.pk).key_hash != raw  # only the hash is stored


def test_pages_need_a_login(db: Any) -> None:
    assert Client().get("/leave/").status_code == 302
    assert Client().get("/leave/calendar/").status_code == 302


def test_feed_text_is_escaped_and_long_lines_are_folded(people: Any, grant: Any, today: date) -> None:
    from leave import ical
    from leave.tests.factories import make_leave_type

    odd = make_leave_type("odd", "Care; family, \\ friends — " + "ü" * 60, approval_levels=[])
    grant(people.alice, odd, 5)
    request = submit(people.alice, odd, date(2026, 6, 1))
    body = ical.render([request], name="x", with_names=True)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"Alice Able: {odd.name}"
