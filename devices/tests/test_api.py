"""/api/v1/devices/: CRUD (comm key write-only), sync now, sync runs; device punches in /api/v1/punches/."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from accounts.models import Employee
from attendance.models import Punch
from devices.models import Device, SyncRun, SyncStatus
from devices.tests.conftest import MakeSim, device_for, device_log, stored_log
from etime.core.models import AuditEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/devices/"


def test_admin_creates_reads_updates_and_deletes_a_device_and_the_comm_key_never_comes_back(
    people: Any, token_client: Any
) -> None:
    api = token_client(people.admin, scopes=["write:devices"])
    body = {
        "name": "Gate K20",
        "host": "192.168.1.201",
        "port": 4370,
        "transport": "tcp",
        "comm_key": 123456,
        "time_zone": "Europe/Zurich",
        "poll_interval_seconds": 120,
        "purchase_date": "2025-01-10",
        "warranty_end": "2027-01-10",
    }
    created = api.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert "comm_key" not in data and data["has_comm_key"] is True
    assert data["status"] == "unknown" and data["next_sync_at"] is not None
    device = Device.objects.get(pk=data["id"])
    assert device.comm_key == 123456 and "123456" not in device.comm_key_encrypted

    listed = api.get(URL).json()
    assert [d["name"] for d in listed["results"]] == ["Gate K20"] and "comm_key" not in listed["results"][0]
    changed = api.patch(f"{URL}{device.pk}/", {"poll_interval_seconds": 60, "comm_key": None}, format="json")
    assert changed.status_code == 200 and changed.json()["has_comm_key"] is False
    assert changed.json()["poll_interval_seconds"] == 60
    event = AuditEvent.objects.filter(action="device.updated", object_id=str(device.pk)).get()
    assert event.after is not None
    assert event.after["comm_key_changed"] is True and "123456" not in str(event.before) + str(event.after)

    assert api.delete(f"{URL}{device.pk}/").status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.filter(action="device.deleted", object_id=str(device.pk)).exists()


def test_invalid_devices_are_validation_errors(people: Any, token_client: Any) -> None:
    api = token_client(people.admin)
    response = api.post(URL, {"name": "No host", "protocol": "zk", "time_zone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert "time_zone" in response.json()["error"]["details"]
    push = api.post(URL, {"name": "Push", "protocol": "adms"}, format="json")
    assert push.status_code == 400  # a push device is known by its serial number
    bad_key = api.post(URL, {"name": "K", "host": "10.0.0.1", "comm_key": -1}, format="json")
    assert bad_key.status_code == 400 and "comm_key" in bad_key.json()["error"]["details"]


def test_devices_are_for_admins_and_need_the_devices_scope(people: Any, token_client: Any) -> None:
    assert token_client(people.bob).get(URL).status_code == 403
    assert token_client(people.alice).get(URL).json()["error"]["code"] == "permission_denied"
    reader = token_client(people.admin, scopes=["read:devices"])
    assert reader.get(URL).status_code == 200
    refused = reader.post(URL, {"name": "x", "host": "10.0.0.1"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    assert token_client(people.admin, scopes=["read:employees"]).get(URL).status_code == 403


def test_post_sync_runs_a_sync_and_returns_the_run(make_sim: MakeSim, people: Any, token_client: Any) -> None:
    sim = make_sim(users=5, records=200)
    device = device_for(sim)
    api = token_client(people.admin)
    response = api.post(f"{URL}{device.pk}/sync/", HTTP_IDEMPOTENCY_KEY="sync-1")
    assert response.status_code == 200, response.json()
    run = response.json()
    assert run["status"] == "succeeded" and run["fetched"] == 200 and run["trigger"] == "api"
    assert run["created"] == len(device_log(sim)) and run["device"] == str(device.pk)
    assert stored_log(device) == device_log(sim)
    replay = api.post(f"{URL}{device.pk}/sync/", HTTP_IDEMPOTENCY_KEY="sync-1")
    assert replay.json() == run and replay["Idempotent-Replayed"] == "true"
    assert SyncRun.objects.filter(device=device).count() == 1

    runs = api.get(f"{URL}{device.pk}/sync-runs/", {"status": "succeeded", "limit": 10})
    assert runs.status_code == 200 and [r["id"] for r in runs.json()["results"]] == [run["id"]]
    assert api.get(f"{URL}{device.pk}/sync-runs/", {"status": "failed"}).json()["results"] == []


def test_a_failed_sync_answers_with_the_device_error_code_and_the_run(
    make_sim: MakeSim, people: Any, token_client: Any
) -> None:
    sim = make_sim(users=1, records=1, comm_key=99)
    wrong_key = device_for(sim, comm_key=98)
    api = token_client(people.admin)
    response = api.post(f"{URL}{wrong_key.pk}/sync/")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "device_auth_failed" and error["details"]["sync_run"]["status"] == "failed"

    gone = device_for(make_sim(users=1, records=0), name="gone")
    Device.objects.filter(pk=gone.pk).update(port=1)  # nothing listens there
    response = api.post(f"{URL}{gone.pk}/sync/")
    assert response.status_code == 502 and response.json()["error"]["code"] == "device_unreachable"

    disabled = device_for(make_sim(users=1, records=0), name="off", enabled=False)
    assert api.post(f"{URL}{disabled.pk}/sync/").json()["error"]["code"] == "device_disabled"


def test_devices_with_punches_cannot_be_deleted(make_sim: MakeSim, people: Any, token_client: Any) -> None:
    sim = make_sim(users=2, records=3)
    device = device_for(sim)
    api = token_client(people.admin)
    assert api.post(f"{URL}{device.pk}/sync/").status_code == 200
    response = api.delete(f"{URL}{device.pk}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "device_in_use"


def test_device_punches_are_listed_by_device_and_time_range_to_whoever_may_see_them(
    make_sim: MakeSim, people: Any, token_client: Any
) -> None:
    # /api/v1/punches/ is attendance's endpoint; devices' part is that synced punches show up there.
    sim = make_sim(users=5, records=0)
    day = datetime(2026, 4, 14, 8, 0)
    for i, user in enumerate(["3", "3", "4", "5"]):
        sim.add_punch(user, day + timedelta(hours=i))
    Employee.objects.filter(pk=people.alice.pk).update(device_user_id="3")
    Employee.objects.filter(pk=people.dave.pk).update(device_user_id="4")
    device = device_for(sim)
    assert token_client(people.admin).post(f"{URL}{device.pk}/sync/").status_code == 200

    admin = token_client(people.admin, scopes=["read:punches"])
    everything = admin.get("/api/v1/punches/", {"device_id": str(device.pk)}).json()["results"]
    # attendance lists punches of visible employees: the unmapped one ("5") is stored, not listed.
    assert sorted(p["device_user_id"] for p in everything) == ["3", "3", "4"]
    ranged = admin.get(
        "/api/v1/punches/",
        {
            "device_id": str(device.pk),
            "timestamp_after": "2026-04-14T07:30:00Z",
            "timestamp_before": "2026-04-14T08:30:00Z",
        },
    ).json()["results"]
    assert [(p["device_user_id"], p["timestamp"]) for p in ranged] == [("4", "2026-04-14T08:00:00Z")]
    alice = token_client(people.alice, scopes=["read:punches"])
    mine = alice.get("/api/v1/punches/", {"device_id": str(device.pk)}).json()["results"]
    assert sorted(p["employee"] for p in mine) == [str(people.alice.pk)] * 2
    bob = token_client(people.bob, scopes=["read:punches"])
    assert {p["employee"] for p in bob.get("/api/v1/punches/").json()["results"]} == {str(people.alice.pk)}
    assert Punch.objects.filter(device_id=device.pk, employee__isnull=True).count() == 1


def test_sync_runs_of_an_unknown_device_are_404(people: Any, token_client: Any) -> None:
    api = token_client(people.admin)
    assert api.get(f"{URL}00000000-0000-0000-0000-000000000000/sync-runs/").status_code == 404
    assert SyncStatus.SKIPPED == "skipped"
