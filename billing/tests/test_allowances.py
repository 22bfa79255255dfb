"""Mileage and per-diem expenses: the amount comes from the company's rate valid on the
expense's date, never from what was typed; they bill and export like other expenses."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from billing.tests.conftest import error_of

pytestmark = pytest.mark.django_db


def _setup(api: Any) -> dict[str, str]:
    ids = {}
    for name, kind in (("Mileage", "mileage"), ("Per diem", "per_diem"), ("Taxi", "amount")):
        response = api.post("/api/v1/expense-categories/", {"name": name, "kind": kind}, format="json")
        assert response.status_code == 201, response.content
        ids[kind] = response.json()["id"]
    for body in (
        {"vehicle": "car", "rate_per_km": "0.70", "currency": "CHF", "valid_from": "2026-01-01"},
        {"vehicle": "car", "rate_per_km": "0.75", "currency": "CHF", "valid_from": "2026-03-16"},
        {"vehicle": "bicycle", "rate_per_km": "0.20", "currency": "CHF", "valid_from": "2026-01-01"},
    ):
        assert api.post("/api/v1/mileage-rates/", body, format="json").status_code == 201
    response = api.post(
        "/api/v1/per-diem-rates/",
        {"country": "DE", "full_day": "28.00", "partial_day": "14.00", "currency": "EUR", "valid_from": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return ids


def test_mileage_is_distance_times_the_rate_valid_on_the_day(finance_api: Any, catalog: Any) -> None:
    kinds = _setup(finance_api)
    common = {
        "category": kinds["mileage"],
        "vehicle": "car",
        "route_from": "Zurich",
        "route_to": "Bern",
        "billable": True,
        "project": str(catalog.website.pk),
    }
    early = finance_api.post(
        "/api/v1/expenses/",
        {**common, "date": "2026-03-10", "distance_km": "123.5", "amount": "999.00", "currency": "USD"},
        format="json",
    )
    assert early.status_code == 201, early.content
    # 123.5 km × 0.70 = 86.45, whatever was typed as the amount
    assert (early.json()["amount"], early.json()["currency"]) == ("86.45", "CHF")
    assert early.json()["description"] == "Zurich → Bern, 123.5 km"
    late = finance_api.post("/api/v1/expenses/", {**common, "date": "2026-03-16", "distance_km": "10"}, format="json")
    assert late.json()["amount"] == "7.50"  # the new rate from its first day on

    # Missing route or distance: each field named, nothing stored.
    body = error_of(
        finance_api.post(
            "/api/v1/expenses/", {"category": kinds["mileage"], "date": "2026-03-10", "vehicle": "car"}, format="json"
        ),
        400,
        "validation_error",
    )
    assert set(body["details"]) == {"distance_km", "route_from", "route_to"}
    # No rate for a van yet, and none for a car before 2026.
    error_of(
        finance_api.post(
            "/api/v1/expenses/", {**common, "vehicle": "van", "date": "2026-03-10", "distance_km": "5"}, format="json"
        ),
        400,
        "expense_rate_missing",
    )
    error_of(
        finance_api.post("/api/v1/expenses/", {**common, "date": "2025-12-31", "distance_km": "5"}, format="json"),
        400,
        "expense_rate_missing",
    )
    assert len(finance_api.get("/api/v1/expenses/").json()["results"]) == 2


def test_per_diem_counts_full_and_partial_days_at_the_countrys_rate(finance_api: Any, catalog: Any) -> None:
    kinds = _setup(finance_api)
    response = finance_api.post(
        "/api/v1/expenses/",
        {
            "category": kinds["per_diem"],
            "date": "2026-03-10",
            "per_diem_country": "de",
            "full_days": 3,
            "partial_days": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"], body["per_diem_country"]) == ("112.00", "EUR", "DE")  # 3×28 + 2×14
    error_of(
        finance_api.post(
            "/api/v1/expenses/",
            {"category": kinds["per_diem"], "date": "2026-03-10", "per_diem_country": "DE", "full_days": 0},
            format="json",
        ),
        400,
        "validation_error",
    )
    error_of(
        finance_api.post(
            "/api/v1/expenses/",
            {"category": kinds["per_diem"], "date": "2026-03-10", "per_diem_country": "FR", "full_days": 1},
            format="json",
        ),
        400,
        "expense_rate_missing",
    )
    # A plain expense still needs its amount.
    body = error_of(
        finance_api.post(
            "/api/v1/expenses/", {"category": kinds["amount"], "date": "2026-03-10", "currency": "CHF"}, format="json"
        ),
        400,
        "validation_error",
    )
    assert set(body["details"]) == {"amount"}


def test_mileage_bills_and_exports_like_any_expense(finance_api: Any, catalog: Any) -> None:
    kinds = _setup(finance_api)
    finance_api.post(
        "/api/v1/expenses/",
        {
            "category": kinds["mileage"],
            "vehicle": "bicycle",
            "date": "2026-03-10",
            "distance_km": "42",
            "route_from": "Office",
            "route_to": "Acme AG",
            "billable": True,
            "project": str(catalog.website.pk),
        },
        format="json",
    )
    draft = finance_api.post(
        "/api/v1/invoices/",
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
        format="json",
    ).json()
    assert [(line["kind"], line["description"], line["amount"]) for line in draft["lines"]] == [
        ("expense", "Mileage – Office → Acme AG, 42 km (03/10/2026)", "8.40")
    ]  # 42 × 0.20
    rows = list(
        csv.DictReader(io.StringIO(finance_api.get("/api/v1/expenses/export/?file_format=csv").content.decode()))
    )
    assert [(r["vehicle"], r["distance_km"], r["route_from"], r["route_to"], r["amount"]) for r in rows] == [
        ("bicycle", "42.00", "Office", "Acme AG", "8.40")
    ]
