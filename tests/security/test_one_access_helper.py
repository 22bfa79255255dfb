"""Issue #18, "one access helper ... every API view, page and admin action asks it": the pages
that show one person (``/people/{id}/``, ``/attendance/team/{id}/``,
``/time/people/{id}/week/``) answer through ``etime.core.access.person_for``; an id the caller
may not see gets the page a random id gets."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

PAGES = {
    "person": "/people/{}/",
    "member": "/attendance/team/{}/",
    "week": "/time/people/{}/week/",
}

# For alice's pages: who gets the page (200), who is sent to their own page (302), who gets 404.
EXPECTED = {
    "person": {"alice": 200, "bob": 200, "carla": 200, "admin": 200, "amir": 404, "mona": 404, "dave": 404},
    "member": {"alice": 302, "bob": 200, "carla": 200, "admin": 200, "amir": 404, "mona": 404, "dave": 404},
    "week": {"alice": 302, "bob": 200, "carla": 200, "admin": 200, "amir": 404, "mona": 404, "dave": 404},
}


def _login(people: Any, name: str) -> Client:
    client = Client()
    person = getattr(people, name)
    client.force_login(getattr(person, "user", person))
    return client


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("name", ["alice", "amir", "bob", "carla", "mona", "dave", "admin"])
def test_a_persons_page_answers_as_the_access_helper_says(people: Any, page: str, name: str) -> None:
    client = _login(people, name)
    response = client.get(PAGES[page].format(people.alice.pk))
    assert response.status_code == EXPECTED[page][name]
    if response.status_code == 404:
        # The same page as an id that does not exist: nothing tells "hidden" from "absent".
        unknown = client.get(PAGES[page].format(uuid.uuid4()))
        assert (unknown.status_code, unknown.content) == (404, response.content)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_manager_of_another_team_gets_404_for_each_of_their_own_reports_elsewhere(people: Any, page: str) -> None:
    # bob's report amir is hidden from mona; mona's own report dave is shown to her.
    mona = _login(people, "mona")
    assert mona.get(PAGES[page].format(people.amir.pk)).status_code == 404
    assert mona.get(PAGES[page].format(people.dave.pk)).status_code == 200
