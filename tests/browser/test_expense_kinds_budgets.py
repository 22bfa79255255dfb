"""Issue 23 in a real browser, on a desktop and a phone viewport.

Expense kinds: the finance person enters a mileage expense (vehicle, distance, from and to)
and a per-diem allowance (country, full and partial days) in the admin, where expenses are
entered; etime computes the amount from the company's rates and the list shows it like any
other expense, the export carries the route and days, and an invoice draft bills both. A
vehicle type without a rate is refused on the form with the rate-missing message, and
nothing is stored.

Budget alerts: a project with an hours budget and Bob as its project manager; when the
time logged reaches 80 % and then 100 %, the task (timesheets.send_budget_alerts, run here
as the beat would) puts a notification on Bob's bell that opens the project's budget page;
the admin lists the alerts sent. Screenshots for the user manual go to artifacts/screenshots/.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import follow
from tests.browser.test_accessibility import AXE, axe_violations
from tests.browser.test_inbox_leave_palette import VIEWPORTS
from tests.browser.test_self_service_pages import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZURICH = ZoneInfo("Europe/Zurich")
MONDAY = date(2026, 3, 2)  # a past week: entries are in the past whatever "today" is


@pytest.fixture(params=sorted(VIEWPORTS))
def viewport(request: Any, page: Any) -> str:
    page.set_viewport_size(VIEWPORTS[request.param])
    page.add_init_script(path=str(AXE))  # axe-core, for the budget page's check
    return str(request.param)


@pytest.fixture
def website(people: Any) -> Any:
    from timesheets import services
    from timesheets.models import Client, Project

    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    return services.project_save(project=Project(client=acme, name="Website"), actor=people.admin)


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth") + 1


# --- Expense kinds ------------------------------------------------------------------------------


@pytest.fixture
def rates(people: Any) -> Any:
    from billing import services
    from billing.models import ExpenseCategory, ExpenseKind, MileageRate, PerDiemRate

    since = date(2020, 1, 1)
    services.catalog_save(
        obj=MileageRate(vehicle="car", rate_per_km=Decimal("0.70"), currency="CHF", valid_from=since), actor=None
    )
    services.catalog_save(
        obj=PerDiemRate(
            country="AT", full_day=Decimal("60"), partial_day=Decimal("30"), currency="CHF", valid_from=since
        ),
        actor=None,
    )
    services.catalog_save(obj=ExpenseCategory(name="Mileage", kind=ExpenseKind.MILEAGE), actor=None)
    services.catalog_save(obj=ExpenseCategory(name="Per diem", kind=ExpenseKind.PER_DIEM), actor=None)
    people.admin.is_superuser = True  # the admin's model permissions (a finance person has them by group)
    people.admin.save()


def _new_expense(page: Any, live_server: Any, category: str, fields: dict[str, str], selects: dict[str, str]) -> None:
    page.goto(f"{live_server.url}/admin/billing/expense/add/")
    page.fill("#id_date", MONDAY.isoformat())
    page.select_option("#id_category", label=category)
    for name, label in selects.items():
        page.select_option(f"#id_{name}", label=label)
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)


def test_mileage_and_per_diem_expenses_are_computed_listed_exported_and_billed(
    people: Any, website: Any, rates: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from billing.models import Expense, Invoice

    page = login("olivia@example.com", PASSWORD)
    project = str(website)

    _new_expense(
        page,
        live_server,
        "Mileage",
        {"distance_km": "42.5", "route_from": "Zurich", "route_to": "Basel"},
        {"vehicle": "Car", "project": project},
    )
    page.check("#id_billable")
    shot(page, f"expense-mileage-form-{viewport}", full_page=True)
    follow(page, "input[name=_save]")
    expect(page.locator(".messagelist .error")).to_have_count(0)
    mileage = Expense.objects.get(category__name="Mileage")
    assert (mileage.amount, mileage.currency) == (Decimal("29.75"), "CHF")  # 42.5 km × 0.70

    _new_expense(
        page,
        live_server,
        "Per diem",
        {"per_diem_country": "AT", "full_days": "2", "partial_days": "1"},
        {"project": project},
    )
    page.check("#id_billable")
    follow(page, "input[name=_save]")
    per_diem = Expense.objects.get(category__name="Per diem")
    assert (per_diem.amount, per_diem.currency) == (Decimal("150.00"), "CHF")  # 2 × 60 + 1 × 30

    # The list shows them like any other expense: the computed amount and a description.
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Mileage")).to_contain_text("Zurich → Basel, 42.5 km")
    expect(rows.filter(has_text="Mileage")).to_contain_text("29.75")
    expect(rows.filter(has_text="Per diem")).to_contain_text("Per diem AT: 2 full, 1 partial days")
    expect(rows.filter(has_text="Per diem")).to_contain_text("150.00")
    shot(page, f"expense-kinds-list-{viewport}", full_page=True)

    # The export carries the route and the days as columns.
    page.goto(f"{live_server.url}/admin/billing/expense/export/")
    page.select_option("select[name=format]", label="csv")
    with page.expect_download() as download:
        page.click("#content input[type=submit]")
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "route_from" in exported and "Zurich" in exported and "Basel" in exported
    assert "42.50" in exported and "AT" in exported

    # An invoice draft for the month bills both, one line each.
    page.goto(f"{live_server.url}/admin/billing/invoice/add/")
    page.select_option("#id_client", label="Acme AG")
    page.fill("#id_period_start", MONDAY.replace(day=1).isoformat())
    page.fill("#id_period_end", MONDAY.replace(day=31).isoformat())
    follow(page, "input[name=_continue]")
    invoice = Invoice.objects.get()
    assert invoice.subtotal == Decimal("179.75")
    lines = page.locator("body")
    expect(lines).to_contain_text("Mileage – Zurich → Basel, 42.5 km")
    expect(lines).to_contain_text("Per diem – Per diem AT: 2 full, 1 partial days")


def test_an_expense_without_a_rate_is_refused_on_the_form_and_nothing_is_stored(
    people: Any, website: Any, rates: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from billing.models import Expense

    page = login("olivia@example.com", PASSWORD)
    _new_expense(
        page,
        live_server,
        "Mileage",
        {"distance_km": "120", "route_from": "Zurich", "route_to": "Bern"},
        {"vehicle": "Van"},  # no rate for vans
    )
    follow(page, "input[name=_save]")
    error = page.locator(".errornote, .errorlist")
    expect(error.first).to_be_visible()
    expect(page.locator("#content")).to_contain_text("No mileage or per-diem rate is valid on this expense's date")
    expect(page.get_by_text("was added successfully")).to_have_count(0)
    assert page.input_value("#id_route_to") == "Bern"  # the form kept what was typed
    shot(page, f"expense-rate-missing-{viewport}", full_page=True)
    assert not Expense.objects.exists()

    # A per-diem for a country without a rate: the same message.
    _new_expense(page, live_server, "Per diem", {"per_diem_country": "FR", "full_days": "1"}, {})
    follow(page, "input[name=_save]")
    expect(page.locator("#content")).to_contain_text("No mileage or per-diem rate is valid on this expense's date")
    assert not Expense.objects.exists()


# --- Budget alerts ------------------------------------------------------------------------------


def _log(person: Any, project: Any, day: date, start: int, end: int) -> None:
    from timesheets import services

    services.time_entry_create(
        employee=person,
        project=project,
        start=datetime.combine(day, time(start), tzinfo=ZURICH),
        end=datetime.combine(day, time(end), tzinfo=ZURICH),
        actor=person.user,
    )


def _send_budget_alerts() -> int:
    from timesheets.tasks import send_budget_alerts

    return int(send_budget_alerts.delay().get())


def test_the_project_manager_is_told_on_the_bell_at_80_and_100_percent_of_the_budget(
    people: Any, website: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from timesheets import services

    website.budget_hours = Decimal("10")
    services.project_save(project=website, managers=[people.bob], actor=people.admin)
    _log(people.alice, website, MONDAY, 8, 15)  # 7 h of 10
    assert _send_budget_alerts() == 0
    page = login("bob@example.com", PASSWORD)
    expect(page.locator("[data-testid=bell-count]")).to_have_count(0)

    _log(people.alice, website, MONDAY + timedelta(days=1), 8, 9)  # 8 h: 80 %
    assert _send_budget_alerts() == 1
    page.reload()
    expect(page.locator("[data-testid=bell-count]")).to_have_text("1")
    follow(page, "[data-testid=bell]")
    item = page.locator("[data-testid=notification][data-read='0']")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Website has used 80 % of its hours budget")
    expect(item).to_contain_text("A project I manage reached a budget threshold")
    shot(page, f"budget-alert-bell-{viewport}", full_page=True)
    follow(page, "[data-testid=notification-open]")
    assert page.url.endswith(f"/time/projects/{website.pk}/budget/")
    expect(page.locator("[data-testid=project-title]")).to_have_text("Website")
    hours = page.locator("[data-testid=budget-hours]")
    expect(hours).to_contain_text("10")
    expect(hours).to_contain_text("8")
    expect(hours.locator("[data-testid=budget-percent]")).to_have_text("80 %")
    expect(page.locator("[data-testid=budget-alerts] li")).to_have_count(1)
    expect(page.locator("[data-testid=bell-count]")).to_have_count(0)  # opened: read
    _fits(page)
    assert not axe_violations(page, page.url)
    shot(page, f"budget-page-{viewport}", full_page=True)

    _log(people.alice, website, MONDAY + timedelta(days=2), 8, 11)  # 11 h: 110 %
    assert _send_budget_alerts() == 1
    assert _send_budget_alerts() == 0  # told once
    page.reload()
    expect(page.locator("[data-testid=bell-count]")).to_have_text("1")
    expect(page.locator("[data-testid=budget-percent]")).to_have_text("110 %")
    follow(page, "[data-testid=bell]")
    expect(page.locator("[data-testid=notification][data-read='0']")).to_contain_text(
        "Website has used 100 % of its hours budget"
    )
    # Someone who manages no project sees no budget page: the same answer as an unknown one.
    page.context.clear_cookies()
    other = login("mona@example.com", PASSWORD)
    response = other.goto(f"{live_server.url}/time/projects/{website.pk}/budget/")
    assert response is not None and response.status == 404


def test_the_admin_lists_the_budget_alerts_sent_and_the_project_shows_its_budget_and_managers(
    people: Any, website: Any, login: Any, live_server: Any, viewport: str
) -> None:
    from timesheets import services

    people.admin.is_superuser = True
    people.admin.save()
    website.budget_hours = Decimal("4")
    services.project_save(project=website, managers=[people.bob], actor=people.admin)
    _log(people.alice, website, MONDAY, 8, 12)  # 4 h of 4: both thresholds at once
    assert _send_budget_alerts() == 1  # one notification, naming the higher

    page = login("olivia@example.com", PASSWORD)
    page.goto(f"{live_server.url}/admin/timesheets/projectbudgetalert/")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="80")).to_contain_text("Website")
    expect(rows.filter(has_text="100")).to_contain_text("Hours")
    shot(page, f"budget-alerts-admin-{viewport}", full_page=True)
    follow(page, "#result_list tbody tr:first-child th a, #result_list tbody tr:first-child td a")
    expect(page.locator("#content")).to_contain_text("Website")
    expect(page.locator("input[name=_save]")).to_have_count(0)  # read-only: the task writes them

    page.goto(f"{live_server.url}/admin/timesheets/project/{website.pk}/change/")
    assert page.input_value("#id_budget_hours") == "4.00"
    expect(page.locator("#id_managers_to")).to_contain_text("Bob Boss")
    # The admin (not a manager of it) opens the project's budget page too.
    page.goto(f"{live_server.url}/time/projects/{website.pk}/budget/")
    expect(page.locator("[data-testid=budget-percent]")).to_have_text("100 %")
    expect(page.locator("[data-testid=budget-alerts] li")).to_have_count(2)
