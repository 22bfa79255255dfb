"""Inbox lines are rendered when a page shows them, in the reader's language and formats,
from the request's object; the text stored at submission stays (site language) for the
audit trail and for a row whose object is gone."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import translation

from etime.core import approvals
from etime.core.models import ApprovalRequest
from leave.models import LeaveRequest
from leave.tests.factories import submit


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_shows_each_reader_their_own_language_and_dates(
    people: Any, vacation: Any, grant: Any, today: date
) -> None:
    grant(people.alice, vacation, 10)
    with translation.override("de"):  # Alice asks on a German page
        leave = submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 5))
    stored = ApprovalRequest.objects.get(object_id=str(leave.pk)).summary
    assert stored == "Alice Able: Vacation 06/01/2026–06/05/2026 (5 days)"  # the site's language, whoever asked

    people.bob.user.language = "de"
    people.bob.user.save(update_fields=["language"])
    german = _login(people.bob.user).get("/inbox/").content.decode()
    assert "01.06.2026–05.06.2026" in german and "Urlaubsantrag" in german
    assert stored not in german

    people.bob.user.language = "fr"
    people.bob.user.save(update_fields=["language"])
    french = _login(people.bob.user).get("/inbox/").content.decode()
    assert "01/06/2026–05/06/2026" in french and stored not in french


def test_a_row_whose_object_is_gone_shows_its_stored_text(people: Any, today: date) -> None:
    orphan = ApprovalRequest.objects.create(
        kind="leave_request",
        content_type=ContentType.objects.get_for_model(LeaveRequest),
        object_id=str(uuid.uuid4()),
        requester=people.alice.user,
        levels=[{"type": "manager"}],
        current_type="manager",
        summary="Old text",
    )

    with translation.override("de"):
        (shown,) = approvals.summaries([orphan])

    assert shown.display_summary == "Old text"


def test_a_list_is_rendered_in_one_query_per_kind(
    people: Any, vacation: Any, grant: Any, today: date, django_assert_num_queries: Any
) -> None:
    for person in (people.alice, people.amir, people.dave):
        grant(person, vacation, 10)
        submit(person, vacation, date(2026, 6, 1))
    pending = list(ApprovalRequest.objects.filter(kind="leave_request"))
    assert len(pending) == 3

    with django_assert_num_queries(1), translation.override("de"):
        lines = [a.display_summary for a in approvals.summaries(pending)]

    assert all("01.06.2026" in line for line in lines), lines
