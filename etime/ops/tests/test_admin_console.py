"""The back office as a company runs it: its name on every page, sizes and durations
people read, and no action or page that does more than its user's permissions allow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from etime.ops.models import BackupRecord, Job

pytestmark = pytest.mark.django_db


def _staff_with(people: Any, *codenames: str) -> Client:
    """Bob as staff holding only the given ``app.codename`` permissions."""
    user = people.bob.user
    user.is_staff = True
    user.save()
    for name in codenames:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    client = Client()
    client.force_login(user)
    return client


def test_every_admin_action_declares_the_permission_it_needs() -> None:
    undeclared = []
    for model, model_admin in admin.site._registry.items():
        for action in model_admin.actions or ():
            func = action if callable(action) else getattr(type(model_admin), action)
            if not getattr(func, "allowed_permissions", None):
                undeclared.append(f"{model._meta.label}.{getattr(func, '__name__', action)}")
    for name, func in admin.site._actions.items():
        if name != "delete_selected" and not getattr(func, "allowed_permissions", None):
            undeclared.append(f"site.{name}")
    assert undeclared == []


def test_a_staff_user_who_may_only_view_backups_cannot_start_one(people: Any) -> None:
    viewer = _staff_with(people, "ops.view_backuprecord")
    page = viewer.get(reverse("admin:ops_backuprecord_changelist"))
    assert page.status_code == 200 and b'data-testid="backup-now"' not in page.content
    assert viewer.post(reverse("admin:ops_backup_now")).status_code == 403
    assert not Job.objects.exists()


def test_a_staff_user_who_may_add_backup_records_sees_the_button(people: Any) -> None:
    operator = _staff_with(people, "ops.view_backuprecord", "ops.add_backuprecord")
    page = operator.get(reverse("admin:ops_backuprecord_changelist"))
    assert b'data-testid="backup-now"' in page.content
    assert operator.get(reverse("admin:ops_backup_now")).status_code == 403  # POST only


def test_a_view_only_staff_user_cannot_run_a_periodic_task_or_decide_from_the_list(people: Any) -> None:
    viewer = _staff_with(people, "django_celery_beat.view_periodictask", "leave.view_leaverequest")
    for url in (
        reverse("admin:django_celery_beat_periodictask_changelist"),
        reverse("admin:leave_leaverequest_changelist"),
    ):
        page = viewer.get(url)
        assert page.status_code == 200
        assert page.context["action_form"] is None or len(page.context["action_form"].fields["action"].choices) <= 1


def test_imports_need_the_add_permission_and_exports_the_view_one(people: Any) -> None:
    viewer = _staff_with(people, "timesheets.view_client", "billing.view_invoice")
    assert viewer.get(reverse("admin:timesheets_client_import")).status_code == 403
    assert viewer.get(reverse("admin:timesheets_client_export")).status_code == 200
    # Invoices are for admins and finance only, whatever the permission table says.
    assert viewer.get(reverse("admin:billing_invoice_export")).status_code == 403


def test_the_admin_carries_the_company_name(admin_client: Client, settings: Any) -> None:
    name = settings.ETIME_COMPANY_NAME
    text = admin_client.get(reverse("admin:index")).content.decode()
    assert "Django administration" not in text and "Django site admin" not in text
    assert f"{name} administration" in text and f"<title>Run {name} | {name} admin</title>" in text


def test_backup_sizes_and_durations_read_as_people_read_them(admin_client: Client) -> None:
    started = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    record = BackupRecord.objects.create(
        name="etime-backup-x.tar",
        state=BackupRecord.State.OK,
        started_at=started,
        finished_at=started + timedelta(seconds=185),
        size=1_288_490_189,
    )
    listing = admin_client.get(reverse("admin:ops_backuprecord_changelist")).content.decode()
    assert "1.2\u00a0GB" in listing and "1288490189" not in listing and "3 min 05 s" in listing
    page = admin_client.get(reverse("admin:ops_backuprecord_change", args=[record.pk]))
    assert page.status_code == 200 and "1.2\u00a0GB" in page.content.decode()


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, None), (0, "0 s"), (42.4, "42 s"), (185, "3 min 05 s"), (5400, "1 h 30 min"), (-90, "-1 min 30 s")],
)
def test_elapsed_reads_as_people_read_durations(seconds: float | None, shown: str | None) -> None:
    from etime.core.adminkit import elapsed

    assert elapsed(seconds) == shown


def test_no_model_reads_with_a_bad_automatic_plural() -> None:
    import re

    from django.apps import apps

    bad = []
    for model in apps.get_models():
        opts = model._meta
        if "verbose_name_plural" in opts.original_attrs:
            continue
        singular = str(opts.verbose_name)
        # Django appends "s": wrong after s, x, z, ch, sh and a consonant before y.
        if re.search(r"(s|x|z|ch|sh|[^aeiou]y)$", singular):
            bad.append(f"{opts.label}: {opts.verbose_name_plural}")
    assert bad == []


def test_the_admin_index_lists_punches_and_api_tokens(admin_client: Client) -> None:
    text = admin_client.get(reverse("admin:index")).content.decode()
    assert "Punches" in text and "Punchs" not in text and "API tokens" in text
