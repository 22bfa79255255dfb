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
