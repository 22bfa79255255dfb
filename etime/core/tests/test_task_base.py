"""Every etime task is enqueued only once its transaction commits, and a task whose row is
gone returns cleanly (etime.core.queue). Real transactions, a real task sending real mail,
and for what reaches the broker a real worker on Redis."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from celery import shared_task
from celery.signals import after_task_publish
from django.core import mail
from django.db import transaction

from etime.celery import app
from etime.core.queue import Task


@shared_task(name="tests.echo")
def echo(value: str) -> str:
    return value


@shared_task(name="tests.retry_once_in_a_transaction", bind=True, max_retries=1)
def retry_once_in_a_transaction(self: Any) -> int:
    if self.request.retries == 0:
        with transaction.atomic():
            raise self.retry(countdown=0)
    return int(self.request.retries)


def a_user_with_an_address() -> Any:
    from accounts.models import User

    return User.objects.create_user(username="ruth@example.com", email="ruth@example.com", password=None)


@pytest.fixture
def published() -> Any:
    """The names and ids of the task messages handed to the broker while the test runs."""
    seen: list[tuple[str, str]] = []

    def record(sender: Any = None, headers: Any = None, **_: Any) -> None:
        seen.append((str(sender), str((headers or {}).get("id"))))

    after_task_publish.connect(record, weak=False)
    try:
        yield seen
    finally:
        after_task_publish.disconnect(record)


@pytest.mark.embedded
@pytest.mark.django_db
def test_every_etime_task_is_transaction_aware_without_asking() -> None:
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "accounts.send_password_reset" in tasks and "tests.echo" in tasks
    assert [name for name, task in tasks.items() if not isinstance(task, Task)] == []


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_a_mail_task_enqueued_in_a_transaction_that_rolls_back_is_never_sent() -> None:
    from accounts.tasks import send_password_reset

    user = a_user_with_an_address()
    with pytest.raises(RuntimeError), transaction.atomic():
        send_password_reset.delay(user_ids=[str(user.pk)])
        raise RuntimeError("the request failed after enqueueing")
    with transaction.atomic():
        send_password_reset.delay(user_ids=[str(user.pk)])
        transaction.set_rollback(True)
    assert mail.outbox == []


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
def test_a_mail_task_enqueued_in_a_transaction_is_sent_once_it_commits() -> None:
    from accounts.tasks import send_password_reset

    user = a_user_with_an_address()
    with transaction.atomic():
        result = send_password_reset.delay(user_ids=[str(user.pk)])
        with transaction.atomic():  # a savepoint: still not committed
            send_password_reset.delay(user_ids=[str(user.pk)])
        assert mail.outbox == []  # not while the transaction is open
    assert [m.to for m in mail.outbox] == [["ruth@example.com"], ["ruth@example.com"]]
    assert result.id  # the id was fixed at the call, before the message existed
    # Outside a transaction the task is enqueued at once (eager here: it ran, and answers).
    assert send_password_reset.delay(user_ids=[str(user.pk)]).get() == 1
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_savepoint_rolled_back_drops_its_task_but_not_the_rest(django_capture_on_commit_callbacks: Any) -> None:
    from accounts.tasks import send_password_reset

    user = a_user_with_an_address()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        send_password_reset.delay(user_ids=[str(user.pk)], language="de")
        with pytest.raises(RuntimeError), transaction.atomic():
            send_password_reset.delay(user_ids=[str(user.pk)], language="fr")
            raise RuntimeError("this part failed")
    assert len(callbacks) == 1
    assert [m.extra_headers["Content-Language"] for m in mail.outbox] == ["de"]


@pytest.mark.django_db(transaction=True)
def test_a_task_reaches_the_broker_only_after_the_commit_and_never_after_a_rollback(
    live_worker: Any, published: list[tuple[str, str]]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = echo.delay("rolled back")
        raise RuntimeError("rolled back")
    with transaction.atomic():
        kept = echo.delay("committed")
        assert published == []  # nothing on the broker while the transaction is open
    assert published == [("tests.echo", kept.id)]
    assert kept.get(timeout=20) == "committed"  # the worker ran it
    assert lost.id not in {task_id for _name, task_id in published}


@pytest.mark.django_db(transaction=True)
def test_a_retry_from_inside_the_tasks_own_transaction_is_not_rolled_back_with_it(live_worker: Any) -> None:
    assert retry_once_in_a_transaction.delay().get(timeout=20) == 1


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_task_whose_row_is_gone_returns_cleanly_and_says_so(caplog: Any) -> None:
    from billing.tasks import render_invoice_pdf
    from devices.tasks import send_offline_alert, sync_device

    gone = str(uuid.uuid4())
    with caplog.at_level(logging.INFO, logger="etime.tasks"):
        assert sync_device.apply(args=[gone]).get() is None
        assert send_offline_alert.apply(args=[gone]).get() == 0
        assert render_invoice_pdf.apply(args=[gone]).get() is None
    assert [r.getMessage() for r in caplog.records] == [
        f"devices.sync_device: devices.Device {gone} is gone, nothing to do",
        f"devices.send_offline_alert: devices.Device {gone} is gone, nothing to do",
        f"billing.render_invoice_pdf: billing.Invoice {gone} is gone, nothing to do",
    ]
    assert mail.outbox == []
