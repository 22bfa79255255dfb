from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from etime.ops.warranties import expiring, send_reminders


@pytest.mark.django_db(transaction=True)
def test_admins_are_reminded_once_about_warranties_ending_within_30_days(people: Any) -> None:
    from devices.models import Device

    today = dt.date(2026, 11, 22)
    Device.objects.create(name="Gate", host="10.0.0.1", warranty_end=today + dt.timedelta(days=12))
    Device.objects.create(name="Lobby", host="10.0.0.2", warranty_end=today + dt.timedelta(days=45))
    Device.objects.create(name="Old", host="10.0.0.3", warranty_end=today - dt.timedelta(days=1))

    assert [(i["name"], i["days_left"]) for i in expiring(today=today)] == [("Gate", 12)]
    assert send_reminders(today=today) == 1
    assert send_reminders(today=today) == 0
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([people.admin.email], "[etime] Warranty ends 2026-12-04: Time clock Gate")
    ]


@pytest.mark.django_db
def test_admin_lists_what_expires_soon(people: Any) -> None:
    from django.utils import timezone

    from devices.models import Device

    Device.objects.create(name="Gate", host="10.0.0.1", warranty_end=timezone.localdate() + dt.timedelta(days=60))
    people.admin.is_superuser = True
    people.admin.save()
    client = Client()
    client.force_login(people.admin)
    response = client.get("/admin/ops/job/warranties/")
    assert response.status_code == 200
    assert b"Gate" in response.content and b"60" in response.content
