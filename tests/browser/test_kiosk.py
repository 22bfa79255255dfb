"""The shared kiosk at the door in a real Chromium (issue #20): it pairs with the admin's
one-time code, three people clock in by badge (typed, or the QR entry point the camera
feeds) and PIN, the network goes, two more clock in and see their punches waiting to sync,
the network returns, and all five punches arrive exactly once."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = [
    ("alice", "1001", "4321"),
    ("amir", "1002", "8765"),
    ("dave", "1003", "1111"),
    ("bob", "1004", "2222"),
    ("carla", "1005", "3333"),
]


def _clock(page: Any, badge: str, pin: str, expect: str) -> str:
    page.wait_for_selector("[data-testid=kiosk-form]", state="visible")
    page.fill("[data-testid=kiosk-badge]", badge)
    page.fill("[data-testid=kiosk-pin]", pin)
    page.click("[data-testid=kiosk-submit]")
    page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
    text = page.inner_text("[data-testid=kiosk-answer-text]")
    assert expect in text, text
    page.click("[data-testid=kiosk-done]")
    return text


def test_a_kiosk_pairs_and_five_people_clock_in_three_online_two_offline_each_once(
    people: Any, page: Any, live_server: Any, settings: Any
) -> None:
    from accounts.kiosk_pin import kiosk_pin_set
    from attendance.models import Punch
    from devices.models import ClientDevice, ClientSubmission
    from devices.services import kiosk_create

    # The suite moves the server's clock (ETIME_TEST_NOW), not Chromium's: allow any drift.
    settings.ETIME_OFFLINE_MAX_DRIFT_SECONDS = 10 * 366 * 24 * 3600
    for name, badge, pin in STAFF:
        person = getattr(people, name)
        person.device_user_id = badge
        person.save(update_fields=["device_user_id"])
        kiosk_pin_set(employee=person, pin=pin, actor=people.admin)
    people.amir.user.language = "de"
    people.amir.user.save(update_fields=["language"])
    device, code = kiosk_create(name="Main door", location=people.alice.location, actor=people.admin)

    page.goto(f"{live_server.url}/kiosk/")
    page.wait_for_selector("body[data-ready]")
    page.fill("[data-testid=kiosk-pair-code]", code)
    page.click("[data-testid=kiosk-pair-submit]")
    page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
    assert "Main door" in page.inner_text("[data-testid=kiosk-answer-text]")
    page.click("[data-testid=kiosk-done]")
    assert "Main door · Zurich" in page.inner_text("[data-testid=kiosk-name]")
    device.refresh_from_db()
    assert device.paired_at is not None

    # Online: typed badge numbers, and one badge through the QR entry point the camera feeds.
    assert "Hello Alice" in _clock(page, "1001", "4321", "Alice")
    _clock(page, "1002", "8765", "Amir")
    assert page.get_attribute("[data-testid=kiosk-answer-text]", "lang") == "de"
    page.evaluate("window.EtimeKiosk.scanned('etime:badge:1003')")
    assert page.input_value("[data-testid=kiosk-badge]") == "1003"
    page.fill("[data-testid=kiosk-pin]", "1111")
    page.click("[data-testid=kiosk-submit]")
    page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
    assert "Dave" in page.inner_text("[data-testid=kiosk-answer-text]")
    page.click("[data-testid=kiosk-done]")
    assert Punch.objects.filter(device_id=device.pk, direction="in").count() == 3
    # A wrong PIN is refused on the spot.
    assert "not recognised" in _clock(page, "1004", "9999", "PIN")

    # Offline: saved on the tablet, shown waiting to sync.
    page.context.set_offline(True)
    _clock(page, "1004", "2222", "waiting to sync")
    _clock(page, "1005", "3333", "waiting to sync")
    page.wait_for_function("() => document.querySelector('[data-testid=kiosk-waiting]').dataset.count === '2'")
    assert "2 punches waiting to sync" in page.inner_text("[data-testid=kiosk-waiting]")
    assert Punch.objects.filter(device_id=device.pk).count() == 3

    page.context.set_offline(False)
    wait_for(lambda: Punch.objects.filter(device_id=device.pk).count() == 5)
    page.wait_for_function("() => document.querySelector('[data-testid=kiosk-waiting]').hidden")
    punches = Punch.objects.filter(device_id=device.pk)
    assert sorted(p.employee.first_name for p in punches if p.employee is not None) == [
        "Alice",
        "Amir",
        "Bob",
        "Carla",
        "Dave",
    ]
    assert all(p.direction == "in" for p in punches)
    assert punches.filter(offline_drift_seconds__isnull=False).count() == 2
    assert ClientSubmission.objects.filter(device=device).count() == 2
    # Sent again (a retry): answered from the stored results, nothing doubled.
    assert page.evaluate("window.EtimeQueue.flush()") == {"sent": 0, "failed": 0, "waiting": 0}
    assert Punch.objects.filter(device_id=device.pk).count() == 5
    assert ClientDevice.objects.get(pk=device.pk).last_contact_at is not None


def _qr_video(path: Any, payload: str) -> None:
    """An MJPEG file (JPEG frames one after another) showing the badge's QR code, for
    Chromium's fake camera (--use-file-for-fake-video-capture)."""
    import io

    import qrcode
    from PIL import Image

    code = qrcode.make(payload, border=4, box_size=8).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    buffer = io.BytesIO()
    frame.save(buffer, format="JPEG", quality=90)
    path.write_bytes(buffer.getvalue() * 30)


