"""The devices back office: saves through services, and every action against a real simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Employee
from devices.models import AdmsCommand, Device, SyncRun
from devices.tests.conftest import MakeSim, device_for, device_log, stored_log
from etime.core.models import AuditEvent

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:devices_device_changelist"


def act(client: Any, action: str, devices: list[Device], **extra: Any) -> Any:
    data = {"action": action, "_selected_action": [str(d.pk) for d in devices], **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


def messages_of(response: Any) -> str:
    return " | ".join(str(m) for m in response.context["messages"])


def test_admin_adds_a_device_through_the_service_with_an_encrypted_comm_key(admin_client: Any, people: Any) -> None:
    form = {
        "name": "Door K20",
        "vendor": "eSSL identiX",
        "model": "K20",
        "protocol": "zk",
        "host": "10.1.2.3",
        "port": "4370",
        "transport": "tcp",
        "comm_key": "2468",
        "time_zone": "Europe/Zurich",
        "poll_interval_seconds": "300",
        "timeout_seconds": "10",
        "enabled": "on",
        "clock_drift_threshold_seconds": "60",
        "serial_number": "",
        "purchase_date": "",
        "warranty_end": "",
        "location": "",
    }
    response = admin_client.post(reverse("admin:devices_device_add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    device = Device.objects.get(name="Door K20")
    assert device.comm_key == 2468 and "2468" not in device.comm_key_encrypted
    assert AuditEvent.objects.get(action="device.created", object_id=str(device.pk)).actor == people.admin
    page = admin_client.get(reverse("admin:devices_device_change", args=[device.pk])).content.decode()
    assert "2468" not in page and device.comm_key_encrypted not in page
    # Saving with the comm key field left blank keeps the key.
    form.update(comm_key="", poll_interval_seconds="120")
    assert admin_client.post(reverse("admin:devices_device_change", args=[device.pk]), form).status_code == 302
    device.refresh_from_db()
    assert device.poll_interval_seconds == 120 and device.comm_key == 2468


def test_every_devices_admin_page_loads(admin_client: Any, make_sim: MakeSim) -> None:
    device = device_for(make_sim(users=2, records=3))
    SyncRun.objects.create(device=device, trigger="admin", status="failed", error_code="device_timeout")
    for name in ("devices_device", "devices_syncrun", "devices_admscommand"):
        assert admin_client.get(reverse(f"admin:{name}_changelist"), {"q": "a"}).status_code == 200
    page = admin_client.get(reverse("admin:devices_device_change", args=[device.pk]))
    assert page.status_code == 200 and "device_timeout" in page.content.decode()
    assert admin_client.get(reverse("admin:devices_admscommand_add")).status_code == 200


def test_sync_now_read_info_and_set_time_actions(admin_client: Any, make_sim: MakeSim) -> None:
    sim = make_sim(users=4, records=25, clock_skew=-3600)
    device = device_for(sim)
    response = act(admin_client, "sync_now", [device])
    assert "read 25 records" in messages_of(response)
    assert stored_log(device) == device_log(sim)
    assert SyncRun.objects.get(device=device).trigger == "admin"

    response = act(admin_client, "read_info", [device])
    assert f"serial {sim.state.serial}" in messages_of(response) and "25 records" in messages_of(response)
    device.refresh_from_db()
    assert device.serial_number == sim.state.serial and device.firmware == sim.profile.firmware

    response = act(admin_client, "set_time", [device])
    assert "clock set to" in messages_of(response)
    assert abs(sim.clock_skew) < 2
    assert AuditEvent.objects.filter(action="device.time_set", object_id=str(device.pk)).exists()


def test_actions_report_a_device_that_does_not_answer(admin_client: Any, make_sim: MakeSim) -> None:
    sim = make_sim(users=1, records=0)
    device = device_for(sim, timeout_seconds=0.5)
    sim.stop()
    assert "device_unreachable" in messages_of(act(admin_client, "read_info", [device]))
    assert "sync failed: device_unreachable" in messages_of(act(admin_client, "sync_now", [device]))


def test_push_employees_enrols_them_on_the_device(admin_client: Any, make_sim: MakeSim, people: Any) -> None:
    sim = make_sim(users=0, records=0)
    device = device_for(sim)
    Employee.objects.filter(pk=people.alice.pk).update(device_user_id="31", card_number="00004711")
    Employee.objects.filter(pk=people.amir.pk).update(device_user_id="32", card_number="A-77")
    page = act(admin_client, "push_employees", [device])
    assert page.status_code == 200 and b"Push employees to time clocks" in page.content
    response = act(
        admin_client, "push_employees", [device], apply="1", employees=[str(people.alice.pk), str(people.amir.pk)]
    )
    assert "pushed 2 employees" in messages_of(response)
    on_device = {u.user_id: (u.name, u.card) for u in sim.users}
    assert on_device == {"31": ("Alice Able", 4711), "32": ("Amir Adept", 0)}
    assert AuditEvent.objects.filter(action="device.users_pushed", object_id=str(device.pk)).exists()


def test_pull_users_maps_device_users_to_employees_by_card(admin_client: Any, make_sim: MakeSim, people: Any) -> None:
    sim = make_sim(users=0, records=0)
    sim.add_user("41", "Alice on the clock", card=5551)
    sim.add_user("42", "Bob on the clock", card=0)
    sim.add_user("43", "A stranger", card=9999)
    Employee.objects.filter(pk=people.alice.pk).update(card_number="5551")
    Employee.objects.filter(pk=people.bob.pk).update(device_user_id="42")
    sim.add_punch("41", sim.device_time() - timedelta(hours=1))
    device = device_for(sim)
    admin_client.post(reverse(CHANGELIST), {"action": "sync_now", "_selected_action": [str(device.pk)]})
    response = act(admin_client, "pull_users", [device])
    text = messages_of(response)
    assert "3 users: 1 matched employees, 1 newly mapped by card (E003)" in text and "43" in text
    alice = Employee.objects.get(pk=people.alice.pk)
    assert alice.device_user_id == "41"
    assert AuditEvent.objects.filter(action="employee.updated", object_id=str(alice.pk)).exists()


def test_adms_commands_are_queued_from_the_admin(admin_client: Any) -> None:
    from devices import services

    push = services.device_create(actor=None, name="Push", protocol="adms", serial_number="PUSHADMIN1")
    response = admin_client.post(reverse("admin:devices_admscommand_add"), {"device": str(push.pk), "command": "INFO"})
    assert response.status_code == 302
    assert list(AdmsCommand.objects.values_list("command", "status")) == [("INFO", "queued")]
