"""The back office: every registered model's pages load for an admin; tokens are created there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_every_admin_changelist_loads_with_search_and_filters(people: Any, client: Any) -> None:
    people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    refused = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "a"} if model_admin.search_fields else {})
        if response.status_code == 302 and response["Location"].endswith(
            "/change/"
        ):  # a singleton's list opens its one row
            response = client.get(response["Location"])
        assert response.status_code == 200, url
        if model._meta.app_label in ("accounts", "core"):
            add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            response = client.get(add)
            if response.status_code == 403:
                refused.append(model._meta.label)
            else:
                assert response.status_code == 200, add
    # Audit events and approval requests are written by the system only, never added by hand.
    assert sorted(refused) == ["core.ApprovalRequest", "core.AuditEvent"]


def test_employees_and_managers_cannot_enter_the_admin(people: Any, client: Any) -> None:
    for person in (people.alice, people.bob):
        client.force_login(person.user)
        response = client.get(reverse("admin:accounts_employee_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_creates_a_token_that_is_shown_once_and_works(people: Any, client: Any) -> None:
    people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    response = client.post(
        reverse("admin:accounts_apitoken_add"),
        {
            "user": people.alice.user.pk,
            "name": "payroll",
            "scopes": ["read:employees"],
            "expires_at_0": "",
            "expires_at_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    match = re.search(r"(etm_[A-Za-z0-9_-]{40,})", text)
    assert match, "the new token is shown in the admin message"
    raw = match.group(1)
    token = ApiToken.objects.get(name="payroll")
    assert token.user == people.alice.user and token.scopes == ["read:employees"]
    assert raw not in str(ApiToken.objects.filter(pk=token.pk).values().first())  # only the hash is stored

    api = client.__class__()
    me = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert me.status_code == 200 and me.json()["code"] == "E003"
    # Shown once: the token's change page does not reveal it again.
    page = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk])).content.decode()
    assert raw not in page


def test_admin_saving_an_employee_goes_through_the_service_and_is_audited(people: Any, client: Any) -> None:
    from etime.core.models import AuditEvent

    people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    response = client.post(
        reverse("admin:accounts_employee_add"),
        {
            "code": "N100",
            "first_name": "Nina",
            "last_name": "New",
            "email": "nina@example.com",
            "time_zone": "",
            "device_user_id": "",
            "card_number": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="employee.created", object_repr__contains="N100")
    assert event.actor == people.admin
    from accounts.models import Employee

    nina = Employee.objects.get(code="N100")
    assert nina.user is not None and nina.user.username == "nina@example.com"
