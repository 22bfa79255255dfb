from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from conftest import user_of
from etime.ops.models import Notification, NotificationKind
from etime.ops.notifications import notify

pytestmark = pytest.mark.embedded


@pytest.mark.django_db(transaction=True)
def test_notify_sends_after_commit_and_records_it(people: Any) -> None:
    alice = user_of(people.alice)
    record = notify(alice, NotificationKind.LEAVE_DECIDED, "Your leave was approved", "Enjoy.")
    record.refresh_from_db()
    assert record.status == Notification.Status.SENT and record.sent_at
    assert [(m.to, m.subject) for m in mail.outbox] == [([alice.email], "[etime] Your leave was approved")]


@pytest.mark.django_db(transaction=True)
def test_switched_off_kind_is_recorded_as_skipped_and_not_sent(people: Any) -> None:
    alice = user_of(people.alice)
    client = Client()
    client.force_login(alice)
    page = client.get("/profile/notifications/")
    assert page.status_code == 200 and b'data-testid="pref-timer_running"' in page.content
    keep = [k for k in NotificationKind.values if k != NotificationKind.TIMER_RUNNING]
    assert client.post("/profile/notifications/", {"kinds": keep}).status_code == 302
    content = client.get("/profile/notifications/").content
    assert re.search(rb'data-testid="pref-timer_running"\s*>', content)  # unchecked
    assert re.search(rb'data-testid="pref-missing_time"\s*checked', content)

    skipped = notify(alice, NotificationKind.TIMER_RUNNING, "Timer still running", "Stop it?")
    sent = notify(alice, NotificationKind.MISSING_TIME, "Missing time", "Tuesday is empty.")

    assert (skipped.status, skipped.reason) == (Notification.Status.SKIPPED, "switched off by the user")
    sent.refresh_from_db()
    assert sent.status == Notification.Status.SENT
    assert [m.subject for m in mail.outbox] == ["[etime] Missing time"]


@pytest.mark.django_db(transaction=True)
def test_backup_failed_cannot_be_switched_off(people: Any) -> None:
    admin = people.admin
    client = Client()
    client.force_login(admin)
    client.post("/profile/notifications/", {"kinds": []})
    notify(admin, NotificationKind.BACKUP_FAILED, "Backup failed", "disk full")
    assert [m.to for m in mail.outbox] == [[admin.email]]


@pytest.mark.django_db
def test_unknown_kind_is_a_programming_error(people: Any) -> None:
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(people.admin, "weather", "Sunny", "Nice")


@pytest.mark.django_db(transaction=True)
def test_notify_many_mails_each_user_once_and_records_who_switched_off(people: Any) -> None:
    from etime.ops.notifications import notify_many, preferences_set

    bob, carla = user_of(people.bob), user_of(people.carla)
    preferences_set(user=carla, enabled=set(NotificationKind.values) - {NotificationKind.DEVICE_OFFLINE})
    records = notify_many([bob, carla, bob], NotificationKind.DEVICE_OFFLINE, "Clock offline", "Lobby")
    assert [(r.user, r.status) for r in records] == [
        (bob, Notification.Status.QUEUED),
        (carla, Notification.Status.SKIPPED),
    ]
    assert [m.to for m in mail.outbox] == [[bob.email]]


@pytest.mark.django_db(transaction=True)
def test_an_address_without_a_login_is_mailed_and_recorded_without_a_user(people: Any) -> None:
    record = notify(None, NotificationKind.INVOICE_OVERDUE, "Overdue", "Pay up", address="finance@example.com")
    record.refresh_from_db()
    assert (record.user, record.recipient, record.status) == (None, "finance@example.com", Notification.Status.SENT)
    assert [m.to for m in mail.outbox] == [["finance@example.com"]]
    with pytest.raises(ValueError, match="a user or an address"):
        notify(None, NotificationKind.INVOICE_OVERDUE, "Overdue", "Pay up")


@pytest.mark.django_db(transaction=True)
def test_an_address_given_for_a_user_still_honours_their_preference(people: Any) -> None:
    from etime.ops.notifications import preferences_set

    alice = user_of(people.alice)
    preferences_set(user=alice, enabled=set())
    record = notify(alice, NotificationKind.MISSING_TIME, "Missing time", "Tuesday", address="alice.home@example.com")
    assert (record.status, record.recipient) == (Notification.Status.SKIPPED, "alice.home@example.com")
    assert mail.outbox == []


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db(transaction=True)
def test_mail_that_failed_while_the_mail_server_was_down_is_sent_by_the_retry_sweep(people: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from etime.ops.notifications import MAX_ATTEMPTS, retry_failed

    alice = user_of(people.alice)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    record = notify(alice, NotificationKind.LEAVE_DECIDED, "Your leave was approved", "Enjoy.")
    record.refresh_from_db()
    assert record.status == Notification.Status.FAILED and record.attempts == 1  # connection refused: a real outage
    assert retry_failed() == 0  # still down
    record.refresh_from_db()
    assert record.status == Notification.Status.FAILED and record.attempts == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert retry_failed() == 1
    record.refresh_from_db()
    assert record.status == Notification.Status.SENT and record.attempts == 3
    assert [m.subject for m in mail.outbox] == ["[etime] Your leave was approved"]
    assert retry_failed() == 0 and len(mail.outbox) == 1  # sent once

    # Given up on: after MAX_ATTEMPTS tries, or a day after it was first queued.
    stale = notify(alice, NotificationKind.LEAVE_DECIDED, "Old", "x")
    Notification.objects.filter(pk=stale.pk).update(status=Notification.Status.FAILED, attempts=MAX_ATTEMPTS)
    old = notify(alice, NotificationKind.LEAVE_DECIDED, "Older", "x")
    Notification.objects.filter(pk=old.pk).update(
        status=Notification.Status.FAILED, attempts=1, created_at=timezone.now() - timedelta(hours=25)
    )
    mail.outbox.clear()
    assert retry_failed() == 0 and mail.outbox == []
