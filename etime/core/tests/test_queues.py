"""Each kind of work has its queue and time limit, and a rush of punches costs one recompute."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings

from etime.celery import app


def registered_tasks() -> set[str]:
    app.loader.import_default_modules()
    # Celery's own, and tasks tests define for themselves, are not etime's.
    return {
        name
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and "tests" not in type(task).__module__.split(".")
    }


@pytest.mark.embedded
@pytest.mark.django_db  # importing the tasks runs Celery's Django fixup, which touches the database
def test_every_task_is_routed_to_a_declared_queue_with_that_queues_time_limit() -> None:
    tasks = registered_tasks()
    assert tasks == set(settings.ETIME_TASK_QUEUE), "name each new task's queue in settings.ETIME_TASK_QUEUE"
    for name in tasks:
        queue = settings.ETIME_TASK_QUEUE[name]
        assert app.amqp.router.route({}, name)["queue"].name == queue, name
        assert app.tasks[name].time_limit == settings.ETIME_QUEUE_TIME_LIMITS[queue], name
        assert app.tasks[name].soft_time_limit == settings.ETIME_QUEUE_TIME_LIMITS[queue] - 30, name
    assert {q.name for q in app.amqp.queues.values()} == set(settings.ETIME_QUEUES)
    assert app.tasks["ops.backup"].time_limit > app.tasks["accounts.send_password_reset"].time_limit
    # Redis hands an unacknowledged task to another worker after the visibility timeout:
    # it must outlast the longest task, or a backup still running would start again.
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > max(
            settings.ETIME_QUEUE_TIME_LIMITS.values()
        )


@pytest.mark.embedded
def test_a_worker_started_without_queues_consumes_every_queue() -> None:
    """The embedded default, a small installation and the tests' live worker run one worker;
    without --queues it consumes what this gives (with --queues, Celery narrows it)."""
    assert {q.name for q in app.amqp.queues.consume_from.values()} == set(settings.ETIME_QUEUES)


def test_a_morning_rush_of_punches_enqueues_one_recompute(people: Any, django_capture_on_commit_callbacks: Any) -> None:
    import redis

    from attendance.models import DirtyDay
    from attendance.services import mark_dirty
    from attendance.tasks import recompute_dirty_days

    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("needs Redis as broker (PostgreSQL pass)")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("attendance")
    app.conf.task_always_eager = False
    try:
        employees = [people.carla, people.bob, people.alice, people.amir, people.mona, people.dave]
        for minute in range(30):  # 30 committed punches, one transaction each
            with django_capture_on_commit_callbacks(execute=True):
                mark_dirty([(employees[minute % 6].pk, date(2027, 3, 1))])
        assert broker.llen("attendance") == 1  # one task waits, not thirty
        assert DirtyDay.objects.count() == 6
        # The waiting task runs (here inline) and claims every day marked before it started.
        assert recompute_dirty_days.apply().result == 6
        assert not DirtyDay.objects.exists()
        # A punch after it started enqueues the next one.
        with django_capture_on_commit_callbacks(execute=True):
            mark_dirty([(people.alice.pk, date(2027, 3, 2))])
        assert broker.llen("attendance") == 2
    finally:
        app.conf.task_always_eager = True
        broker.delete("attendance")
