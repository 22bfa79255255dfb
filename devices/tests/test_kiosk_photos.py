"""The kiosk's optional photo at punch time (issue #20): off by default, kept only when an
administrator turned it on for the kiosk, refused when it is not a JPEG, deleted after
ETIME_KIOSK_PHOTO_DAYS by the periodic purge — through real requests and the real task."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from PIL import Image

from attendance.models import Punch
from devices.models import KioskPhoto
from devices.services import kiosk_photos_set
from devices.tasks import purge_kiosk_photos
from devices.tests import test_kiosk
from devices.tests.test_kiosk import _kiosk, _punch
from etime.core.models import AuditEvent

staff = test_kiosk.staff  # the kiosk tests' fixtures: people with badges and PINs, a stopped clock
travel = test_kiosk.travel

T0 = datetime(2026, 3, 24, 7, 2, tzinfo=UTC)


def _jpeg() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _punch_with_photo(client: Any, badge: str, pin: str, photo: str) -> Any:
    return client.post("/api/v1/kiosk/punches/", {"badge": badge, "pin": pin, "photo": photo}, format="json")


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.mark.embedded
def test_a_kiosk_keeps_no_photo_while_photos_are_off(staff: Any, travel: Any, media: Path) -> None:
    device, client = _kiosk(staff)
    assert device.take_photos is False
    response = _punch_with_photo(client, "1001", "4321", _jpeg())
    assert response.status_code == 201, response.content
    assert response.json()["photo"] == "off" and response.json()["photos"] is False
    assert Punch.objects.filter(employee=staff.alice).count() == 1
    assert not KioskPhoto.objects.exists() and not any(media.rglob("*.jpg"))


@pytest.mark.embedded
def test_a_kiosk_with_photos_on_stores_the_photo_linked_to_the_punch(staff: Any, travel: Any, media: Path) -> None:
    device, client = _kiosk(staff)
    kiosk_photos_set(device=device, on=True, actor=staff.admin)
    assert AuditEvent.objects.filter(action="kiosk.photos", object_id=str(device.pk)).count() == 1
    response = _punch_with_photo(client, "1001", "4321", _jpeg())
    assert response.status_code == 201, response.content
    assert response.json()["photo"] == "stored" and response.json()["photos"] is True
    photo = KioskPhoto.objects.get()
    punch = Punch.objects.get(employee=staff.alice)
    assert photo.punch_id == punch.pk and photo.kiosk_id == device.pk and photo.taken_at == T0
    with photo.image.open("rb") as handle:
        assert handle.read(3) == b"\xff\xd8\xff"
    # No camera at the kiosk: the punch goes through, and the answer says no photo was taken.
    without = _punch(client, "1002", "8765")
    assert without.status_code == 201 and without.json()["photo"] == "not_taken"
    assert KioskPhoto.objects.count() == 1 and Punch.objects.filter(employee=staff.amir).count() == 1


@pytest.mark.embedded
def test_a_photo_that_is_not_a_jpeg_is_refused_and_nothing_is_punched(
    staff: Any, travel: Any, media: Path, settings: Any
) -> None:
    device, client = _kiosk(staff)
    kiosk_photos_set(device=device, on=True, actor=staff.admin)
    for photo in ("not base64!", base64.b64encode(b"GIF89a....").decode()):
        refused = _punch_with_photo(client, "1001", "4321", photo)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "kiosk_photo_invalid", refused.content
    settings.ETIME_KIOSK_PHOTO_MAX_BYTES = 10_000
    big = base64.b64encode(b"\xff\xd8\xff" + b"\0" * 20_000).decode()
    assert _punch_with_photo(client, "1001", "4321", big).json()["error"]["code"] == "kiosk_photo_invalid"
    assert not Punch.objects.exists() and not KioskPhoto.objects.exists()


@pytest.mark.embedded
def test_the_purge_deletes_photos_past_the_retention_and_keeps_newer_ones(
    staff: Any, media: Path, settings: Any
) -> None:
    settings.ETIME_KIOSK_PHOTO_DAYS = 30
    with time_machine.travel(T0, tick=False) as clock:
        device, client = _kiosk(staff)
        kiosk_photos_set(device=device, on=True, actor=staff.admin)
        assert _punch_with_photo(client, "1001", "4321", _jpeg()).status_code == 201  # day 0
        clock.move_to(T0 + timedelta(days=10))
        assert _punch_with_photo(client, "1002", "8765", _jpeg()).status_code == 201  # day 10
        old, new = KioskPhoto.objects.order_by("taken_at")
        assert len(list(media.rglob("*.jpg"))) == 2

        clock.move_to(T0 + timedelta(days=29, hours=23))
        assert purge_kiosk_photos() == 0 and KioskPhoto.objects.count() == 2
        clock.move_to(T0 + timedelta(days=30, minutes=1))
        assert purge_kiosk_photos() == 1
        assert list(KioskPhoto.objects.values_list("pk", flat=True)) == [new.pk]
        assert [p.name for p in media.rglob("*.jpg")] == [Path(new.image.name).name]
        assert old.punch_id is not None
        assert Punch.objects.filter(pk=old.punch_id).exists()  # the punch stays; only its photo goes


def test_an_admin_sees_a_kiosk_photo_and_its_image(staff: Any, travel: Any, media: Path) -> None:
    device, client = _kiosk(staff)
    kiosk_photos_set(device=device, on=True, actor=staff.admin)
    assert _punch_with_photo(client, "1003", "1111", _jpeg()).status_code == 201
    photo = KioskPhoto.objects.get()
    staff.admin.is_superuser = True
    staff.admin.save()
    browser = Client()
    browser.force_login(staff.admin)
    page = browser.get(f"/admin/devices/kioskphoto/{photo.pk}/change/")
    assert page.status_code == 200 and b"Dave" in page.content
    image = browser.get(f"/admin/devices/kioskphoto/{photo.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert image.getvalue()[:3] == b"\xff\xd8\xff"
    outsider = Client()
    outsider.force_login(staff.alice.user)
    refused = outsider.get(f"/admin/devices/kioskphoto/{photo.pk}/image/")  # not staff: the admin's login
    assert refused.status_code == 302 and "/admin/login/" in refused["Location"]
