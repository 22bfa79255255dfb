"""The shared kiosk at the door (issue #20 part 3): pairing with a one-time code, punching by
badge number (or the badge's QR payload) and PIN, the PIN lockout, revocation, and punches
queued offline whose PIN is checked when they arrive — all through real requests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.kiosk_pin import kiosk_pin_set
from attendance.models import Punch
from devices.models import ClientDevice, ClientSubmission
from devices.services import client_device_revoke, kiosk_create, kiosk_pairing_code
from etime.core.models import AuditEvent

T0 = datetime(2026, 3, 24, 7, 2, tzinfo=UTC)  # a Tuesday, 08:02 in Zurich
MINUTE = timedelta(minutes=1)


@pytest.fixture
def travel() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(people: Any) -> Any:
    for person, badge, pin in (
        (people.alice, "1001", "4321"),
        (people.amir, "1002", "8765"),
        (people.dave, "1003", "1111"),
    ):
        person.device_user_id = badge
        person.save(update_fields=["device_user_id"])
        kiosk_pin_set(employee=person, pin=pin, actor=people.admin)
    return people


def _pair(code: str) -> Any:
    return APIClient().post("/api/v1/kiosk/pair/", {"code": code}, format="json")


def _kiosk(people: Any) -> tuple[ClientDevice, APIClient]:
    device, code = kiosk_create(name="Main door", location=people.alice.location, actor=people.admin)
    response = _pair(code)
    assert response.status_code == 201, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {response.json()['credential']}")
    return device, client


def _punch(client: APIClient, badge: str, pin: str) -> Any:
    return client.post("/api/v1/kiosk/punches/", {"badge": badge, "pin": pin}, format="json")


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


@pytest.mark.embedded
def test_a_pairing_code_pairs_one_kiosk_once(staff: Any, travel: Any) -> None:
    device, code = kiosk_create(name="Main door", location=staff.alice.location, actor=staff.admin)
    assert len(code) == 9 and code[4] == "-"
    device.refresh_from_db()
    assert device.kind == "kiosk" and code.replace("-", "") not in device.pairing_code_hash and device.paired_at is None
    # typed in lower case without the dash: the same code
    first = _pair(code.replace("-", "").lower())
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["credential"].startswith("etd_") and body["name"] == "Main door" and body["location"] == "Zurich"
    device.refresh_from_db()
    assert device.paired_at == T0 and device.pairing_code_hash == "" and device.prefix == body["credential"][:12]
    again = _pair(code)
    assert again.status_code == 403 and _code(again) == "kiosk_pairing_code_invalid"
    assert _pair("nonsense").status_code == 403
    assert AuditEvent.objects.filter(action="kiosk.paired", object_id=str(device.pk)).count() == 1
    assert AuditEvent.objects.filter(action="kiosk.pairing_refused").count() == 2


@pytest.mark.embedded
def test_an_expired_pairing_code_is_refused(staff: Any, travel: Any) -> None:
    device, code = kiosk_create(name="Main door", location=staff.alice.location, actor=staff.admin)
    travel.move_to(T0 + 16 * MINUTE)
    expired = _pair(code)
    assert expired.status_code == 403 and _code(expired) == "kiosk_pairing_code_expired"
    assert AuditEvent.objects.filter(action="kiosk.pairing_refused", object_id=str(device.pk)).exists()
    # a new code from the admin works
    assert _pair(kiosk_pairing_code(device=device, actor=staff.admin)).status_code == 201


@pytest.mark.embedded
def test_only_an_admin_registers_a_kiosk(staff: Any) -> None:
    from etime.core.errors import NotFound

    with pytest.raises(NotFound):
        kiosk_create(name="Rogue", location=staff.alice.location, actor=staff.bob.user)


@pytest.mark.embedded
def test_a_person_clocks_in_then_out_by_badge_or_qr_and_pin_in_her_language(staff: Any, travel: Any) -> None:
    staff.alice.user.language = "de"
    staff.alice.user.save(update_fields=["language"])
    device, kiosk = _kiosk(staff)
    first = _punch(kiosk, "1001", "4321")
    assert first.status_code == 201, first.content
    assert first.json()["direction"] == "in" and first.json()["time"] == "08:02" and first.json()["language"] == "de"
    assert "Alice" in first.json()["message"] and "08:02" in first.json()["message"]
    travel.move_to(T0 + 8 * 60 * MINUTE)
    second = _punch(kiosk, "etime:badge:1001", "4321")  # the badge's QR code
    assert second.status_code == 201 and second.json()["direction"] == "out" and second.json()["time"] == "16:02"
    punches = list(Punch.objects.filter(employee=staff.alice).order_by("timestamp"))
    assert [(p.direction, p.source, p.device_id, p.device_user_id) for p in punches] == [
        ("in", "device", device.pk, "1001"),
        ("out", "device", device.pk, "1001"),
    ]


@pytest.mark.embedded
def test_a_wrong_pin_is_refused_and_five_lock_the_badge(staff: Any, travel: Any, settings: Any) -> None:
    settings.ETIME_KIOSK_PIN_MAX_FAILURES = 5
    _, kiosk = _kiosk(staff)
    unknown = _punch(kiosk, "9999", "4321")
    assert unknown.status_code == 403 and _code(unknown) == "kiosk_pin_invalid"  # the same answer: no enumeration
    for _attempt in range(5):
        wrong = _punch(kiosk, "1001", "0000")
        assert wrong.status_code == 403 and _code(wrong) == "kiosk_pin_invalid"
    locked = _punch(kiosk, "1001", "4321")  # the right PIN, too late
    assert locked.status_code == 403 and _code(locked) == "kiosk_pin_locked"
    assert not Punch.objects.filter(employee=staff.alice).exists()
    assert AuditEvent.objects.filter(action="kiosk.pin_refused", object_id=str(staff.alice.pk)).count() == 6
    assert AuditEvent.objects.filter(action="kiosk.pin_locked", object_id=str(staff.alice.pk)).count() == 1
    # others are not locked out; after the lockout, Alice's PIN works again
    assert _punch(kiosk, "1002", "8765").status_code == 201
    travel.move_to(T0 + 16 * MINUTE)
    assert _punch(kiosk, "1001", "4321").status_code == 201


@pytest.mark.embedded
def test_a_revoked_kiosk_is_refused_at_once(staff: Any, travel: Any) -> None:
    device, kiosk = _kiosk(staff)
    assert _punch(kiosk, "1001", "4321").status_code == 201
    client_device_revoke(device=device, actor=staff.admin)
    refused = _punch(kiosk, "1002", "8765")
    assert refused.status_code == 403 and _code(refused) == "device_credential_revoked"
    assert AuditEvent.objects.filter(action="client_device.refused", object_id=str(device.pk)).exists()
    assert not Punch.objects.filter(employee=staff.amir).exists()


@pytest.mark.embedded
def test_a_location_without_clock_punches_refuses_the_kiosk(staff: Any, travel: Any) -> None:
    _, kiosk = _kiosk(staff)
    location = staff.alice.location
    location.punch_from_devices = False
    location.save(update_fields=["punch_from_devices"])
    refused = _punch(kiosk, "1001", "4321")
    assert refused.status_code == 403 and _code(refused) == "punch_source_not_allowed"
    assert AuditEvent.objects.filter(action="punch.refused", object_id=str(staff.alice.pk)).exists()


def _offline(client: APIClient, badge: str, pin: str, recorded: datetime, now: datetime, key: Any = None) -> Any:
    body = {
        "key": str(key or uuid.uuid4()),
        "action": "kiosk_punch",
        "recorded_at": recorded.isoformat(),
        "device_now": now.isoformat(),
        "data": {"badge": badge, "pin": pin},
    }
    return client.post("/api/v1/offline-actions/", body, format="json")


@pytest.mark.embedded
def test_an_offline_punch_is_checked_at_sync_and_stored_once(staff: Any, travel: Any) -> None:
    device, kiosk = _kiosk(staff)
    travel.move_to(T0 + 30 * MINUTE)
    key = uuid.uuid4()
    # queued at 08:12 by a kiosk whose clock runs 20 s fast; sent at 08:32
    recorded, now = T0 + 10 * MINUTE + timedelta(seconds=20), T0 + 30 * MINUTE + timedelta(seconds=20)
    first = _offline(kiosk, "1002", "8765", recorded, now, key=key)
    assert first.status_code == 201, first.content
    assert first.json()["result"]["direction"] == "in" and first.json()["result"]["time"] == "08:12"
    punch = Punch.objects.get(employee=staff.amir)
    assert punch.timestamp == T0 + 10 * MINUTE and punch.offline_drift_seconds == 20 and punch.device_id == device.pk
    # a replay of the key: the stored answer, nothing doubled, no PIN asked twice
    again = _offline(kiosk, "1002", "8765", recorded, now, key=key)
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["result"] == first.json()["result"]
    assert Punch.objects.filter(employee=staff.amir).count() == 1 and ClientSubmission.objects.count() == 1
    # a wrong PIN typed offline: refused when it arrives, audited, nothing stored
    wrong = _offline(kiosk, "1003", "2222", T0 + 15 * MINUTE, T0 + 30 * MINUTE)
    assert wrong.status_code == 403 and _code(wrong) == "kiosk_pin_invalid"
    assert not Punch.objects.filter(employee=staff.dave).exists()
    assert AuditEvent.objects.filter(action="kiosk.pin_refused", object_id=str(staff.dave.pk)).exists()
    # rule 6 still guards the kiosk's clock
    drift = _offline(kiosk, "1003", "1111", T0 + 15 * MINUTE, T0 + 40 * MINUTE)
    assert drift.status_code == 403 and _code(drift) == "offline_drift_too_large"


@pytest.mark.embedded
def test_a_kiosk_and_an_app_keep_to_their_own_doors(staff: Any, travel: Any) -> None:
    _, kiosk = _kiosk(staff)
    body = {
        "key": str(uuid.uuid4()),
        "action": "punch",
        "recorded_at": T0.isoformat(),
        "device_now": T0.isoformat(),
        "data": {"direction": "in"},
    }
    assert _code(kiosk.post("/api/v1/offline-actions/", body, format="json")) == "offline_action_unknown"
    session = APIClient()
    session.force_login(staff.alice.user)
    credential = session.post("/api/v1/client-devices/", {"name": "phone"}, format="json").json()["credential"]
    app = APIClient()
    app.credentials(HTTP_AUTHORIZATION=f"Device {credential}")
    refused = _punch(app, "1001", "4321")
    assert refused.status_code == 403 and _code(refused) == "kiosk_only"


@pytest.mark.embedded
def test_an_admin_adds_a_kiosk_in_the_admin_and_reads_its_pairing_code_once(
    staff: Any, admin_client: Any, travel: Any
) -> None:
    import re

    response = admin_client.post(
        "/admin/devices/clientdevice/add/",
        {"name": "Warehouse door", "location": str(staff.alice.location.pk)},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    code = re.search(r'data-testid="pairing-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', text)
    assert code, text[:2000]
    device = ClientDevice.objects.get(name="Warehouse door")
    assert device.kind == "kiosk" and device.location == staff.alice.location
    assert code.group(1) not in admin_client.get(f"/admin/devices/clientdevice/{device.pk}/change/").content.decode()
    assert _pair(code.group(1)).status_code == 201
    # the admin's "new pairing code" action: a new tablet pairs, the old credential stops
    response = admin_client.post(
        "/admin/devices/clientdevice/", {"action": "pairing_code", "_selected_action": [str(device.pk)]}, follow=True
    )
    second = re.search(r'data-testid="pairing-code">([A-Z0-9]{4}-[A-Z0-9]{4})<', response.content.decode())
    assert second and _pair(second.group(1)).status_code == 201


def test_the_kiosk_page_states_the_pairing_codes_configured_validity(client: Any, settings: Any) -> None:
    settings.ETIME_KIOSK_PAIRING_MINUTES = 5
    page = client.get("/kiosk/").content.decode()
    assert "It works once, for 5 minutes." in page and "15 minutes" not in page
