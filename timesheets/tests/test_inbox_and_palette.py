"""Issue 23: a submitted timesheet opens from the manager's inbox with its entries by day;
the command palette offers the projects and tasks I may start a timer on, and the people in
my reach; starting a timer from it is the timer API's own service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from etime.core.models import ApprovalRequest
from timesheets import services
from timesheets.models import TimeEntry
from timesheets.tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


def login(person: Any) -> Client:
    client = Client()
    client.force_login(person.user if hasattr(person, "user") else person)
    return client


def test_a_submitted_week_opens_from_the_inbox_with_its_entries_by_day(people: Any, entry: Any, catalog: Any) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "12:00"), description="Homepage mockups", task=catalog.design)
    entry(at(MONDAY + timedelta(days=4), "13:00"), at(MONDAY + timedelta(days=4), "17:30"))
    sheet = services.timesheet_submit(employee=people.alice, week=MONDAY, actor=people.alice.user)
    approval = ApprovalRequest.objects.get(object_id=str(sheet.pk))
    page = login(people.bob).get(f"/inbox/{approval.pk}/")
    assert page.status_code == 200
    days = page.context["detail"]["context"]["days"]
    assert [(d["day"], d["seconds"]) for d in days if d["seconds"]] == [
        (MONDAY, 3 * 3600),
        (MONDAY + timedelta(days=4), 16200),
    ]
    assert len(days) == 7 and page.context["detail"]["context"]["total"] == 3 * 3600 + 16200
    html = page.content.decode()
    assert "Homepage mockups" in html and "Design" in html
    assert login(people.mona).get(f"/inbox/{approval.pk}/").status_code == 404
    login(people.bob).post(f"/inbox/{approval.pk}/", {"decision": "approve"})
    sheet.refresh_from_db()
    assert sheet.status == "approved"


def test_the_palette_offers_timers_on_what_i_may_log_and_my_week(people: Any, catalog: Any) -> None:
    found = login(people.alice).get("/palette/search/", {"q": "web"}).json()["items"]
    timers = [item for item in found if item.get("action") == "timer_start"]
    assert {(t["data"]["project"], t["data"]["task"]) for t in timers} == {(str(catalog.website.pk), None)}
    assert timers[0]["label"] == "Start timer on Acme AG · Website"
    tasks = login(people.alice).get("/palette/search/", {"q": "design"}).json()["items"]
    assert [(t["data"]["project"], t["data"]["task"]) for t in tasks if t.get("action")] == [
        (str(catalog.website.pk), str(catalog.design.pk))
    ]
    commands = login(people.alice).get("/palette/search/", {"q": ""}).json()["items"]
    assert [c["label"] for c in commands] == ["Request leave", "Go to my week"]  # an employee has no inbox
    assert {c["url"] for c in commands} == {"/leave/#request-leave", "/time/week/"}


def test_a_project_closed_to_me_is_not_offered(people: Any, catalog: Any) -> None:
    catalog.internal.members.add(people.dave)  # members only, and alice is not one
    found = login(people.alice).get("/palette/search/", {"q": "internal"}).json()["items"]
    assert [item for item in found if item.get("action")] == []


def test_the_palette_finds_people_in_my_reach_only(people: Any) -> None:
    def names(person: Any, query: str) -> list[str]:
        return [
            i["label"]
            for i in login(person).get("/palette/search/", {"q": query}).json()["items"]
            if i.get("url", "").startswith("/people/")
        ]

    assert names(people.bob, "ali") == ["Alice Able (E003)"]
    assert names(people.mona, "ali") == []  # another team
    assert names(people.alice, "ami") == []  # an employee jumps to nobody
    assert names(people.admin, "dea") == ["Dave Deal (E006)"]
    assert login(people.bob).get("/palette/search/", {"q": "x" * 101}).status_code == 400


def test_starting_a_timer_as_the_palette_does_runs_the_timer_service(people: Any, catalog: Any) -> None:
    client = login(people.alice)
    item = next(i for i in client.get("/palette/search/", {"q": "design"}).json()["items"] if i.get("action"))
    response = client.post("/api/v1/timer/start/", item["data"], content_type="application/json")
    assert response.status_code == 201
    running = TimeEntry.objects.get(employee=people.alice, end__isnull=True)
    assert (running.project_id, running.task_id) == (catalog.website.pk, catalog.design.pk)
