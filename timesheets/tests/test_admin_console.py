"""The time-tracking back office as an admin runs it: every page it links to opens,
and an import it cannot read says why instead of failing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(people: Any, client: Any) -> Any:
    people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    return client


def test_a_rate_change_page_opens_read_only(people: Any, catalog: Any, admin_client: Any) -> None:
    from timesheets import services
    from timesheets.models import Rate

    rate = services.rate_create(level="project", target_id=catalog.website.pk, amount=Decimal("155.00"), currency=None,
                                effective_from=date(2026, 1, 1), kind="billing", actor=people.admin)  # fmt: skip
    url = reverse("admin:timesheets_rate_change", args=[rate.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "155.00" in text and "CHF" in text and 'name="amount"' not in text
    # A post to the read-only page changes nothing.
    assert admin_client.post(url, {"amount": "1.00", "currency": "EUR"}).status_code == 403
    assert Rate.objects.get().amount == Decimal("155.00")
