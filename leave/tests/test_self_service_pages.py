"""Issue 8 pages of leave: the request preview (htmx and without JS), the ledger behind a
balance, access by URL and the query budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import Role
from accounts.services import employee_create
from conftest import PASSWORD, make_people, shared_test_data
from leave.models import LeaveRequest
from leave.tests.factories import make_leave_type, submit


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person.user if hasattr(person, "user") else person)
    return client


def test_the_preview_counts_working_days_and_the_balance_after_with_htmx(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    # Mon 1 June – Sun 7 June 2026: five working days, the weekend does not count.
    response = login(people.alice).get(
        "/leave/requests/preview/",
        {"leave_type": vacation.pk, "start_date": "2026-06-01", "end_date": "2026-06-07"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.context["preview"]["days"] == 5 and response.context["preview"]["after"] == 5
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="leave-preview"') and "<html" not in html
    assert "<strong>5</strong>" in html


def test_without_javascript_the_check_button_returns_the_whole_page_with_the_preview(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 3)
    response = login(people.alice).post(
        "/leave/requests/preview/",
        {"leave_type": vacation.pk, "start_date": "2026-06-01", "end_date": "2026-06-05", "start_half": "on"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html and 'data-testid="leave-form"' in html
    assert response.context["preview"]["days"] == 4.5 and response.context["preview"]["after"] == -1.5
    assert "Not enough days: 4.5 requested, 3 available." in html
    assert response.context["form"]["start_date"].value() == "2026-06-01"  # the form keeps what was typed


def test_the_preview_explains_bad_ranges(people: Any, vacation: Any, today: date) -> None:
    client = login(people.alice)
    backwards = client.get(
        "/leave/requests/preview/",
        {"leave_type": vacation.pk, "start_date": "2026-06-05", "end_date": "2026-06-01"},
        HTTP_HX_REQUEST="true",
    )
    assert "ends before it starts" in backwards.content.decode()
    incomplete = client.get("/leave/requests/preview/", {"leave_type": vacation.pk}, HTTP_HX_REQUEST="true")
    assert "both dates" in incomplete.content.decode()


def test_the_ledger_lists_the_entries_behind_my_balance_with_a_running_total(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    grant(people.alice, vacation, "2.5")
    grant(people.amir, vacation, 99)
    page = login(people.alice).get(f"/leave/ledger/{vacation.pk}/", {"year": "2026"})
    assert page.status_code == 200
    assert [str(row["running"]) for row in page.context["rows"]] == ["10.00", "12.50"]
    assert page.context["balance"].balance == 12.5


def test_an_employee_cannot_cancel_or_decide_someone_elses_request_by_url(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.amir, vacation, 10)
    request = submit(people.amir, vacation, date(2026, 6, 1))
    alice = login(people.alice)
    assert alice.post(f"/leave/requests/{request.pk}/cancel/").status_code == 404
    assert alice.post(f"/leave/requests/{request.pk}/decide/", {"decision": "approve"}).status_code == 404
    assert login(people.mona).post(f"/leave/requests/{request.pk}/decide/", {"decision": "approve"}).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_home_panel_shows_upcoming_leave_and_holidays(people: Any, vacation: Any, grant: Any, today: date) -> None:
    grant(people.alice, vacation, 10)
    submit(people.alice, vacation, date(2026, 3, 16), date(2026, 3, 17))
    html = login(people.alice).get("/").content.decode()
    assert 'data-testid="upcoming-leave"' in html and "Vacation" in html and "Pending" in html
    assert 'data-testid="my-pending"' in html and "Leave request" in html  # my own requests waiting


class TestALargeTeam:
    """Forty more people in bob's team with a request each, and alice's ten requests in June,
    built once for the class's sixteen pages (it took 1.5 s a test); each test's writes roll back."""

    @pytest.fixture(scope="class")
    @classmethod
    def _team(cls, django_db_setup: Any, django_db_blocker: Any) -> Any:
        def build() -> tuple[Any, Any]:
            from leave.services import allocation_create

            with time_machine.travel(date(2026, 3, 2), tick=False):  # the `today` fixture's day
                people = make_people()
                vacation = make_leave_type("vacation", "Vacation")

                def grant(employee: Any, days: int) -> None:
                    allocation_create(
                        employee=employee, leave_type=vacation, year=2026, days=Decimal(days), actor=people.admin
                    )

                for n in range(40):
                    person = employee_create(
                        actor=people.admin,
                        code=f"T{n:03}",
                        first_name=f"T{n}",
                        last_name="Team",
                        email=f"t{n}@example.com",
                        department=people.alice.department,
                        manager=people.bob,
                        location=people.alice.location,
                        role=Role.EMPLOYEE,
                        password=PASSWORD,
                    )
                    grant(person, 10)
                    submit(person, vacation, date(2026, 3, 10 + n % 4))
                grant(people.alice, 10)
                for day in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12):  # June 2026, weekdays
                    submit(people.alice, vacation, date(2026, 6, day))
            return people, vacation

        yield from shared_test_data(django_db_blocker, build)

    @pytest.fixture
    def big_team(self, db: Any, _team: tuple[Any, Any], today: date) -> Any:
        return _team[0]

    @pytest.fixture
    def vacation(self, db: Any, _team: tuple[Any, Any]) -> Any:
        return _team[1]

    @pytest.mark.parametrize(
        "url",
        ["/", "/leave/", "/leave/calendar/?month=2026-03", "/inbox/", "/profile/", "/people/", "LEDGER", "PREVIEW"],
    )
    @pytest.mark.parametrize("who", ["alice", "bob"])
    def test_pages_stay_under_30_queries_with_a_large_team(
        self, big_team: Any, vacation: Any, url: str, who: str, django_assert_max_num_queries: Any
    ) -> None:
        url = {
            "LEDGER": f"/leave/ledger/{vacation.pk}/",
            "PREVIEW": f"/leave/requests/preview/?leave_type={vacation.pk}&start_date=2026-07-01&end_date=2026-07-10",
        }.get(url, url)
        client = login(getattr(big_team, who))
        client.get(url)  # warm per-process caches (content types, holiday regions)
        # 32: every page's header now counts the unread notifications and offers one-click
        # start on the last entry, and the preview runs the submission's own checks (overlap
        # and balance); what matters is that the count does not grow with the team.
        with django_assert_max_num_queries(32):
            assert client.get(url).status_code == 200
        assert LeaveRequest.objects.count() == 50
