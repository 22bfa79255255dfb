"""The billing back office: drafts for every client for last month, issue, PDFs as a zip."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from billing.models import Invoice, InvoiceStatus
from timesheets.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def april_2026() -> Any:
    with time_machine.travel(datetime(2026, 4, 2, 9, 0, tzinfo=UTC)):
        yield


def test_drafts_for_all_clients_then_issue_then_zip_of_pdfs(
    admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any
) -> None:
    consulting = Project.objects.create(client=catalog.globex, name="Consulting")
    rate("project", catalog.website, "100.00")
    rate("project", consulting, "150.00")
    billed(date(2026, 3, 3), 60)
    billed(date(2026, 3, 4), 60, project=consulting)
    changelist = reverse("admin:billing_invoice_changelist")

    assert b"Create drafts for all clients for last month" in admin_client.get(changelist).content
    response = admin_client.post(reverse("admin:billing_invoice_drafts_last_month"), follow=True)
    assert response.redirect_chain == [(changelist, 302)]
    assert [str(m) for m in response.context["messages"]] == ["March 2026: 2 new drafts."]
    drafts = list(Invoice.objects.order_by("client__name"))
    assert [(d.client.name, d.period_start, d.period_end, d.status) for d in drafts] == [
        ("Acme AG", date(2026, 3, 1), date(2026, 3, 31), "draft"),
        ("Globex GmbH", date(2026, 3, 1), date(2026, 3, 31), "draft"),
    ]

    ids = [str(d.pk) for d in drafts]
    issued = admin_client.post(changelist, {"action": "issue_selected", "_selected_action": ids}, follow=True)
    assert [str(m) for m in issued.context["messages"]] == ["2 invoices issued."]
    assert sorted(Invoice.objects.values_list("number", "status")) == [
        ("INV-2026-0001", InvoiceStatus.ISSUED),
        ("INV-2026-0002", InvoiceStatus.ISSUED),
    ]

    response = admin_client.post(changelist, {"action": "download_pdfs", "_selected_action": ids})
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["INV-2026-0001.pdf", "INV-2026-0002.pdf"]

    # Issued invoices are view-only.
    page = admin_client.get(reverse("admin:billing_invoice_change", args=[ids[0]]))
    assert page.status_code == 200 and b'name="notes"' not in page.content


def test_adding_a_draft_with_nothing_to_bill_shows_the_reason_on_the_form(admin_client: Any, catalog: Any) -> None:
    response = admin_client.post(
        reverse("admin:billing_invoice_add"),
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    assert response.status_code == 200
    assert b"Nothing to invoice" in response.content
    assert not Invoice.objects.exists()


def test_export_invoices_from_the_admin(admin_client: Any, people: Any, catalog: Any, rate: Any, billed: Any) -> None:
    rate("project", catalog.website, "100.00")
    billed(date(2026, 3, 3), 60)
    response = admin_client.post(
        reverse("admin:billing_invoice_add"),
        {"client": str(catalog.acme.pk), "period_start": "2026-03-01", "period_end": "2026-03-31"},
    )
    assert Invoice.objects.count() == 1, response.context["adminform"].form.errors if response.context else ""
    response = admin_client.post(
        reverse("admin:billing_invoice_export"),
        {"format": "0", "resource": "0", **{f"invoiceresource_{f}": "on" for f in ("number", "client", "total")}},
    )
    assert response.status_code == 200, response.content[:500]
    assert b"Acme AG" in response.content and b"108.10" in response.content


def test_every_billing_changelist_loads_with_search(admin_client: Any) -> None:
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "billing":
            continue
        url = reverse(f"admin:billing_{model._meta.model_name}_changelist")
        response = admin_client.get(url, {"q": "a"} if model_admin.search_fields else {})
        assert response.status_code == 200, url
        # Unsearched, the list holds every stored row: the admin hides none from a superuser.
        assert admin_client.get(url).context["cl"].result_count == model._default_manager.count(), url
