"""Regressions found by ``python -m bench load`` (docs/RELIABILITY.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.world import build_world

pytestmark = [pytest.mark.postgres, pytest.mark.mariadb]


def test_switching_timers_within_a_second_never_overlaps(people: Any, token_client: Any) -> None:
    """A timer stopped in its first second lasts one second, so it ends a moment from now;
    starting the next one at once used to be 409 time_entry_overlap."""
    from timesheets.models import TimeEntry

    world = build_world(people)
    amir = token_client(people.amir)
    for _ in range(5):
        started = amir.post("/api/v1/timer/start/", {"project": str(world["project"].pk)}, format="json")
        assert started.status_code == 201, started.content
        stopped = amir.post("/api/v1/timer/stop/", {}, format="json")
        assert stopped.status_code == 200, stopped.content
    entries = list(TimeEntry.objects.filter(employee=people.amir).order_by("start"))
    assert len(entries) == 5
    for earlier, later in zip(entries, entries[1:], strict=False):
        assert earlier.end is not None and earlier.end <= later.start