def test_a_badge_shown_to_the_camera_fills_in_the_badge_number(
    people: Any, playwright_instance: Any, live_server: Any, tmp_path: Any
) -> None:
    from accounts.kiosk_pin import kiosk_pin_set
    from attendance.models import Punch
    from devices.services import kiosk_create
    from tests.browser.fixtures import CHROMIUM

    people.dave.device_user_id = "1003"
    people.dave.save(update_fields=["device_user_id"])
    kiosk_pin_set(employee=people.dave, pin="1111", actor=people.admin)
    _, code = kiosk_create(name="Main door", location=people.dave.location, actor=people.admin)
    video = tmp_path / "badge.mjpeg"
    _qr_video(video, "etime:badge:1003")
    camera = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(viewport={"width": 1024, "height": 768}, service_workers="block")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/kiosk/")
        page.wait_for_selector("body[data-ready]")
        page.fill("[data-testid=kiosk-pair-code]", code)
        page.click("[data-testid=kiosk-pair-submit]")
        page.click("[data-testid=kiosk-done]")
        page.click("[data-testid=kiosk-scan]")
        page.wait_for_function("() => document.querySelector('[data-testid=kiosk-badge]').value === '1003'")
        page.fill("[data-testid=kiosk-pin]", "1111")
        page.click("[data-testid=kiosk-submit]")
        page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
        assert "Dave" in page.inner_text("[data-testid=kiosk-answer-text]")
        assert Punch.objects.filter(employee=people.dave, device_user_id="1003").count() == 1
    finally:
        camera.close()


def test_a_kiosk_with_photos_on_sends_one_photo_from_the_camera_with_the_punch(
    people: Any, playwright_instance: Any, live_server: Any, settings: Any, tmp_path: Any
) -> None:
    from accounts.kiosk_pin import kiosk_pin_set
    from attendance.models import Punch
    from devices.models import KioskPhoto
    from devices.services import kiosk_create, kiosk_photos_set
    from tests.browser.fixtures import CHROMIUM

    settings.MEDIA_ROOT = str(tmp_path)
    people.alice.device_user_id = "1001"
    people.alice.save(update_fields=["device_user_id"])
    kiosk_pin_set(employee=people.alice, pin="4321", actor=people.admin)
    device, code = kiosk_create(name="Main door", location=people.alice.location, actor=people.admin)
    kiosk_photos_set(device=device, on=True, actor=people.admin)
    # Chromium's fake camera (a generated test pattern), access granted without a prompt.
    camera = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
        ],
    )
    try:
        context = camera.new_context(viewport={"width": 1024, "height": 768}, service_workers="block")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/kiosk/")
        page.wait_for_selector("body[data-ready]")
        page.fill("[data-testid=kiosk-pair-code]", code)
        page.click("[data-testid=kiosk-pair-submit]")
        page.click("[data-testid=kiosk-done]")
        assert "takes a photo at each punch" in page.inner_text("[data-testid=kiosk-photo-note]")
        page.fill("[data-testid=kiosk-badge]", "1001")
        page.fill("[data-testid=kiosk-pin]", "4321")
        page.click("[data-testid=kiosk-submit]")
        page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
        text = page.inner_text("[data-testid=kiosk-answer-text]")
        assert "Alice" in text and "No photo" not in text, text
        punch = Punch.objects.get(employee=people.alice, device_id=device.pk)
        photo = KioskPhoto.objects.get()
        assert photo.punch_id == punch.pk and photo.size > 1000
        with photo.image.open("rb") as handle:
            assert handle.read(3) == b"\xff\xd8\xff"
    finally:
        camera.close()


def test_a_kiosk_with_photos_on_but_no_camera_punches_and_says_no_photo_was_taken(
    people: Any, page: Any, live_server: Any, settings: Any, tmp_path: Any
) -> None:
    from accounts.kiosk_pin import kiosk_pin_set
    from attendance.models import Punch
    from devices.models import KioskPhoto
    from devices.services import kiosk_create, kiosk_photos_set

    settings.MEDIA_ROOT = str(tmp_path)
    people.alice.device_user_id = "1001"
    people.alice.save(update_fields=["device_user_id"])
    kiosk_pin_set(employee=people.alice, pin="4321", actor=people.admin)
    device, code = kiosk_create(name="Main door", location=people.alice.location, actor=people.admin)
    kiosk_photos_set(device=device, on=True, actor=people.admin)
    page.goto(f"{live_server.url}/kiosk/")
    page.wait_for_selector("body[data-ready]")
    page.fill("[data-testid=kiosk-pair-code]", code)
    page.click("[data-testid=kiosk-pair-submit]")
    page.click("[data-testid=kiosk-done]")
    page.fill("[data-testid=kiosk-badge]", "1001")
    page.fill("[data-testid=kiosk-pin]", "4321")
    page.click("[data-testid=kiosk-submit]")
    page.wait_for_selector("[data-testid=kiosk-answer]", state="visible")
    text = page.inner_text("[data-testid=kiosk-answer-text]")
    assert "Alice" in text and "No photo was taken" in text, text
    assert Punch.objects.filter(employee=people.alice, device_id=device.pk).count() == 1
    assert not KioskPhoto.objects.exists()
