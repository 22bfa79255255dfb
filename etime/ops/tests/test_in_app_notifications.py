"""Issue #23: in-app notifications (the bell) beside the e-mails, written by the same
``notify`` in the same transaction, per kind and channel preferences, the list page, the
API, the admin and the retention sweep."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import user_of
from etime.ops.models import InAppNotification, Notification, NotificationKind
from etime.ops.notifications import notify, preferences_set

pytestmark = pytest.mark.embedded


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db(transaction=True)
def test_notify_writes_the_bell_item_beside_the_mail(people: Any) -> None:
    alice = user_of(people.alice)
    notify(alice, NotificationKind.LEAVE_DECIDED, "Your leave was approved", "Enjoy.", link="/leave/")
    item = InAppNotification.objects.get(user=alice)
    assert (item.kind, item.subject, item.body, item.link, item.read_at) == (
        "leave_decided",
        "Your leave was approved",
        "Enjoy.",
        "/leave/",
        None,
    )
    assert [m.subject for m in mail.outbox] == ["[etime] Your leave was approved"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_neither_mail_nor_bell_item(people: Any) -> None:
    alice = user_of(people.alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(alice, NotificationKind.LEAVE_DECIDED, "Approved", "x")
        raise RuntimeError("the decision failed")
    assert not InAppNotification.objects.exists() and not Notification.objects.exists() and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_each_channel_is_switched_separately_per_kind(people: Any) -> None:
    alice = user_of(people.alice)
    client = _client(alice)
    everything = list(NotificationKind.values)
    response = client.post(
        "/profile/notifications/",
        {
            "kinds": [k for k in everything if k != NotificationKind.MISSING_TIME],
            "in_app": [k for k in everything if k != NotificationKind.TIMER_RUNNING],
        },
    )
    assert response.status_code == 302
    page = client.get("/profile/notifications/").content.decode()
    assert re.search(r'data-testid="pref-app-timer_running"\s*>', page)  # unchecked
    assert re.search(r'data-testid="pref-timer_running"\s*checked', page)
    assert re.search(r'data-testid="pref-missing_time"\s*>', page)
    assert re.search(r'data-testid="pref-app-missing_time"\s*checked', page)
    notify(alice, NotificationKind.TIMER_RUNNING, "Timer still running", "Stop it?")
    notify(alice, NotificationKind.MISSING_TIME, "Missing time", "Tuesday")
    # Timer: mailed, not in the app. Missing time: in the app, not mailed.
    assert [m.subject for m in mail.outbox] == ["[etime] Timer still running"]
    assert list(InAppNotification.objects.values_list("subject", flat=True)) == ["Missing time"]


@pytest.mark.django_db(transaction=True)
def test_a_login_without_an_address_still_gets_the_bell_item(people: Any) -> None:
    alice = user_of(people.alice)
    alice.email = ""
    alice.save(update_fields=["email"])
    record = notify(alice, NotificationKind.LEAVE_DECIDED, "Approved", "x")
    assert (record.status, record.reason) == (Notification.Status.SKIPPED, "no email address")
    assert InAppNotification.objects.filter(user=alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_backup_failed_reaches_the_bell_even_when_switched_off(people: Any) -> None:
    preferences_set(user=people.admin, enabled=set(), in_app=set())
    notify(people.admin, NotificationKind.BACKUP_FAILED, "Backup failed", "disk full")
    assert InAppNotification.objects.filter(user=people.admin, kind="backup_failed").count() == 1


@pytest.mark.django_db
def test_a_link_must_be_a_path_of_this_site(people: Any) -> None:
    with pytest.raises(ValueError, match="path of this site"):
        notify(people.admin, NotificationKind.LEAVE_DECIDED, "x", "y", link="https://evil.example/")
    with pytest.raises(ValueError, match="path of this site"):
        notify(people.admin, NotificationKind.LEAVE_DECIDED, "x", "y", link="//evil.example/")


@pytest.mark.django_db(transaction=True)
def test_leave_rejection_and_submission_reach_the_bell_with_links(people: Any) -> None:
    from leave.services import allocation_create, leave_request_decide
    from leave.tests.factories import make_leave_type, submit

    vacation = make_leave_type("vacation", "Vacation")
    with time_machine.travel(date(2026, 3, 2), tick=False):
        allocation_create(employee=people.alice, leave_type=vacation, year=2026, days=Decimal(10), actor=people.admin)
        request = submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 2))
        manager = people.alice.manager.user
        asked = InAppNotification.objects.get(user=manager)
        assert (asked.kind, asked.link) == ("approvals_waiting", "/inbox/")
        leave_request_decide(request=request, actor=manager, decision="reject", comment="Busy week")
    told = InAppNotification.objects.filter(user=people.alice.user).order_by("-id").first()
    assert told is not None and told.kind == "leave_decided" and told.link == "/leave/"
    assert "rejected" in told.subject.lower() and "Busy week" in told.body


@pytest.mark.django_db
def test_the_bell_counts_unread_and_the_list_marks_them_read(people: Any) -> None:
    alice = user_of(people.alice)
    for n in range(3):
        notify(alice, NotificationKind.MISSING_TIME, f"Missing time {n}", "x", link="/time/week/")
    notify(people.admin, NotificationKind.BACKUP_FAILED, "Backup failed", "x")  # someone else's
    client = _client(alice)
    home = client.get("/").content.decode()
    assert 'data-testid="bell-count">3<' in home and "Notifications, 3 unread" in home
    listing = client.get("/notifications/").content.decode()
    assert listing.count('data-testid="notification"') == 3 and "Backup failed" not in listing
    first, second, _third = InAppNotification.objects.filter(user=alice).order_by("id")
    opened = client.post(f"/notifications/{first.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/time/week/"
    assert client.post(f"/notifications/{second.pk}/read/").status_code == 302
    assert 'data-testid="bell-count">1<' in client.get("/").content.decode()
    # Another person's notification is not there for Alice.
    theirs = InAppNotification.objects.get(user=people.admin)
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert InAppNotification.objects.get(pk=theirs.pk).read_at is None
    assert client.post("/notifications/read-all/").status_code == 302
    assert 'data-testid="bell-count"' not in client.get("/").content.decode()
    assert client.get("/notifications/?page=abc").status_code == 200  # never a 500 on a bad page number


@pytest.mark.django_db
def test_the_api_lists_and_marks_read_only_the_callers_notifications(people: Any, token_client: Any) -> None:
    alice = user_of(people.alice)
    notify(alice, NotificationKind.MISSING_TIME, "Missing time", "x", link="/time/week/")
    notify(alice, NotificationKind.LEAVE_DECIDED, "Approved", "y", link="/leave/")
    notify(people.admin, NotificationKind.BACKUP_FAILED, "Backup failed", "z")
    api = token_client(alice)
    body = api.get("/api/v1/notifications/").json()
    rows = body["results"]
    assert [r["subject"] for r in rows] == ["Approved", "Missing time"]
    assert rows[0]["read"] is False and rows[0]["link"].endswith("/leave/") and rows[0]["kind"] == "leave_decided"
    marked = api.post(f"/api/v1/notifications/{rows[0]['id']}/read/")
    assert marked.status_code == 200 and marked.json() == {"marked": 1, "unread": 1}
    assert api.post(f"/api/v1/notifications/{rows[0]['id']}/read/").json() == {"marked": 0, "unread": 1}
    unread = api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert [r["subject"] for r in unread] == ["Missing time"]
    theirs = InAppNotification.objects.get(user=people.admin)
    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1, "unread": 0}
    assert InAppNotification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.django_db
def test_read_notifications_are_purged_after_the_retention_unread_ones_stay(people: Any, settings: Any) -> None:
    from etime.ops.notifications import mark_read, purge_read

    alice = user_of(people.alice)
    old_read, recent_read, unread = (notify(alice, NotificationKind.MISSING_TIME, s, "x") for s in ("a", "b", "c"))
    now = timezone.now()
    items = {i.subject: i for i in InAppNotification.objects.filter(user=alice)}
    mark_read(user=alice, ids=[items["a"].pk], now=now - timedelta(days=91))
    mark_read(user=alice, ids=[items["b"].pk], now=now - timedelta(days=89))
    InAppNotification.objects.filter(pk=items["c"].pk).update(created_at=now - timedelta(days=400))
    assert purge_read(now=now) == 1
    assert set(InAppNotification.objects.values_list("subject", flat=True)) == {"b", "c"}
    settings.ETIME_NOTIFICATIONS_READ_RETENTION_DAYS = 30
    assert purge_read(now=now) == 1
    assert set(InAppNotification.objects.values_list("subject", flat=True)) == {"c"}


@pytest.mark.django_db
def test_the_admin_shows_in_app_notifications_read_only(people: Any, admin_client: Client) -> None:
    notify(user_of(people.alice), NotificationKind.MISSING_TIME, "Missing time", "x")
    client = admin_client
    listing = client.get("/admin/ops/inappnotification/")
    assert listing.status_code == 200 and "Missing time" in listing.content.decode()
    assert client.get("/admin/ops/inappnotification/add/").status_code == 403
    item = InAppNotification.objects.get()
    change = client.get(f"/admin/ops/inappnotification/{item.pk}/change/")
    assert change.status_code == 200 and 'name="subject"' not in change.content.decode()
