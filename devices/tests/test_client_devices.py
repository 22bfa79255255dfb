"""Installed apps with a device credential, and what they queued offline (issue #20): the
punch policy's rule 6 as a table, then each acceptance and refusal through real requests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from attendance.models import Punch, Regularisation
from attendance.punch_policy import Door, LocationRules, OfflineClock, Outcome, decide_offline
from conftest import user_of
from devices.models import ClientDevice, ClientSubmission
from etime.core.models import AuditEvent
from timesheets.models import TimeEntry
from timesheets.tests.conftest import catalog  # noqa: F401  (the projects fixture)

T0 = datetime(2026, 3, 24, 7, 0, tzinfo=UTC)  # a Tuesday, 08:00 in Zurich
MINUTE = timedelta(minutes=1)
DRIFT = timedelta(seconds=300)
AGE = timedelta(hours=72)


# --- Rule 6 as a table (pure) ---------------------------------------------------------------

NOW = T0 + 60 * MINUTE
CONTACT = T0


def _clock(recorded: datetime, device_now: datetime = NOW, contact: datetime | None = CONTACT) -> OfflineClock:
    return OfflineClock(
        recorded_at=recorded, device_now=device_now, last_contact_at=contact, max_drift=DRIFT, max_age=AGE
    )


OFFICE = LocationRules(networks=(__import__("ipaddress").ip_network("192.0.2.0/24"),))
NO_WEB = LocationRules(doors=frozenset({Door.DEVICE, Door.API}))

TABLE = [
    # (clock, rules, now) -> (outcome, code, rule, stored time, drift)
    (_clock(T0 + 30 * MINUTE), LocationRules(), NOW, (Outcome.PUNCH, "", "6d", T0 + 30 * MINUTE, 0)),
    # a device 2 minutes fast: its reading is moved back by its drift
    (
        _clock(T0 + 32 * MINUTE, NOW + 2 * MINUTE),
        LocationRules(),
        NOW,
        (Outcome.PUNCH, "", "6d", T0 + 30 * MINUTE, 120),
    ),
    (
        _clock(T0 + 30 * MINUTE, NOW + 6 * MINUTE),
        LocationRules(),
        NOW,
        (Outcome.REFUSED, "offline_drift_too_large", "6a", None, 360),
    ),
    (
        _clock(T0 + 30 * MINUTE, NOW - 6 * MINUTE),
        LocationRules(),
        NOW,
        (Outcome.REFUSED, "offline_drift_too_large", "6a", None, -360),
    ),
    (_clock(T0 - MINUTE), LocationRules(), NOW, (Outcome.REFUSED, "offline_time_before_contact", "6b", None, 0)),
    (_clock(NOW + MINUTE), LocationRules(), NOW, (Outcome.REFUSED, "offline_time_in_future", "6b", None, 0)),
    (_clock(T0 + 30 * MINUTE), NO_WEB, NOW, (Outcome.REFUSED, "punch_source_not_allowed", "6c", None, 0)),
    (_clock(T0 + 30 * MINUTE), OFFICE, NOW, (Outcome.CORRECTION, "", "6d", T0 + 30 * MINUTE, 0)),
    # four days offline: a correction request, not a punch
    (
        _clock(T0 + 30 * MINUTE, NOW + 4 * 24 * 60 * MINUTE),
        LocationRules(),
        NOW + 4 * 24 * 60 * MINUTE,
        (Outcome.CORRECTION, "", "6d", T0 + 30 * MINUTE, 0),
    ),
    # never contacted before (no last contact): any time up to now
    (_clock(T0 - 60 * MINUTE, contact=None), LocationRules(), NOW, (Outcome.PUNCH, "", "6d", T0 - 60 * MINUTE, 0)),
]


@pytest.mark.embedded
@pytest.mark.parametrize(("clock", "rules", "now", "expected"), TABLE)
def test_the_offline_rule_table(
    clock: OfflineClock, rules: LocationRules, now: datetime, expected: tuple[Any, ...]
) -> None:
    decision = decide_offline(clock, Door.WEB, rules, now)
    assert (
        decision.outcome,
        decision.code,
        decision.rule,
        decision.timestamp if decision.outcome != Outcome.REFUSED else None,
        decision.drift_seconds,
    ) == expected


# --- Through real requests --------------------------------------------------------------------


@pytest.fixture
def travel() -> Any:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _register(person: Any, name: str = "Alice's phone") -> tuple[APIClient, dict[str, Any]]:
    session = APIClient()
    session.force_login(user_of(person))
    response = session.post("/api/v1/client-devices/", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return session, response.json()


def _device(credential: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {credential}")
    return client


def _send(
    client: APIClient, action: str, recorded: datetime, device_now: datetime, key: Any = None, **data: Any
) -> Any:
    body = {
        "key": str(key or uuid.uuid4()),
        "action": action,
        "recorded_at": recorded.isoformat(),
        "device_now": device_now.isoformat(),
        "data": data,
    }
    return client.post("/api/v1/offline-actions/", body, format="json")


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


@pytest.mark.embedded
def test_a_person_registers_her_app_and_gets_a_credential_shown_once(people: Any, travel: Any) -> None:
    session, body = _register(people.alice)
    assert body["credential"].startswith("etd_") and body["kind"] == "app"
    device = ClientDevice.objects.get(pk=body["id"])
    assert device.owner == people.alice and body["credential"] not in device.key_hash
    assert device.last_contact_at == T0
    listed = session.get("/api/v1/client-devices/").json()["results"]
    assert [d["id"] for d in listed] == [body["id"]] and "credential" not in listed[0]
    # someone else neither sees nor revokes it
    other = APIClient()
    other.force_login(user_of(people.dave))
    assert other.get("/api/v1/client-devices/").json()["results"] == []
    assert other.post(f"/api/v1/client-devices/{body['id']}/revoke/").status_code == 404
    assert AuditEvent.objects.filter(action="client_device.registered", object_id=body["id"]).exists()


@pytest.mark.embedded
def test_a_punch_queued_offline_is_stored_once_at_its_recorded_time_marked_offline(people: Any, travel: Any) -> None:
    _, body = _register(people.alice)
    device = _device(body["credential"])
    travel.move_to(T0 + 60 * MINUTE)
    key = uuid.uuid4()
    # clocked in at 08:20 by a phone whose clock runs 40 s fast; sent at 09:00
    recorded, device_now = T0 + 20 * MINUTE + timedelta(seconds=40), T0 + 60 * MINUTE + timedelta(seconds=40)
    first = _send(device, "punch", recorded, device_now, key=key, direction="in")
    assert first.status_code == 201, first.content
    assert first.json()["replayed"] is False and first.json()["result"]["outcome"] == "punch"
    punch = Punch.objects.get(employee=people.alice)
    assert punch.timestamp == T0 + 20 * MINUTE and punch.offline_drift_seconds == 40 and punch.is_offline
    assert punch.direction == "in" and punch.source == "web" and punch.created_by == user_of(people.alice)

    # a retry, a second tab, Background Sync: the stored answer, nothing doubled
    again = _send(device, "punch", recorded, device_now, key=key, direction="in")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["result"] == first.json()["result"]
    assert Punch.objects.filter(employee=people.alice).count() == 1 and ClientSubmission.objects.count() == 1

    # managers see it marked offline in the punch list
    manager = APIClient()
    manager.force_login(user_of(people.bob))
    listed = manager.get("/api/v1/punches/", {"employee": str(people.alice.pk)}).json()["results"]
    assert [(p["id"], p["offline_drift_seconds"]) for p in listed] == [(str(punch.pk), 40)]


@pytest.mark.embedded
def test_the_same_key_for_another_action_is_refused(people: Any, travel: Any) -> None:
    _, body = _register(people.alice)
    device = _device(body["credential"])
    key = uuid.uuid4()
    travel.move_to(T0 + 10 * MINUTE)
    assert _send(device, "punch", T0 + 5 * MINUTE, T0 + 10 * MINUTE, key=key, direction="in").status_code == 201
    reused = _send(device, "timer_stop", T0 + 5 * MINUTE, T0 + 10 * MINUTE, key=key)
    assert reused.status_code == 409 and _code(reused) == "offline_key_reused"


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert _code(response) == code
    assert Punch.objects.count() == 0 and ClientSubmission.objects.count() == 0 and Regularisation.objects.count() == 0
    assert AuditEvent.objects.filter(action="client_device.refused", after__code=code).exists()


@pytest.mark.embedded
def test_a_wrong_credential_is_refused_and_audited(people: Any, travel: Any) -> None:
    _register(people.alice)
    travel.move_to(T0 + 10 * MINUTE)
    _refused(
        _send(_device("etd_forged"), "punch", T0 + 5 * MINUTE, T0 + 10 * MINUTE, direction="in"),
        401,
        "device_credential_invalid",
    )
    audited = AuditEvent.objects.count()
    # no credential at all, or a signed-in session (no device credential): the wrong door
    session = APIClient()
    session.force_login(user_of(people.alice))
    for client in (APIClient(), session):
        _refused(
            _send(client, "punch", T0 + 5 * MINUTE, T0 + 10 * MINUTE, direction="in"), 401, "device_credential_invalid"
        )
    assert AuditEvent.objects.count() == audited


@pytest.mark.embedded
def test_a_revoked_credential_is_refused_whoever_revoked_it(people: Any, admin_client: Any, travel: Any) -> None:
    session, body = _register(people.alice)
    assert session.post(f"/api/v1/client-devices/{body['id']}/revoke/").status_code == 200
    travel.move_to(T0 + 10 * MINUTE)
    _refused(
        _send(_device(body["credential"]), "punch", T0 + 5 * MINUTE, T0 + 10 * MINUTE, direction="in"),
        403,
        "device_credential_revoked",
    )

    _, second = _register(people.alice, "tablet")
    admin = APIClient()
    admin.force_login(people.admin)
    assert admin.post(f"/api/v1/client-devices/{second['id']}/revoke/").json()["revoked_at"] is not None
    response = _device(second["credential"]).post("/api/v1/client-devices/contact/")
    assert response.status_code == 403 and _code(response) == "device_credential_revoked"


@pytest.mark.embedded
def test_a_time_before_the_last_contact_is_refused(people: Any, travel: Any) -> None:
    _, body = _register(people.alice)
    device = _device(body["credential"])
    travel.move_to(T0 + 30 * MINUTE)
    assert device.post("/api/v1/client-devices/contact/").json()["server_now"].startswith("2026-03-24T07:30")
    travel.move_to(T0 + 60 * MINUTE)
    # recorded at 08:20, but the phone spoke to etime online at 08:30: a replay or a forgery
    _refused(
        _send(device, "punch", T0 + 20 * MINUTE, T0 + 60 * MINUTE, direction="in"), 403, "offline_time_before_contact"
    )


@pytest.mark.embedded
def test_excess_drift_and_a_time_in_the_future_are_refused(people: Any, travel: Any) -> None:
    _, body = _register(people.alice)
    device = _device(body["credential"])
    travel.move_to(T0 + 60 * MINUTE)
    _refused(_send(device, "punch", T0 + 20 * MINUTE, T0 + 70 * MINUTE, direction="in"), 403, "offline_drift_too_large")
    _refused(_send(device, "punch", T0 + 61 * MINUTE, T0 + 60 * MINUTE, direction="in"), 403, "offline_time_in_future")


@pytest.mark.embedded
def test_a_punch_older_than_the_limit_becomes_a_correction_request(people: Any, travel: Any, settings: Any) -> None:
    settings.ETIME_OFFLINE_MAX_AGE_HOURS = 2
    _, body = _register(people.alice)
    device = _device(body["credential"])
    travel.move_to(T0 + 3 * 60 * MINUTE)
    response = _send(device, "punch", T0 + 20 * MINUTE, T0 + 3 * 60 * MINUTE, direction="in")
    assert response.status_code == 201 and response.json()["result"]["outcome"] == "correction"
    assert Punch.objects.count() == 0
    correction = Regularisation.objects.get(employee=people.alice)
    assert correction.items == [{"timestamp": "2026-03-24T07:20:00+00:00", "direction": "in"}]
    assert correction.status == "pending" and "offline" in correction.reason
    assert (
        _send(
            device, "punch", T0 + 20 * MINUTE, T0 + 3 * 60 * MINUTE, key=response.json()["key"], direction="in"
        ).status_code
        == 200
    )
    assert Regularisation.objects.count() == 1


@pytest.mark.embedded
def test_a_location_that_needs_its_networks_turns_an_offline_punch_into_a_correction(people: Any, travel: Any) -> None:
    location = people.alice.location
    location.allowed_networks = "192.0.2.0/24"
    location.save()
    _, body = _register(people.alice)
    travel.move_to(T0 + 10 * MINUTE)
    response = _send(_device(body["credential"]), "punch", T0 + 5 * MINUTE, T0 + 10 * MINUTE, direction="out")
    assert response.status_code == 201 and response.json()["result"]["outcome"] == "correction"
    assert Punch.objects.count() == 0 and Regularisation.objects.filter(employee=people.alice).count() == 1


@pytest.mark.embedded
def test_a_location_that_takes_no_web_punches_refuses_offline_ones(people: Any, travel: Any) -> None:
    location = people.alice.location
    location.punch_from_web = False
    location.save()
    _, body = _register(people.alice)
    travel.move_to(T0 + 10 * MINUTE)
    _refused(
        _send(_device(body["credential"]), "punch", T0 + 5 * MINUTE, T0 + 10 * MINUTE, direction="in"),
        403,
        "punch_source_not_allowed",
    )


@pytest.mark.embedded
def test_a_timer_started_and_stopped_offline_is_logged_once_at_the_recorded_times(
    people: Any,
    catalog: Any,  # noqa: F811
    travel: Any,
) -> None:
    _, body = _register(people.alice)
    device = _device(body["credential"])
    travel.move_to(T0 + 90 * MINUTE)
    start_key, stop_key = uuid.uuid4(), uuid.uuid4()
    data = {"project": str(catalog.website.pk), "task": str(catalog.design.pk), "description": "mock-ups"}
    for replayed in (False, True):  # the queue sent twice: the second time answers from the first
        started = _send(device, "timer_start", T0 + 10 * MINUTE, T0 + 90 * MINUTE, key=start_key, **data)
        stopped = _send(device, "timer_stop", T0 + 70 * MINUTE, T0 + 90 * MINUTE, key=stop_key)
        status = 200 if replayed else 201
        assert (started.status_code, stopped.status_code) == (status, status), (started.content, stopped.content)
        assert (started.json()["replayed"], started.json()["result"]["outcome"]) == (replayed, "timer_started")
        assert (stopped.json()["replayed"], stopped.json()["result"]["outcome"]) == (replayed, "timer_stopped")
    entry = TimeEntry.objects.get(employee=people.alice)
    assert (entry.start, entry.end, entry.project, entry.task) == (
        T0 + 10 * MINUTE,
        T0 + 70 * MINUTE,
        catalog.website,
        catalog.design,
    )
    assert started.json()["replayed"] and stopped.json()["replayed"]

    unknown = _send(device, "timer_start", T0 + 80 * MINUTE, T0 + 90 * MINUTE, project=str(uuid.uuid4()))
    assert unknown.status_code == 400 and _code(unknown) == "validation_error"
    early = _send(device, "timer_start", T0 - MINUTE, T0 + 90 * MINUTE, **data)
    assert early.status_code == 403 and _code(early) == "offline_time_before_contact"


@pytest.mark.embedded
def test_unknown_actions_and_malformed_times_are_refused_with_a_code(people: Any, travel: Any) -> None:
    _, body = _register(people.alice)
    device = _device(body["credential"])
    travel.move_to(T0 + 10 * MINUTE)
    response = _send(device, "coffee", T0 + 5 * MINUTE, T0 + 10 * MINUTE)
    assert response.status_code == 400 and _code(response) == "offline_action_unknown"
    naive = device.post(
        "/api/v1/offline-actions/",
        {
            "key": str(uuid.uuid4()),
            "action": "punch",
            "recorded_at": "2026-03-24T07:05:00",
            "device_now": "2026-03-24T07:10:00Z",
            "data": {"direction": "in"},
        },
        format="json",
    )
    assert naive.status_code == 400 and _code(naive) == "validation_error"
    assert Punch.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_tabs_sending_the_same_key_at_the_same_moment_store_one_punch(people: Any) -> None:
    import threading

    from django.db import connections
    from django.utils import timezone

    from devices import services

    device, _credential = services.client_device_register(owner=people.alice, actor=user_of(people.alice), name="phone")
    ClientDevice.objects.filter(pk=device.pk).update(last_contact_at=timezone.now() - 10 * MINUTE)
    device.refresh_from_db()
    key, recorded = uuid.uuid4(), timezone.now() - 5 * MINUTE
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def send() -> None:
        try:
            barrier.wait()
            results.append(
                services.offline_submit(
                    device=device,
                    key=key,
                    action="punch",
                    data={"direction": "in"},
                    recorded_at=recorded,
                    device_now=timezone.now(),
                )
            )
        except BaseException as exc:  # surfaced below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(replayed for replayed, _ in results) == [False, True, True, True], results
    assert all(result == results[0][1] for _, result in results)
    assert Punch.objects.filter(employee=people.alice).count() == 1 and ClientSubmission.objects.count() == 1


@pytest.mark.embedded
def test_a_person_sees_her_installed_apps_on_her_profile_and_revokes_one_there(
    people: Any, client: Any, travel: Any
) -> None:
    _, body = _register(people.alice)
    client.force_login(user_of(people.dave))
    assert body["id"] not in client.get("/profile/").content.decode()
    assert client.post(f"/profile/devices/{body['id']}/revoke/").status_code == 404
    client.force_login(user_of(people.alice))
    page = client.get("/profile/").content.decode()
    assert "Alice&#x27;s phone" in page and body["credential"][:12] in page
    response = client.post(f"/profile/devices/{body['id']}/revoke/", follow=True)
    assert response.status_code == 200 and "can no longer send" in response.content.decode()
    assert ClientDevice.objects.get(pk=body["id"]).revoked_at is not None
    refused = _device(body["credential"]).post("/api/v1/client-devices/contact/")
    assert refused.status_code == 403 and _code(refused) == "device_credential_revoked"
