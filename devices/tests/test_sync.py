"""The sync pipeline against the simulator over real sockets: what reaches the database, the
watermark, the clock, log clearing, backoff and the offline alert."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from accounts.models import Employee, Role, User
from attendance.models import DirtyDay, Punch, PunchDirection, PunchSource
from devices import services
from devices.models import Device, DeviceStatus, SyncStatus
from devices.simulator import Fault
from devices.simulator import protocol as p
from devices.tests.conftest import MakeSim, device_for, device_log, stored_log
from etime.core.models import AuditEvent

pytestmark = pytest.mark.django_db
ZURICH = ZoneInfo("Europe/Zurich")


def sync(device: Device) -> Any:
    run = services.device_sync(device=device)
    device.refresh_from_db()
    return run


@pytest.mark.embedded
@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_sync_stores_the_device_log_exactly_once(make_sim: MakeSim, transport: str) -> None:
    sim = make_sim(users=20, records=3000, tz="Europe/Zurich")
    device = device_for(sim, transport)
    run = sync(device)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert (run.fetched, run.created, run.duplicates, run.already_synced) == (
        3000,
        len(device_log(sim)),
        3000 - len(device_log(sim)),
        0,
    )
    assert stored_log(device) == device_log(sim)
    assert device.status == DeviceStatus.ONLINE and device.last_success_at is not None
    assert device.watermark_position == 3000
    assert device.serial_number == sim.state.serial and device.firmware == sim.profile.firmware
    assert device.platform == sim.profile.platform and device.record_count == 3000
    assert sim.is_enabled, "the keypad is unlocked after the read"

    again = sync(device)
    assert (again.status, again.fetched, again.already_synced, again.created) == (SyncStatus.SUCCEEDED, 3000, 3000, 0)
    assert stored_log(device) == device_log(sim)


@pytest.mark.embedded
def test_device_local_times_become_utc_with_the_device_zone_and_states_become_directions(make_sim: MakeSim) -> None:
    sim = make_sim(users=3, records=0)
    sim.add_punch("1", datetime(2026, 1, 15, 8, 0, 5), status=1, punch=0)  # winter: UTC+1
    sim.add_punch("1", datetime(2026, 7, 15, 17, 30), status=2, punch=1)  # summer: UTC+2
    sim.add_punch("2", datetime(2026, 7, 15, 12, 0), status=15, punch=255)  # the clock said nothing
    device = device_for(sim, time_zone="Europe/Zurich")
    sync(device)
    rows = list(
        Punch.objects.filter(device_id=device.pk)
        .order_by("timestamp")
        .values_list("device_user_id", "timestamp", "direction", "raw_state", "verify_mode", "source")
    )
    assert rows == [
        ("1", datetime(2026, 1, 15, 7, 0, 5, tzinfo=UTC), PunchDirection.IN, 0, 1, PunchSource.DEVICE),
        ("2", datetime(2026, 7, 15, 10, 0, tzinfo=UTC), PunchDirection.UNKNOWN, 255, 15, PunchSource.DEVICE),
        ("1", datetime(2026, 7, 15, 15, 30, tzinfo=UTC), PunchDirection.OUT, 1, 2, PunchSource.DEVICE),
    ]


@pytest.mark.embedded
def test_punches_map_to_employees_and_unknown_ids_wait_for_a_mapping(
    make_sim: MakeSim, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sim = make_sim(users=5, records=0)
    now = sim.device_time().replace(microsecond=0)
    sim.add_punch("3", now - timedelta(hours=2))
    sim.add_punch("4", now - timedelta(hours=1))
    Employee.objects.filter(pk=people.alice.pk).update(device_user_id="3")
    device = device_for(sim)
    run = sync(device)
    assert (run.created, run.unmapped) == (2, 1)
    assert Punch.objects.get(device_id=device.pk, device_user_id="3").employee_id == people.alice.pk
    assert Punch.objects.get(device_id=device.pk, device_user_id="4").employee_id is None
    # attendance recomputes the affected days (its hook: the dirty set)
    assert DirtyDay.objects.filter(employee=people.alice).exists()

    with django_capture_on_commit_callbacks(execute=True):
        amir = Employee.objects.get(pk=people.amir.pk)
        amir.device_user_id = "4"
        amir.save()
    assert Punch.objects.get(device_id=device.pk, device_user_id="4").employee_id == people.amir.pk


@pytest.mark.embedded
def test_a_cleared_or_replaced_log_is_read_from_the_start_without_duplicates(make_sim: MakeSim) -> None:
    sim = make_sim(users=5, records=50)
    device = device_for(sim)
    sync(device)
    before = stored_log(device)
    sim.state.clear_attendance()
    sim.add_punch("2")
    run = sync(device)
    assert (run.fetched, run.already_synced, run.created) == (1, 0, 1)
    assert "changed since the last sync" in run.notes
    assert len(stored_log(device)) == len(before) + 1
    assert device.watermark_position == 1


@pytest.mark.embedded
def test_a_log_that_grew_during_the_read_is_read_again(make_sim: MakeSim) -> None:
    sim = make_sim(users=5, records=60)
    sim.inject(Fault("late_punch", count=1))  # firmware ignoring the lock (F12)
    device = device_for(sim)
    run = sync(device)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert "count mismatch" in run.notes
    assert stored_log(device) == device_log(sim) and run.fetched == 61


@pytest.mark.embedded
def test_ingest_commits_in_chunks_and_moves_the_watermark_with_them(make_sim: MakeSim) -> None:
    sim = make_sim(users=5, records=0)
    start = datetime(2026, 3, 2, 8, 0)
    for i in range(25):
        sim.add_punch(str(1 + i % 5), start + timedelta(minutes=i))
    device = device_for(sim)
    with override_settings(ETIME_DEVICE_INGEST_CHUNK=10):
        run = sync(device)
    assert (run.created, device.watermark_position) == (25, 25)
    assert device.watermark_record == f"5|{(start + timedelta(minutes=24)).isoformat()}"


@pytest.mark.embedded
def test_clock_drift_is_measured_and_left_alone_unless_configured(make_sim: MakeSim) -> None:
    sim = make_sim(users=2, records=3, clock_skew=600)
    device = device_for(sim, clock_drift_threshold_seconds=60)
    run = sync(device)
    assert run.clock_drift_seconds is not None and 597 <= run.clock_drift_seconds <= 603
    assert not run.clock_corrected and "device clock off by +" in run.notes
    assert abs(sim.clock_skew - 600) < 1
    assert device.clock_drift_seconds == run.clock_drift_seconds


@pytest.mark.embedded
def test_clock_drift_past_the_threshold_is_corrected_when_configured(make_sim: MakeSim) -> None:
    sim = make_sim(users=2, records=3, clock_skew=-900)
    device = device_for(sim, correct_clock=True, clock_drift_threshold_seconds=60)
    run = sync(device)
    assert run.clock_corrected and "corrected" in run.notes
    assert abs(sim.clock_skew) < 2
    quiet = make_sim(users=2, records=3, clock_skew=20)
    small = sync(device_for(quiet, correct_clock=True, clock_drift_threshold_seconds=60))
    assert not small.clock_corrected and abs(quiet.clock_skew - 20) < 1


@pytest.mark.embedded
def test_log_is_cleared_after_commit_only_when_configured(make_sim: MakeSim) -> None:
    kept = make_sim(users=3, records=40)
    sync(device_for(kept))
    assert len(kept.records) == 40

    sim = make_sim(users=3, records=40)
    device = device_for(sim, clear_log_after_sync=True)
    expected = device_log(sim)
    run = sync(device)
    assert run.log_cleared and sim.records == []
    assert stored_log(device) == expected
    assert device.watermark_position == 0
    sim.add_punch("1")
    after = sync(device)
    assert (after.fetched, after.created, after.already_synced) == (1, 1, 0)


@pytest.mark.embedded
def test_log_is_not_cleared_after_a_failed_sync(make_sim: MakeSim) -> None:
    sim = make_sim(users=3, records=3000)
    sim.inject(Fault.drop_mid_transfer())
    device = device_for(sim, clear_log_after_sync=True)
    run = sync(device)
    assert run.status == SyncStatus.FAILED and run.error_code == "device_unreachable"
    assert len(sim.records) == 3000 and p.CMD_CLEAR_ATTLOG not in sim.commands()


@pytest.mark.embedded
def test_clearing_is_refused_when_punches_arrived_after_the_read(make_sim: MakeSim) -> None:
    sim = make_sim(users=3, records=10)
    with services.open_adapter(device_for(sim)) as clock:
        assert clock.clear_attendance(only_if_count=9) is False
        assert len(sim.records) == 10 and sim.is_enabled
        assert clock.clear_attendance(only_if_count=10) is True
    assert sim.records == [] and sim.is_enabled


@pytest.mark.embedded
def test_unreachable_device_backs_off_exponentially_up_to_the_cap(make_sim: MakeSim) -> None:
    sim = make_sim(users=1, records=0)
    device = device_for(sim, poll_interval_seconds=60)
    sim.stop()  # nothing listens any more (F1)
    delays = []
    with override_settings(ETIME_DEVICE_BACKOFF_CAP_SECONDS=400):
        for _ in range(5):
            before = timezone.now()
            run = sync(device)
            assert run.status == SyncStatus.FAILED and run.error_code == "device_unreachable"
            assert device.next_sync_at is not None
            delays.append((device.next_sync_at - before).total_seconds())
    assert device.status == DeviceStatus.OFFLINE and device.consecutive_failures == 5
    assert device.last_error_code == "device_unreachable" and device.failing_since is not None
    for delay, base in zip(delays, [60, 120, 240, 400, 400], strict=True):
        assert 0.8 * base - 1 <= delay <= base + 1, delays


@pytest.mark.embedded
def test_backoff_grows_and_is_capped() -> None:
    rng = random.Random(1)
    with override_settings(ETIME_DEVICE_BACKOFF_CAP_SECONDS=3600):
        values = [services.backoff_seconds(interval=300, failures=n, retryable=True, rng=rng) for n in range(1, 8)]
        permanent = services.backoff_seconds(interval=300, failures=1, retryable=False, rng=rng)
    assert all(0.8 * b <= v <= b for v, b in zip(values, [300, 600, 1200, 2400, 3600, 3600, 3600], strict=True))
    assert all(v <= 3600 for v in values) and values[0] <= 300 and values[-1] >= 0.8 * 3600
    assert permanent >= 0.8 * 3600


@pytest.mark.embedded
def test_wrong_comm_key_is_an_auth_failure_that_waits_for_the_admin(make_sim: MakeSim) -> None:
    sim = make_sim(users=1, records=2, comm_key=1234)
    device = device_for(sim, comm_key=4321)
    run = sync(device)
    assert (run.status, run.error_code) == (SyncStatus.FAILED, "device_auth_failed")
    assert device.status == DeviceStatus.ERROR
    assert device.next_sync_at is not None and device.next_sync_at - timezone.now() > timedelta(minutes=45)
    services.device_update(device=device, actor=None, comm_key=1234)  # the admin fixes the key
    device.refresh_from_db()
    assert device.next_sync_at is not None and device.next_sync_at <= timezone.now()
    assert sync(device).status == SyncStatus.SUCCEEDED and len(stored_log(device)) == 2


@pytest.mark.embedded
def test_recovery_resets_status_errors_and_backoff(make_sim: MakeSim) -> None:
    sim = make_sim(users=2, records=5)
    device = device_for(sim)
    sim.inject("drop:command=1503")  # the buffered read's answer never comes whole
    assert sync(device).status == SyncStatus.FAILED
    sim.clear_faults()
    assert sync(device).status == SyncStatus.SUCCEEDED
    assert (device.status, device.last_error_code, device.consecutive_failures, device.failing_since) == (
        DeviceStatus.ONLINE,
        "",
        0,
        None,
    )


def test_long_failing_device_alerts_admins_once_by_email_and_audit(
    make_sim: MakeSim, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.create_user(username="ops@example.com", email="ops@example.com", role=Role.ADMIN, password=None)
    sim = make_sim(users=1, records=0)
    device = device_for(sim)
    sim.stop()
    with django_capture_on_commit_callbacks(execute=True):
        sync(device)
    assert mail.outbox == [] and device.alerted_at is None  # one failure is no outage yet
    Device.objects.filter(pk=device.pk).update(failing_since=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        sync(device)
        sync(device)
        services.devices_alert_offline()
    assert sorted(m.to[0] for m in mail.outbox) == ["olivia@example.com", "ops@example.com"]  # one mail each
    for message in mail.outbox:
        assert device.name in message.subject and "offline" in message.subject
        assert "device_unreachable" in message.body
    assert device.alerted_at is not None
    assert AuditEvent.objects.filter(action="device.offline_alert", object_id=str(device.pk)).count() == 1


def test_an_admin_who_switched_off_offline_alerts_gets_none_while_others_do(
    people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import preferences_set

    ops = User.objects.create_user(username="ops@example.com", email="ops@example.com", role=Role.ADMIN, password=None)
    preferences_set(user=people.admin, enabled=set(NotificationKind.values) - {NotificationKind.DEVICE_OFFLINE})
    device = services.device_create(actor=None, name="Lobby push", protocol="adms", serial_number="ADMS1")
    Device.objects.filter(pk=device.pk).update(last_contact_at=timezone.now() - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.devices_alert_offline()
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    records = {n.user_id: n for n in Notification.objects.filter(kind=NotificationKind.DEVICE_OFFLINE)}
    assert records[ops.pk].status == Notification.Status.SENT
    assert (records[people.admin.pk].status, records[people.admin.pk].reason) == (
        Notification.Status.SKIPPED,
        "switched off by the user",
    )


def test_silent_push_device_alerts_too(people: Any, django_capture_on_commit_callbacks: Any) -> None:
    device = services.device_create(actor=None, name="Lobby push", protocol="adms", serial_number="ADMS1")
    Device.objects.filter(pk=device.pk).update(last_contact_at=timezone.now() - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        alerted = services.devices_alert_offline()
    assert [d.pk for d in alerted] == [device.pk]
    device.refresh_from_db()
    assert device.status == DeviceStatus.OFFLINE and len(mail.outbox) == 1


@pytest.mark.embedded
def test_due_devices_are_claimed_once_and_synced_by_the_beat_task(
    make_sim: MakeSim, django_capture_on_commit_callbacks: Any
) -> None:
    from devices.tasks import sync_due_devices

    sim = make_sim(users=3, records=30)
    due = device_for(sim)
    later = device_for(make_sim(users=1, records=1), name="later")
    Device.objects.filter(pk=later.pk).update(next_sync_at=timezone.now() + timedelta(hours=1))
    off = device_for(make_sim(users=1, records=1), name="off", enabled=False)
    services.device_create(actor=None, name="push", protocol="adms", serial_number="PUSH1")

    # What beat runs (eager here); the per-device sync it enqueues runs when the test's transaction "commits".
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_due_devices.apply().get() == 1
    due.refresh_from_db()
    assert stored_log(due) == device_log(sim) and due.next_sync_at is not None and due.next_sync_at > timezone.now()
    assert services.devices_claim_due() == []  # claimed: not handed out twice
    assert not Punch.objects.filter(device_id__in=[later.pk, off.pk]).exists()


@pytest.mark.embedded
def test_disabled_and_push_devices_are_not_synced(make_sim: MakeSim) -> None:
    from devices.errors import DeviceDisabled, DeviceNotPollable

    device = device_for(make_sim(users=1, records=1), enabled=False)
    with pytest.raises(DeviceDisabled):
        services.device_sync(device=device)
    push = services.device_create(actor=None, name="push", protocol="adms", serial_number="PUSH2")
    with pytest.raises(DeviceNotPollable):
        services.device_sync(device=push)


def test_device_status_provider_tells_attendance_which_clocks_may_hold_punches(make_sim: MakeSim, people: Any) -> None:
    from accounts.models import Location
    from attendance import providers

    sim = make_sim(users=2, records=2)
    everywhere = device_for(sim, name="Everywhere")
    sync(everywhere)
    elsewhere = Location.objects.create(name="Elsewhere", time_zone="UTC")
    device_for(make_sim(users=1, records=0), name="Elsewhere clock", location=elsewhere)
    status = providers.device_status([people.alice.pk])
    entries = [(d.device_id, d.name, d.last_sync_at) for d in status[people.alice.pk]]
    assert entries == [(everywhere.pk, "Everywhere", everywhere.last_success_at)]


def test_a_full_day_of_polling_loses_and_duplicates_nothing(make_sim: MakeSim) -> None:
    # Punches arriving between syncs, across the watermark, with one-second neighbours.
    sim = make_sim(users=10, records=0)
    device = device_for(sim)
    base = datetime(2026, 5, 4, 7, 0)
    rng = random.Random(7)
    for hour in range(12):
        for _ in range(rng.randrange(0, 15)):
            sim.add_punch(str(rng.randrange(1, 11)), base + timedelta(hours=hour, seconds=rng.randrange(3600)))
        assert sync(device).status == SyncStatus.SUCCEEDED
    assert stored_log(device) == device_log(sim)
    assert Punch.objects.filter(device_id=device.pk).count() == len(device_log(sim))
    assert all(ts.tzinfo is not None for _u, ts in stored_log(device))


@pytest.mark.embedded
def test_dst_wall_times_take_the_first_occurrence_and_the_offset_before_a_gap() -> None:
    # 2026-10-25 02:30 happens twice in Zurich; 2026-03-29 02:30 never happens.
    assert services.to_utc(datetime(2026, 10, 25, 2, 30), ZURICH) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert services.to_utc(datetime(2026, 3, 29, 2, 30), ZURICH) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
