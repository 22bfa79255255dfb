"""The engine interface (etime/core/db): every guarantee kept on each engine."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections, models, transaction

from etime.core import db
from etime.core.db import mysql_schema

pytestmark = pytest.mark.embedded


def _conditional_unique_constraints() -> set[str]:
    return {
        constraint.name
        for model in apps.get_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is not None
    }


def test_every_partial_unique_rule_has_its_mariadb_and_mysql_form() -> None:
    # A conditional UniqueConstraint is silently skipped on MariaDB/MySQL (models.W036, silenced
    # there): each needs its generated-column form in mysql_schema.PARTIAL_UNIQUE.
    assert _conditional_unique_constraints() == set(mysql_schema.PARTIAL_UNIQUE)


@pytest.mark.django_db
def test_the_partial_unique_rules_exist_as_unique_keys_in_the_database() -> None:
    if db.engine() != "mysql":
        pytest.skip("MariaDB/MySQL: elsewhere Django creates them from the models")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0"
        )
        keys = {row[0] for row in cursor.fetchall()}
    assert set(mysql_schema.PARTIAL_UNIQUE) <= keys


@pytest.mark.django_db
def test_upsert_inserts_then_updates_and_insert_ignore_skips(people: Any) -> None:
    from attendance.models import DirtyDay
    from attendance.services.dirty import mark_dirty

    day = date(2026, 3, 2)
    assert mark_dirty([(people.alice.pk, day), (people.bob.pk, day)], enqueue=False) == 2
    mark_dirty([(people.alice.pk, day)], enqueue=False)
    versions = dict(DirtyDay.objects.filter(date=day).values_list("employee_id", "version"))
    assert versions == {people.alice.pk: 2, people.bob.pk: 1}
    with connection.cursor() as cursor:
        cursor.execute(
            db.insert_ignore_sql(
                DirtyDay._meta.db_table,
                ["employee_id", "date", "version", "marked_at"],
                f"SELECT employee_id, date, 7, marked_at FROM {connection.ops.quote_name(DirtyDay._meta.db_table)} WHERE 1 = 1",  # noqa: S608
                conflict=["employee_id", "date"],
            )
        )
        assert max(cursor.rowcount, 0) == 0
    assert dict(DirtyDay.objects.filter(date=day).values_list("employee_id", "version")) == versions


@pytest.mark.django_db(transaction=True)
def test_xact_lock_holds_a_second_transaction_until_the_first_ends() -> None:
    if db.engine() == "sqlite":
        pytest.skip("SQLite: one writer at a time by the IMMEDIATE transactions themselves")
    order: list[str] = []
    held, release = threading.Event(), threading.Event()

    def first() -> None:
        with transaction.atomic():
            db.xact_lock("drill", "one")
            order.append("first has it")
            held.set()
            release.wait(10)
            order.append("first ends")
        connections.close_all()

    def second() -> None:
        held.wait(10)
        with transaction.atomic():
            db.xact_lock("drill", "one")
            order.append("second has it")
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    held.wait(10)
    threading.Event().wait(0.3)  # the second is blocked now, or would have taken it
    release.set()
    for thread in threads:
        thread.join(20)
    assert order == ["first has it", "first ends", "second has it"]


def test_deadlock_victims_are_retried_a_bounded_number_of_times() -> None:
    from django.db import OperationalError

    calls: list[int] = []

    class Deadlock(Exception):
        pass

    @db.retry_deadlocks(attempts=3)
    def victim() -> None:
        calls.append(1)
        try:
            raise Deadlock(1213, "Deadlock found when trying to get lock; try restarting transaction")
        except Deadlock as exc:
            raise OperationalError(*exc.args) from exc

    with pytest.raises(OperationalError):
        victim()
    assert len(calls) == 3
