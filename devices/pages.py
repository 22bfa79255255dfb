"""Self-service pages of devices: a person's installed apps (client devices) on their profile
page, each revocable there. (devices/views.py is the clocks' ADMS protocol.)"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from devices import selectors, services
from etime.core import access


def profile_panel(request: HttpRequest) -> dict[str, Any] | None:
    """The signed-in person's installed apps (a login without an employee record has none)."""
    if access.own_person(request.user) is None:
        return None
    devices = selectors.client_devices_own(user=request.user)
    return {"template": "devices/_profile_client_devices.html", "context": {"devices": list(devices[:50])}}


@login_required
@require_POST
def client_device_revoke(request: HttpRequest, device_id: Any) -> HttpResponse:
    device = selectors.client_devices_own(user=request.user).filter(pk=device_id).first()
    if device is None:
        raise Http404
    services.client_device_revoke(device=device, actor=request.user)
    messages.success(request, _("%(name)s can no longer send what it records offline.") % {"name": device.name})
    return redirect("profile")


def kiosk(request: HttpRequest) -> HttpResponse:
    """The shared kiosk at the door (issue #20): no sign-in. The tablet pairs once with an
    administrator's one-time code and keeps the device credential in IndexedDB; people clock
    in and out with badge number (or the badge's QR code) and PIN. Everything it does goes
    through the kiosk API (docs/API.md "Kiosks"), offline punches through the shared queue."""
    from django.shortcuts import render
    from django.utils.translation import gettext

    labels = {
        "paired": gettext("Paired: %(name)s, %(location)s"),
        "pairFailed": gettext("Pairing failed: %(message)s"),
        "unpaired": gettext("This kiosk is no longer paired (%(message)s). Ask an administrator for a pairing code."),
        "queued": gettext("Saved at %(time)s — waiting to sync. It is sent when the network is back."),
        "waiting": gettext("%(count)s punches waiting to sync"),
        "waitingOne": gettext("1 punch waiting to sync"),
        "notAccepted": gettext("%(count)s queued punches were not accepted (wrong PIN or refused)."),
        "missing": gettext("Enter your badge number and your PIN."),
        "badQr": gettext("That QR code is not an etime badge."),
        "noCamera": gettext("No camera available: type your badge number."),
        "noPhoto": gettext("No photo was taken (no camera, or access to it was refused)."),
        "error": gettext("Something went wrong. Try again."),
        "offline": gettext("Offline"),
        "online": gettext("Online"),
    }
    from django.conf import settings

    return render(
        request,
        "devices/kiosk.html",
        {
            "kiosk_labels": labels,
            "pairing_minutes": settings.ETIME_KIOSK_PAIRING_MINUTES,
            "photo_days": settings.ETIME_KIOSK_PHOTO_DAYS,
        },
    )
