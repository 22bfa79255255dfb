"""The rate waterfall (task → project → client → employee → 0) at every level and at
effective-date boundaries, and the snapshot it leaves on each entry (DESIGN §8)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from timesheets.tests.conftest import MONDAY, at, error_of, iso

pytestmark = pytest.mark.django_db


def add_rate(people: Any, level: str, target: Any, amount: str, effective_from: date, **kwargs: Any) -> Any:
    from timesheets import services

    return services.rate_create(
        level=level,
        target_id=target.pk,
        amount=Decimal(amount),
        effective_from=effective_from,
        actor=people.admin,
        **kwargs,
    )


@pytest.fixture
def all_levels(people: Any, catalog: Any) -> None:
    """A rate at every level, all in force from 1 January."""
    jan = date(2026, 1, 1)
    add_rate(people, "employee", people.alice, "100.00", jan, currency="CHF")
    add_rate(people, "client", catalog.acme, "120.00", jan)
    add_rate(people, "project", catalog.website, "140.00", jan)
    add_rate(people, "task", catalog.design, "160.00", jan)


def snapshot(e: Any) -> tuple[str, str, str, str | None]:
    return (
        str(e.rate_applied),
        e.rate_source,
        e.rate_currency,
        e.rate_effective_date and e.rate_effective_date.isoformat(),
    )


def test_task_rate_wins_over_every_other_level(all_levels: None, catalog: Any, entry: Any) -> None:
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), task=catalog.design)
    assert snapshot(e) == ("160.00", "task", "CHF", "2026-01-01")


def test_project_rate_applies_when_the_task_has_none(all_levels: None, catalog: Any, entry: Any) -> None:
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), task=catalog.build)
    assert snapshot(e) == ("140.00", "project", "CHF", "2026-01-01")


def test_client_rate_applies_when_the_project_has_none(all_levels: None, catalog: Any, entry: Any) -> None:
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), project=catalog.support)
    assert snapshot(e) == ("120.00", "client", "CHF", "2026-01-01")


def test_employee_rate_applies_when_the_client_has_none(all_levels: None, catalog: Any, entry: Any) -> None:
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), project=catalog.internal)
    assert snapshot(e) == ("100.00", "employee", "CHF", "2026-01-01")


def test_no_rate_anywhere_stores_zero_in_the_clients_currency(people: Any, catalog: Any, entry: Any) -> None:
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), employee=people.amir, project=catalog.internal)
    assert snapshot(e) == ("0.00", "none", "EUR", None)


def test_a_rate_applies_from_its_effective_date_not_the_day_before(people: Any, catalog: Any, entry: Any) -> None:
    add_rate(people, "project", catalog.website, "100.00", date(2026, 1, 1))
    add_rate(people, "project", catalog.website, "150.00", MONDAY + timedelta(days=1))  # from Tuesday
    monday = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    tuesday = entry(at(MONDAY + timedelta(days=1), "09:00"), at(MONDAY + timedelta(days=1), "10:00"))
    assert snapshot(monday) == ("100.00", "project", "CHF", "2026-01-01")
    assert snapshot(tuesday) == ("150.00", "project", "CHF", "2026-03-03")


def test_the_effective_date_is_the_employees_local_date_of_the_start(people: Any, catalog: Any, entry: Any) -> None:
    # 23:30 UTC on Monday is 00:30 on Tuesday in Zurich: Tuesday's rate applies.
    from datetime import UTC

    add_rate(people, "project", catalog.website, "100.00", date(2026, 1, 1))
    add_rate(people, "project", catalog.website, "150.00", MONDAY + timedelta(days=1))
    e = entry(at(MONDAY, "23:30", tz=UTC), at(MONDAY, "23:45", tz=UTC))
    assert e.date == MONDAY + timedelta(days=1)
    assert snapshot(e)[0] == "150.00"


def test_a_future_rate_is_ignored_until_its_day(people: Any, catalog: Any, entry: Any) -> None:
    add_rate(people, "task", catalog.design, "999.00", date(2027, 1, 1))
    add_rate(people, "client", catalog.acme, "120.00", date(2025, 1, 1))
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), task=catalog.design)
    assert snapshot(e) == ("120.00", "client", "CHF", "2025-01-01")


def test_a_rate_change_after_entries_exist_leaves_them_unchanged(people: Any, catalog: Any, entry: Any) -> None:
    from timesheets.models import TimeEntry

    add_rate(people, "project", catalog.website, "100.00", date(2026, 1, 1))
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    add_rate(people, "project", catalog.website, "180.00", date(2026, 2, 1))  # backdated, covers the entry
    add_rate(people, "task", catalog.design, "300.00", date(2026, 1, 1))
    stored = TimeEntry.objects.get(pk=e.pk)
    assert snapshot(stored) == ("100.00", "project", "CHF", "2026-01-01")


def test_editing_description_keeps_the_stored_rate_but_editing_project_task_or_start_re_resolves(
    people: Any, catalog: Any, entry: Any
) -> None:
    from timesheets import services

    add_rate(people, "project", catalog.website, "100.00", date(2026, 1, 1))
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    add_rate(people, "project", catalog.website, "180.00", date(2026, 2, 1))
    e = services.time_entry_update(entry=e, description="polish", actor=people.alice.user)
    assert snapshot(e)[0] == "100.00"  # unchanged: only the description moved
    e = services.time_entry_update(entry=e, start=at(MONDAY, "08:30"), actor=people.alice.user)
    assert snapshot(e) == ("180.00", "project", "CHF", "2026-02-01")
    add_rate(people, "task", catalog.design, "200.00", date(2026, 1, 1))
    e = services.time_entry_update(entry=e, task=catalog.design, actor=people.alice.user)
    assert snapshot(e) == ("200.00", "task", "CHF", "2026-01-01")
    e = services.time_entry_update(entry=e, project=catalog.internal, task=None, actor=people.alice.user)
    assert snapshot(e) == ("0.00", "none", "EUR", None)
    assert e.billable is False  # the non-billable project's default follows the move


def test_employee_cost_rate_is_stored_beside_the_billing_rate(people: Any, catalog: Any, entry: Any) -> None:
    add_rate(people, "employee", people.alice, "70.00", date(2026, 1, 1), currency="CHF", kind="cost")
    add_rate(people, "project", catalog.website, "150.00", date(2026, 1, 1))
    e = entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert (str(e.cost_rate_applied), e.cost_rate_currency) == ("70.00", "CHF")
    assert snapshot(e)[:2] == ("150.00", "project")  # a cost rate is never a billing rate


# --- API -----------------------------------------------------------------------------------


def test_admin_adds_rates_by_level_and_target_and_they_default_to_the_clients_currency(
    people: Any, catalog: Any, admin_api: Any
) -> None:
    from etime.core.models import AuditEvent

    response = admin_api.post(
        "/api/v1/rates/",
        {"level": "task", "target": str(catalog.design.pk), "amount": "175.50", "effective_from": "2026-01-01"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["level"] == "task" and body["target"] == str(catalog.design.pk)
    assert body["amount"] == "175.50" and body["currency"] == "CHF" and body["kind"] == "billing"
    assert AuditEvent.objects.filter(action="rate.created", object_id=body["id"]).exists()
    listed = admin_api.get("/api/v1/rates/", {"target": str(catalog.design.pk)}).json()["results"]
    assert [r["id"] for r in listed] == [body["id"]]


def test_rates_are_a_history_not_edited_in_place(people: Any, catalog: Any, admin_api: Any) -> None:
    created = admin_api.post(
        "/api/v1/rates/",
        {"level": "client", "target": str(catalog.acme.pk), "amount": "100.00", "effective_from": "2026-01-01"},
    ).json()
    error_of(admin_api.patch(f"/api/v1/rates/{created['id']}/", {"amount": "1.00"}), 405, "method_not_allowed")
    again = admin_api.post(
        "/api/v1/rates/",
        {"level": "client", "target": str(catalog.acme.pk), "amount": "130.00", "effective_from": "2026-01-01"},
    )
    assert "effective_from" in error_of(again, 400, "validation_error")["details"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"level": "task", "target": "00000000-0000-0000-0000-000000000000"}, "target"),
        ({"level": "planet"}, "level"),
        ({"level": "client", "currency": "EUR"}, "currency"),
        ({"level": "employee"}, "currency"),
        ({"level": "client", "kind": "cost"}, "kind"),
        ({"level": "client", "amount": "-1.00"}, "amount"),
    ],
)
def test_invalid_rates_are_refused_with_the_field_at_fault(
    people: Any, catalog: Any, admin_api: Any, payload: dict[str, Any], field: str
) -> None:
    target = {"client": catalog.acme.pk, "employee": people.alice.pk}.get(payload.get("level", ""), catalog.acme.pk)
    body = {"target": str(target), "amount": "100.00", "effective_from": "2026-01-01", **payload}
    error = error_of(admin_api.post("/api/v1/rates/", body), 400, "validation_error")
    assert field in error["details"], error


def test_only_admins_see_or_set_rates(people: Any, catalog: Any, token_client: Any) -> None:
    add_rate(people, "client", catalog.acme, "100.00", date(2026, 1, 1))
    for person in (people.bob, people.alice):
        api = token_client(person)
        error_of(api.get("/api/v1/rates/"), 403, "permission_denied")
        error_of(api.post("/api/v1/rates/", {}), 403, "permission_denied")


def test_an_entry_created_through_the_api_shows_its_rate_snapshot(people: Any, catalog: Any, alice_api: Any) -> None:
    add_rate(people, "project", catalog.website, "150.00", date(2026, 1, 1))
    response = alice_api.post(
        "/api/v1/time-entries/",
        {"project": str(catalog.website.pk), "start": iso(MONDAY, "09:00"), "end": iso(MONDAY, "10:20")},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rate_applied"], body["rate_currency"], body["rate_source"], body["rate_effective_date"]) == (
        "150.00",
        "CHF",
        "project",
        "2026-01-01",
    )
    assert body["duration_seconds"] == 80 * 60
    assert body["amount"] == "200.00"  # 80 min at 150.00, multiplied before rounding
