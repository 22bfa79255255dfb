"""Shared fixtures: the personas every app's tests use, and API clients for them.

The org chart (like healthchecks' alice/bob/charlie):

    olivia (admin, no reports)
    carla  (manager, Engineering head)
      └── bob   (manager)
            └── alice  (employee)
            └── amir   (employee)
    mona   (manager, Sales)
      └── dave  (employee, the outsider)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

# The real Chromium's `browser` and `page` fixtures, one per test process for every directory.
pytest_plugins = ["tests.browser.fixtures"]

PASSWORD = "correct-horse-battery-staple"

# The suite must not depend on the real date or hour. `ETIME_TEST_NOW` (an ISO datetime
# with its offset, e.g. 2027-01-02T00:30:00+00:00) moves this process's clock there for
# the whole run, ticking; `./etimectl test` runs its two passes at two such moments
# (README "Running the tests at another date"). Tests that travel themselves nest inside.
_TEST_NOW_ENV = "ETIME_TEST_NOW"


def _test_now() -> Any:
    from datetime import datetime

    raw = os.environ.get(_TEST_NOW_ENV, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"{_TEST_NOW_ENV}={raw!r} is not an ISO datetime: {exc}") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"{_TEST_NOW_ENV}={raw!r} needs an offset, e.g. 2027-01-02T00:30:00+00:00")
    return moment


def pytest_configure(config: Any) -> None:
    moment = _test_now()
    if moment is not None:
        import time_machine

        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config._etime_clock = traveller  # stopped in pytest_unconfigure


def pytest_unconfigure(config: Any) -> None:
    traveller = getattr(config, "_etime_clock", None)
    if traveller is not None:
        traveller.stop()


# Figures a test measures for CI's log (the page-parameter fuzz, the catalogs' counts):
# a test calls record_property("figure", "..."); the properties travel with the test's
# report from xdist workers, and the controller prints them under "etime figures".
_FIGURES: list[str] = []


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call":
        _FIGURES.extend(str(value) for name, value in report.user_properties if name == "figure")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("etime figures")
        for line in sorted(_FIGURES):
            terminalreporter.write_line(line)


def pytest_report_header(config: Any) -> str:
    moment = _test_now()
    return f"etime clock: moved to {moment.isoformat()} ({_TEST_NOW_ENV})" if moment else "etime clock: real time"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # The SQLite pass (no DATABASE_URL) runs only the tests about the embedded default.
    if os.environ.get("DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="runs in the PostgreSQL pass")
    for item in items:
        if "embedded" not in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def admin_client(people: People, client: Any) -> Any:
    """The test client signed in as the people's admin, a superuser as the admin site's
    model permissions want (replaces pytest-django's fixture of the same name)."""
    people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    return client


@pytest.fixture(scope="session", autouse=True)
def _empty_broker() -> None:
    """This xdist worker's own Celery broker (settings_test) starts empty: a task an earlier,
    interrupted run left queued must not reach this run's live workers."""
    from django.conf import settings

    if settings.REDIS_URL and settings.CELERY_BROKER_URL != settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.fixture(autouse=True)
def _default_language_after() -> Any:
    """A request in German leaves German active in its thread (LocaleMiddleware activates
    and nothing deactivates): every test starts from the default language."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _isolated_cache() -> Any:
    """Throttle state must not leak between tests. Only this worker's keys are dropped:
    RedisCache.clear() is FLUSHDB, which would wipe the other xdist workers' state mid-test."""
    from django.conf import settings

    config = settings.CACHES["default"]
    if config["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
        keys = list(client.scan_iter(match=f"{config['KEY_PREFIX']}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield


@dataclass
class People:
    admin: Any
    carla: Any
    bob: Any
    alice: Any
    amir: Any
    mona: Any
    dave: Any


@pytest.fixture
def people(db: Any) -> People:
    return make_people()


def make_people() -> People:
    """The org chart above, built through the services (the `people` fixture; module-wide
    data built with `shared_test_data` calls it too)."""
    from accounts.models import Department, Location, Role, User
    from accounts.services import employee_create

    zurich = Location.objects.create(name="Zurich", time_zone="Europe/Zurich", country="CH", subdivision="ZH")
    engineering = Department.objects.create(name="Engineering", code="ENG")
    sales = Department.objects.create(name="Sales", code="SAL")

    admin_user = User.objects.create_user(
        username="olivia@example.com", email="olivia@example.com", password=PASSWORD, role=Role.ADMIN, is_staff=True
    )

    def make(code: str, first: str, last: str, role: str, dept: Any, manager: Any = None) -> Any:
        return employee_create(
            actor=admin_user,
            code=code,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@example.com",
            department=dept,
            manager=manager,
            location=zurich,
            role=role,
            password=PASSWORD,
        )

    carla = make("E001", "Carla", "Chief", Role.MANAGER, engineering)
    bob = make("E002", "Bob", "Boss", Role.MANAGER, engineering, carla)
    alice = make("E003", "Alice", "Able", Role.EMPLOYEE, engineering, bob)
    amir = make("E004", "Amir", "Adept", Role.EMPLOYEE, engineering, bob)
    mona = make("E005", "Mona", "Market", Role.MANAGER, sales)
    dave = make("E006", "Dave", "Deal", Role.EMPLOYEE, sales, mona)
    return People(admin=admin_user, carla=carla, bob=bob, alice=alice, amir=amir, mona=mona, dave=dave)


def user_of(person: Any) -> Any:
    return person.user if hasattr(person, "user") and not hasattr(person, "role") else person


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def token_client(db: Any) -> Any:
    """token_client(user, scopes=[...], expires_at=None) -> APIClient authenticated by a bearer token."""

    def make(user: Any, scopes: list[str] | None = None, **kwargs: Any) -> APIClient:
        raw = bearer_token(user, scopes, **kwargs)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.raw_token = raw  # type: ignore[attr-defined]
        return client

    return make


def bearer_token(user: Any, scopes: list[str] | None = None, **kwargs: Any) -> str:
    """A new API token of `user` (a User or an Employee) with `scopes`; returns the raw token."""
    from accounts.services import api_token_create

    user = user_of(user)
    _token, raw = api_token_create(
        user=user, name="test", scopes_requested=scopes or ["read:all", "write:all"], actor=user, **kwargs
    )
    return raw


def shared_test_data(django_db_blocker: Any, build: Any) -> Any:
    """Data built once for many tests, as Django's TestCase.setUpTestData does it: `build()`
    runs inside a transaction that stays open while the tests run; each test's own
    transaction is a savepoint within it, so a test sees the data fresh and its writes roll
    back; at the end the whole transaction rolls back (nothing committed, nothing to flush,
    on_commit hooks never run, as in a test). For a module-scoped fixture of tests that
    use `db` (not `transactional_db`) and do not also ask for `people`:

        @pytest.fixture(scope="module")
        def world(django_db_setup, django_db_blocker):
            yield from shared_test_data(django_db_blocker, lambda: build_world(make_people()))
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            data = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def live_worker() -> Any:
    """A real Celery worker (solo pool, in a thread) consuming from Redis for one test; tasks
    are published, not run eagerly. Skipped where there is no Redis (the SQLite pass)."""
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    from etime.celery import app

    if not settings.REDIS_URL:
        pytest.skip("needs Redis as broker (PostgreSQL pass)")
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.task_always_eager = True


def wait_for(predicate: Any, timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll `predicate` until it returns something truthy (returned) or fail after `timeout` s."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {getattr(predicate, '__name__', predicate)}")
