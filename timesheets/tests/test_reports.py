"""Reports: hours and amounts by client, project, task, employee and period; budget burn;
downloads. And the money arithmetic they share with billing."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from timesheets.tests.conftest import MONDAY, at, error_of

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("10", "10.00")],
)
def test_money_rounds_half_up_to_the_cent(value: str, expected: str) -> None:
    from timesheets.money import round_money

    assert str(round_money(Decimal(value))) == expected


def test_amounts_multiply_before_rounding() -> None:
    from timesheets.money import amount_for, hours

    assert str(amount_for(80 * 60, Decimal("90.00"))) == "120.00"  # not 1.33 h × 90 = 119.70
    assert str(amount_for(1, Decimal("100.00"))) == "0.03"  # 0.0277… rounds up
    assert str(hours(5400)) == "1.50"


@pytest.fixture
def logged(people: Any, catalog: Any, entry: Any) -> None:
    """Alice and Amir on Website (150/h, design task 200/h) and Internal (not billable)."""
    from timesheets import services

    jan = date(2026, 1, 1)
    for level, target, amount in (("project", catalog.website, "150.00"), ("task", catalog.design, "200.00")):
        services.rate_create(
            level=level, target_id=target.pk, amount=Decimal(amount), effective_from=jan, actor=people.admin
        )
    services.rate_create(
        level="employee",
        kind="cost",
        target_id=people.alice.pk,
        amount=Decimal("60.00"),
        currency="CHF",
        effective_from=jan,
        actor=people.admin,
    )
    entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"), task=catalog.design)  # 2 h × 200 = 400
    entry(at(MONDAY, "11:00"), at(MONDAY, "12:30"))  # 1.5 h × 150 = 225
    entry(at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), project=catalog.internal)  # 1 h, not billable
    entry(at(TUESDAY, "09:00"), at(TUESDAY, "09:20"), employee=people.amir)  # 20 min × 150 = 50
    entry(at(TUESDAY, "10:00"), None)  # running: not reported


def rows(api: Any, **params: Any) -> dict[str, dict[str, Any]]:
    response = api.get("/api/v1/reports/time/", params)
    assert response.status_code == 200, response.json()
    return {row["label"]: row for row in response.json()["results"]}


@pytest.mark.embedded
def test_report_by_project_sums_hours_and_amounts_per_currency(logged: None, admin_api: Any) -> None:
    by_project = rows(admin_api, group_by="project")
    website = by_project["Acme AG / Website"]
    assert (website["hours"], website["billable_hours"]) == ("3.83", "3.83")
    assert website["amounts"] == [{"currency": "CHF", "amount": "675.00"}]
    internal = by_project["Globex GmbH / Internal"]
    assert internal["hours"] == "1.00" and internal["billable_hours"] == "0.00" and internal["amounts"] == []


def test_report_by_employee_shows_costs_and_margins_to_admins_only(logged: None, admin_api: Any, bob_api: Any) -> None:
    alice = rows(admin_api, group_by="employee")["Alice Able (E003)"]
    assert alice["amounts"] == [{"currency": "CHF", "amount": "625.00"}]
    assert alice["costs"] == [{"currency": "CHF", "amount": "270.00"}]  # 4.5 h × 60
    assert alice["margins"] == [{"currency": "CHF", "amount": "355.00"}]
    assert "costs" not in rows(bob_api, group_by="employee")["Alice Able (E003)"]


def test_report_by_client_task_and_period(logged: None, admin_api: Any) -> None:
    assert rows(admin_api, group_by="client")["Acme AG"]["amounts"] == [{"currency": "CHF", "amount": "675.00"}]
    tasks = rows(admin_api, group_by="task")
    assert tasks["Website / Design"]["hours"] == "2.00" and tasks["(no task)"]["hours"] == "2.83"
    days = admin_api.get("/api/v1/reports/time/", {"group_by": "day"}).json()["results"]
    assert [(d["key"], d["hours"]) for d in days] == [("2026-03-02", "3.50"), ("2026-03-03", "1.33")]
    weeks = rows(admin_api, group_by="week")
    assert weeks["2026-03-02"]["hours"] == "4.83"
    assert rows(admin_api, group_by="month")["2026-03-01"]["hours"] == "4.83"


def test_reports_cover_only_what_the_caller_may_see_and_honour_filters(
    logged: None, people: Any, token_client: Any
) -> None:
    alice_view = rows(token_client(people.alice), group_by="employee")
    assert set(alice_view) == {"Alice Able (E003)"}
    assert rows(token_client(people.mona), group_by="employee") == {}
    only_tuesday = rows(
        token_client(people.bob), group_by="employee", date_after="2026-03-03", date_before="2026-03-03"
    )
    assert only_tuesday["Amir Adept (E004)"]["hours"] == "0.33" and only_tuesday["Alice Able (E003)"]["hours"] == "1.00"
    billable = rows(token_client(people.bob), group_by="project", billable="true")
    assert set(billable) == {"Acme AG / Website"}
    error_of(token_client(people.bob).get("/api/v1/reports/time/", {"group_by": "planet"}), 400, "validation_error")


def test_report_downloads_as_csv_with_a_column_per_currency(logged: None, admin_api: Any) -> None:
    response = admin_api.get("/api/v1/reports/time/", {"group_by": "project", "file_format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    website = next(r for r in table if r["label"] == "Acme AG / Website")
    assert website["amount_CHF"] == "675.00" and website["cost_CHF"] == "210.00"  # alice's 3.5 h × 60
    xlsx = admin_api.get("/api/v1/reports/time/", {"group_by": "project", "file_format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_budget_burn_counts_all_time_on_the_project(
    logged: None, people: Any, catalog: Any, bob_api: Any, alice_api: Any, token_client: Any
) -> None:
    from timesheets import services

    catalog.website.budget_hours = Decimal("10.00")
    catalog.website.budget_amount = Decimal("1000.00")
    services.project_save(project=catalog.website, actor=people.admin)
    response = bob_api.get("/api/v1/reports/budget/")
    assert response.status_code == 200, response.json()
    (row,) = response.json()["results"]
    assert (row["project_name"], row["used_hours"], row["hours_burn_percent"]) == ("Website", "3.83", "38.30")
    assert (row["used_amount"], row["amount_burn_percent"], row["currency"]) == ("675.00", "67.50", "CHF")
    # A manager who sees none of these people still sees the project's whole burn (totals only).
    assert token_client(people.mona).get("/api/v1/reports/budget/").json()["results"] == [row]
    error_of(alice_api.get("/api/v1/reports/budget/"), 403, "permission_denied")
    csv_response = bob_api.get("/api/v1/reports/budget/", {"file_format": "csv"})
    assert b"Website" in csv_response.content
