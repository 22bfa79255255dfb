"""The installable app in a real Chromium (issue #20): it installs (manifest, icons, a
service worker controlling the page), and with the network gone a person clocks in and
starts a timer, sees them waiting to sync, and once online each is stored exactly once,
also when two tabs send the queue and when it is sent a second time."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from conftest import PASSWORD, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.service_workers, pytest.mark.django_db(transaction=True)]

SW_READY = "navigator.serviceWorker.ready.then(() => true)"
CREDENTIAL = "(user) => window.EtimeQueue.credential(user).then((c) => !!c)"


@pytest.fixture
def website(people: Any) -> Any:
    from timesheets import services
    from timesheets.models import Client, Project

    acme = services.client_save(client=Client(name="Acme AG", currency="CHF", country="CH"), actor=people.admin)
    return services.project_save(project=Project(client=acme, name="Website"), actor=people.admin)


def _installed(page: Any, live_server: Any, user: Any) -> None:
    """Wait until the service worker controls the page and this browser holds a credential."""
    page.evaluate(SW_READY)
    # The worker claims the open page once active (no reload: a reload could cut the
    # registration the page starts then, leaving an unused credential behind).
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # evaluate() awaits the promise (wait_for_function would take the promise itself as truthy).
    wait_for(lambda: page.evaluate(CREDENTIAL, str(user.pk)))


def test_the_app_installs_with_a_valid_manifest_icons_and_a_controlling_service_worker(
    people: Any, login: Any, live_server: Any
) -> None:
    from devices.models import ClientDevice

    page = login("alice@example.com", PASSWORD)
    href = page.get_attribute("link[rel=manifest]", "href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["name"] and manifest["short_name"] == "etime" and manifest["theme_color"].startswith("#")
    assert {s["url"] for s in manifest["shortcuts"]} == {"/attendance/", "/time/", "/time/week/", "/leave/"}
    sizes = set()
    for icon in manifest["icons"]:
        image = page.request.get(f"{live_server.url}{icon['src']}")
        assert image.ok and image.headers["content-type"] == "image/png", icon
        width, height = Image.open(io.BytesIO(image.body())).size
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes

    _installed(page, live_server, people.alice.user)
    scope = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    assert scope == f"{live_server.url}/sw.js"
    device = ClientDevice.objects.get(owner=people.alice)
    assert device.kind == "app" and device.revoked_at is None
    # The worker precached the self-service pages and the shell (hashed URLs in production).
    cached = page.evaluate(
        "caches.open('etime-pages').then((c) => c.keys()).then((ks) => ks.map((r) => new URL(r.url).pathname))"
    )
    assert {"/", "/attendance/", "/time/", "/time/week/"} <= set(cached)


def _queued(page: Any) -> list[str]:
    return [row.get_attribute("data-action") or "" for row in page.locator("[data-testid=queued-item]").all()]


def test_offline_clock_in_and_timer_start_are_queued_and_each_stored_once(
    people: Any, website: Any, login: Any, live_server: Any, settings: Any
) -> None:
    from django.utils import timezone

    from attendance.models import Punch
    from devices.models import ClientSubmission
    from timesheets.models import TimeEntry

    # The suite moves the server's clock (ETIME_TEST_NOW), not Chromium's (nor its service
    # worker's): allow any drift, and expect the one between the two clocks.
    settings.ETIME_OFFLINE_MAX_DRIFT_SECONDS = 10 * 366 * 24 * 3600
    page = login("alice@example.com", PASSWORD)
    drift = page.evaluate("Date.now()") / 1000 - timezone.now().timestamp()
    _installed(page, live_server, people.alice.user)
    context = page.context

    context.set_offline(True)
    response = page.goto(f"{live_server.url}/")  # the worker answers: from its cache with no network
    assert response is not None and response.from_service_worker
    page.click("[data-testid=clock-in]")
    page.wait_for_selector("[data-testid=queued-item]")
    page.goto(f"{live_server.url}/time/")
    page.select_option("#id_project", label="Acme AG · Website")
    page.fill("#id_description", "on the train")
    page.click("[data-testid=timer-start]")
    page.wait_for_function("() => document.querySelectorAll('[data-testid=queued-item]').length === 2")
    assert _queued(page) == ["punch", "timer_start"]
    assert page.locator("[data-testid=offline-queue]").is_visible()
    assert "Waiting to sync" in page.inner_text("[data-testid=offline-queue]")
    assert Punch.objects.count() == 0 and TimeEntry.objects.count() == 0

    # A second tab sees the same queue; both send it when the network returns.
    second = context.new_page()
    second.goto(f"{live_server.url}/attendance/")
    second.wait_for_function("() => document.querySelectorAll('[data-testid=queued-item]').length === 2")
    items = page.evaluate(f"window.EtimeQueue.items('{people.alice.user.pk}')")

    context.set_offline(False)
    wait_for(lambda: Punch.objects.filter(employee=people.alice).count() == 1 and TimeEntry.objects.count() == 1)
    for tab in (page, second):
        tab.wait_for_function("() => document.querySelectorAll('[data-testid=queued-item]').length === 0")
    punch = Punch.objects.get(employee=people.alice)
    assert punch.direction == "in" and punch.offline_drift_seconds is not None
    assert abs(punch.offline_drift_seconds - drift) <= 5, (punch.offline_drift_seconds, drift)
    entry = TimeEntry.objects.get(employee=people.alice)
    assert entry.project == website and entry.description == "on the train" and entry.end is None

    # The same queue sent again (a stale tab, a retried Background Sync): answered from the
    # stored results, nothing doubled.
    page.evaluate("(items) => Promise.all(items.map((i) => window.EtimeQueue.add(i)))", items)
    outcome = page.evaluate("window.EtimeQueue.flush()")
    assert outcome == {"sent": 2, "failed": 0, "waiting": 0}
    assert Punch.objects.filter(employee=people.alice).count() == 1 and TimeEntry.objects.count() == 1
    assert ClientSubmission.objects.count() == 2
