"""The back office for time tracking: writes go through the services, refusals show as
form errors, and entries import through django-import-export's admin pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from timesheets.tests.conftest import MONDAY, at
from timesheets.tests.test_import_export import TOGGL

pytestmark = pytest.mark.django_db


def entry_form(people: Any, catalog: Any, start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {
        "employee": people.alice.pk,
        "project": catalog.website.pk,
        "task": "",
        "description": "from admin",
        "billable": "on",
        "start_0": MONDAY.isoformat(),
        "start_1": start,
        "end_0": MONDAY.isoformat(),
        "end_1": end,
        "resolution": "",
        **extra,
    }


def test_adding_an_entry_in_the_admin_goes_through_the_service(people: Any, catalog: Any, admin_client: Any) -> None:
    from etime.core.models import AuditEvent
    from timesheets.models import TimeEntry

    # The admin works in the server's zone (UTC): 08:00 UTC is 09:00 in Zurich.
    response = admin_client.post(
        reverse("admin:timesheets_timeentry_add"), entry_form(people, catalog, "08:00", "09:00")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    stored = TimeEntry.objects.get()
    assert stored.start == at(MONDAY, "09:00") and stored.rate_source == "none" and stored.date == MONDAY
    event = AuditEvent.objects.get(action="time_entry.created")
    assert event.actor == people.admin and event.object_id == str(stored.pk)


def test_an_overlap_in_the_admin_is_a_form_error_and_merge_resolves_it(
    people: Any, catalog: Any, entry: Any, admin_client: Any
) -> None:
    from timesheets.models import TimeEntry

    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"), description="first")
    url = reverse("admin:timesheets_timeentry_add")
    refused = admin_client.post(url, entry_form(people, catalog, "08:30", "09:30"))
    assert refused.status_code == 200 and "overlaps" in refused.content.decode()
    assert TimeEntry.objects.count() == 1
    merged = admin_client.post(url, entry_form(people, catalog, "08:30", "09:30", resolution="merge"))
    assert merged.status_code == 302
    assert TimeEntry.objects.get().description == "first\nfrom admin"


def test_admin_imports_a_toggl_file_through_import_export(people: Any, catalog: Any, admin_client: Any) -> None:
    """The admin previews (a dry run through the services), shows failing rows with their
    reasons and imports only a file without them; the API imports what it can."""
    from timesheets.models import TimeEntry

    url = reverse("admin:timesheets_timeentry_import")
    form = admin_client.get(url).context["form"]
    csv_format = next(value for value, label in form.fields["format"].choices if label.lower() == "csv")

    def preview(text: str) -> Any:
        file = SimpleUploadedFile("toggl.csv", text.encode())
        response = admin_client.post(url, {"resource": "0", "format": csv_format, "import_file": file})
        assert response.status_code == 200
        return response

    refused = preview(TOGGL)
    assert "Moonshot" in refused.content.decode() and "Overlaps 1 entry" in refused.content.decode()
    assert "confirm_form" not in refused.context and TimeEntry.objects.count() == 0
    good = "\n".join(line for line in TOGGL.splitlines() if "Moonshot" not in line and "Overlaps" not in line)
    checked = preview(good)
    assert checked.context["result"].totals["new"] == 3 and TimeEntry.objects.count() == 0  # still a dry run
    done = admin_client.post(
        reverse("admin:timesheets_timeentry_process_import"), checked.context["confirm_form"].initial
    )
    assert done.status_code == 302
    assert set(TimeEntry.objects.values_list("employee__code", flat=True)) == {"E003", "E006"}
    assert TimeEntry.objects.count() == 3


def test_admin_adds_a_rate_through_the_service_and_cannot_edit_it(people: Any, catalog: Any, admin_client: Any) -> None:
    from etime.core.models import AuditEvent
    from timesheets.models import Rate

    form = {
        "kind": "billing",
        "level": "project",
        "project": catalog.website.pk,
        "amount": "155.00",
        "currency": "",
        "effective_from": "2026-01-01",
    }
    response = admin_client.post(reverse("admin:timesheets_rate_add"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    rate = Rate.objects.get()
    assert (rate.currency, rate.effective_from) == ("CHF", date(2026, 1, 1))
    assert AuditEvent.objects.filter(action="rate.created").count() == 1
    wrong = admin_client.post(reverse("admin:timesheets_rate_add"), {**form, "level": "task"})
    assert wrong.status_code == 200 and Rate.objects.count() == 1


def test_admin_project_members_are_saved_and_audited_by_the_service(
    people: Any, catalog: Any, admin_client: Any
) -> None:
    from etime.core.models import AuditEvent

    url = reverse("admin:timesheets_project_change", args=[catalog.internal.pk])
    form = {
        "client": catalog.globex.pk,
        "name": "Internal",
        "description": "",
        "status": "active",
        "members": [people.alice.pk, people.amir.pk],
        "rounding_minutes": "0",
        "rounding_mode": "up",
        "tasks-TOTAL_FORMS": "0",
        "tasks-INITIAL_FORMS": "0",
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(catalog.internal.members.values_list("code", flat=True)) == {"E003", "E004"}
    event = AuditEvent.objects.filter(action="project.updated").latest("occurred_at")
    assert event.after is not None
    assert sorted(event.after["members"]) == sorted([str(people.alice.pk), str(people.amir.pk)])


def test_admin_changelists_with_searches_and_the_entry_export_load(
    people: Any, catalog: Any, entry: Any, admin_client: Any
) -> None:
    entry(at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    for model in ("client", "project", "task", "rate", "timeentry", "timesheet", "timeentrydeletion", "reminderlog"):
        response = admin_client.get(reverse(f"admin:timesheets_{model}_changelist"), {"q": "a"})
        assert response.status_code == 200, model
        # Unsearched, the list holds every stored row: the admin hides none from a superuser.
        listed = admin_client.get(reverse(f"admin:timesheets_{model}_changelist")).context["cl"]
        assert listed.result_count == listed.model._default_manager.count(), model
    export = admin_client.get(reverse("admin:timesheets_timeentry_export"))
    assert export.status_code == 200 and b"Export" in export.content


def test_clients_and_projects_import_through_the_services(people: Any, catalog: Any) -> None:
    import tablib

    from etime.core.models import AuditEvent
    from timesheets.models import Client, Project
    from timesheets.resources import ClientResource, ProjectResource

    clients = tablib.Dataset(headers=["name", "currency", "vat_rate", "country", "payment_terms_days", "active"])
    clients.append(["Umbrella plc", "gbp", "20.00", "gb", "30", "1"])
    clients.append(["Bad currency", "pounds", "0", "", "30", "1"])
    result = ClientResource().import_data(clients, user=people.admin)
    assert (result.totals["new"], result.totals["invalid"]) == (1, 1)
    umbrella = Client.objects.get(name="Umbrella plc")
    assert (umbrella.currency, umbrella.country) == ("GBP", "GB")
    assert AuditEvent.objects.get(action="client.created", object_id=str(umbrella.pk)).actor == people.admin
    projects = tablib.Dataset(headers=["client", "name", "billable", "status", "rounding_minutes", "rounding_mode"])
    projects.append(["Umbrella plc", "Hive", "1", "active", "30", "up"])
    assert ProjectResource().import_data(projects, user=people.admin).totals["new"] == 1
    assert Project.objects.get(name="Hive").client == umbrella
    exported = ClientResource().export()
    assert "Umbrella plc" in exported.csv
