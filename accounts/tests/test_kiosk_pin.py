"""The kiosk PIN on the profile page and in the admin (issue #20): hashed, never shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import check_password

from accounts.models import Employee
from etime.core.models import AuditEvent


@pytest.mark.embedded
def test_a_person_sets_her_kiosk_pin_on_her_profile(people: Any, client: Any) -> None:
    client.force_login(people.alice.user)
    page = client.get("/profile/").content.decode()
    assert 'data-testid="kiosk-pin-form"' in page
    response = client.post("/profile/kiosk-pin/", {"pin": "2468", "pin_again": "2468"}, follow=True)
    assert "Your kiosk PIN is set." in response.content.decode()
    alice = Employee.objects.get(pk=people.alice.pk)
    assert alice.kiosk_pin != "2468" and check_password("2468", alice.kiosk_pin)
    assert AuditEvent.objects.filter(action="kiosk.pin_set", object_id=str(alice.pk)).exists()
    # letters, too short or two different PINs: refused with a message, the old PIN kept
    for pin, again in (("12ab", "12ab"), ("12", "12"), ("1357", "7531")):
        client.post("/profile/kiosk-pin/", {"pin": pin, "pin_again": again})
        assert check_password("2468", Employee.objects.get(pk=alice.pk).kiosk_pin)


@pytest.mark.embedded
def test_an_admin_sets_a_kiosk_pin_and_lifts_a_lockout(people: Any, admin_client: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    Employee.objects.filter(pk=people.amir.pk).update(kiosk_pin_locked_until=timezone.now() + timedelta(minutes=10))
    url = f"/admin/accounts/employee/{people.amir.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "new_kiosk_pin": "97531",
            "manager": str(people.bob.pk),
            "department": str(people.amir.department_id),
            "location": str(people.amir.location_id),
            "user": str(people.amir.user_id),
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    amir = Employee.objects.get(pk=people.amir.pk)
    assert check_password("97531", amir.kiosk_pin) and amir.kiosk_pin_locked_until is None
    # saved again without a new PIN: the PIN stays; its hash never reaches the audit log
    data.update({"new_kiosk_pin": "", "card_number": "C-77"})
    assert admin_client.post(url, data).status_code == 302
    assert Employee.objects.get(pk=amir.pk).kiosk_pin == amir.kiosk_pin
    events = AuditEvent.objects.filter(object_id=str(amir.pk))
    assert events.filter(action="employee.updated").exists()
    assert not [e for e in events if amir.kiosk_pin in str(e.after) + str(e.before)]
    assert AuditEvent.objects.filter(action="kiosk.pin_set", object_id=str(amir.pk)).exists()
