"""The people pages of the back office answer what they offer."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_user_list_filters_by_password_change_required(people: Any, client: Any) -> None:
    people.admin.is_superuser = True
    people.admin.password_change_required = True
    people.admin.save()
    client.force_login(people.admin)
    url = reverse("admin:accounts_user_changelist")
    for value, expected in (("1", ["olivia@example.com"]), ("0", ["alice@example.com"])):
        response = client.get(url, {"password_change_required__exact": value, "q": "o" if value == "1" else "alice"})
        assert response.status_code == 200
        shown = [u.username for u in response.context["cl"].result_list]
        assert shown == expected
