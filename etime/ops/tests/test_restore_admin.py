"""The admin's restore page: says what will happen, wants RESTORE typed, then restores
through a Job (the task runs inline under the test settings, as it would on a worker)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accounts.models import Department
from etime.ops.backup.service import backup_create, storage
from etime.ops.models import BackupRecord, Job

pytestmark = pytest.mark.embedded


@pytest.fixture
def admin_client(people: Any, settings: Any, tmp_path: Path) -> Client:
    settings.ETIME_BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ETIME_BACKUP_KEY = ""
    people.admin.is_superuser = True
    people.admin.save()
    client = Client()
    client.force_login(people.admin)
    return client


@pytest.mark.django_db(transaction=True)
def test_restore_page_asks_for_confirmation_then_restores_and_reports_the_job(
    admin_client: Client, people: Any
) -> None:
    result = backup_create()
    Department.objects.create(name="Created after the backup")
    page = admin_client.get(f"/admin/ops/backuprecord/{result.record.pk}/restore/")
    assert page.status_code == 200
    assert b"replaces the whole database" in page.content and result.name.encode() in page.content
    assert (
        f"/admin/ops/backuprecord/{result.record.pk}/restore/".encode()
        in admin_client.get("/admin/ops/backuprecord/").content
    )

    refused = admin_client.post(f"/admin/ops/backuprecord/{result.record.pk}/restore/", {"confirm": "restore"})

    assert refused.status_code == 200 and b"Type RESTORE in capitals" in refused.content
    assert not Job.objects.filter(kind="restore").exists()
    assert Department.objects.filter(name="Created after the backup").exists()

    done = admin_client.post(f"/admin/ops/backuprecord/{result.record.pk}/restore/", {"confirm": "RESTORE"})

    assert done.status_code == 302 and done["Location"].endswith("/admin/ops/job/")
    assert not Department.objects.filter(name="Created after the backup").exists()
    job = Job.objects.get(kind="restore")  # written again into the restored database
    assert job.state == Job.State.SUCCEEDED and job.done == job.total == 5
    assert job.result["archive"] == result.name and job.result["restore_point"]
    assert job.started_by == people.admin
    restore_point = BackupRecord.objects.get(kind=BackupRecord.Kind.RESTORE)
    assert restore_point.summary["restore_point"] == job.result["restore_point"]


@pytest.mark.django_db(transaction=True)
def test_a_damaged_archive_is_refused_by_the_job_and_nothing_changes(admin_client: Client) -> None:
    result = backup_create(verify=False)
    path = Path(storage().path(result.name))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    Department.objects.create(name="Kept")

    response = admin_client.post(f"/admin/ops/backuprecord/{result.record.pk}/restore/", {"confirm": "RESTORE"})

    assert response.status_code == 302
    job = Job.objects.get(kind="restore")
    assert job.state == Job.State.FAILED and "corrupt" in " ".join(job.errors).lower()
    assert Department.objects.filter(name="Kept").exists()


@pytest.mark.django_db
def test_only_administrators_may_open_the_restore_page(people: Any, settings: Any, tmp_path: Path) -> None:
    record = BackupRecord.objects.create(
        name="etime-backup-x.tar", state=BackupRecord.State.OK, started_at="2026-12-01T02:00:00Z"
    )
    manager = Client()
    people.bob.user.is_staff = True
    people.bob.user.save()
    manager.force_login(people.bob.user)
    assert manager.get(f"/admin/ops/backuprecord/{record.pk}/restore/").status_code == 403
    assert manager.post(f"/admin/ops/backuprecord/{record.pk}/restore/", {"confirm": "RESTORE"}).status_code == 403
    assert not Job.objects.exists()
