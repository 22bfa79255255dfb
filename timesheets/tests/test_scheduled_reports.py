"""Hours by client as a scheduled report: everyone's finished time in the period, grouped
by client, in a workbook."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from etime.ops.reports import report_kinds
from timesheets.tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

SUNDAY = MONDAY + timedelta(days=6)


@pytest.fixture
def logged(people: Any, catalog: Any, entry: Any) -> None:
    """Alice, Amir (Engineering) and Dave (Sales, who sees none of them) in the week of 2 March."""
    from timesheets import services

    jan = date(2026, 1, 1)
    services.rate_create(
        level="project", target_id=catalog.website.pk, amount=Decimal("150.00"), effective_from=jan, actor=people.admin
    )
    services.rate_create(
        level="project", target_id=catalog.internal.pk, amount=Decimal("90.00"), effective_from=jan, actor=people.admin
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
    tuesday = MONDAY + timedelta(days=1)
    entry(at(MONDAY, "09:00"), at(MONDAY, "11:00"))  # Acme, 2 h × 150 = 300
    entry(at(tuesday, "09:00"), at(tuesday, "09:20"), employee=people.amir)  # Acme, 20 min × 150 = 50
    entry(at(tuesday, "09:00"), at(tuesday, "09:50"), employee=people.dave, project=catalog.support)  # Acme, no rate
    entry(
        at(tuesday, "13:00"), at(tuesday, "14:30"), employee=people.dave, project=catalog.internal
    )  # Globex, not billable
    entry(at(SUNDAY + timedelta(days=1), "09:00"), at(SUNDAY + timedelta(days=1), "17:00"))  # the week after
    entry(at(tuesday, "15:00"), None, employee=people.amir)  # running: not reported


def test_hours_by_client_covers_everyones_time_in_the_period_without_internal_costs(logged: None) -> None:
    kind = report_kinds()["hours_by_client"]
    assert kind.formats == ("xlsx",)

    sheet = load_workbook(io.BytesIO(kind.render(fmt="xlsx", start=MONDAY, end=SUNDAY))).active
    header, *rows = [[cell.value for cell in row] for row in sheet.iter_rows()]

    assert header == ["key", "label", "hours", "billable_hours", "billed_hours", "amount_CHF"]
    by_client = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_client) == {"Acme AG", "Globex GmbH"}
    acme = by_client["Acme AG"]
    # 2 h + 20 min + 50 min on Support (rounded up to 1 h when billed)
    assert Decimal(acme["hours"]) == Decimal("3.17")
    assert Decimal(acme["billable_hours"]) == Decimal("3.17")
    assert Decimal(acme["billed_hours"]) == Decimal("3.33")
    assert Decimal(acme["amount_CHF"]) == Decimal("350.00")
    globex = by_client["Globex GmbH"]
    assert (Decimal(globex["hours"]), Decimal(globex["billable_hours"])) == (Decimal("1.50"), Decimal("0.00"))
    assert globex["amount_CHF"] in ("", None)


def test_hours_by_client_of_an_empty_period_has_no_rows(logged: None) -> None:
    content = report_kinds()["hours_by_client"].render(fmt="xlsx", start=date(2025, 1, 1), end=date(2025, 1, 31))

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.max_row <= 1
