"""ADMS push endpoints (`/iclock/...`) and the admins' home panel.

The iclock views speak the devices' plain-text protocol, not the API's: no session, no
CSRF (a clock cannot fetch a token), no authentication beyond the registered serial
number. Expose /iclock/ only to the network the clocks are on (docs/DEVICE_INTEGRATION.md).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from devices import selectors, services
from devices.models import DeviceStatus
from etime.core.access import is_admin

log = logging.getLogger("devices.adms")


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _unknown(request: HttpRequest) -> HttpResponse:
    log.warning("ADMS request from unregistered serial %r (%s)", request.GET.get("SN", ""), request.META.get("REMOTE_ADDR"))
    return _text("ERROR: unknown device\n", status=403)


def _body(request: HttpRequest) -> str:
    return request.body.decode("utf-8", errors="replace")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def iclock_cdata(request: HttpRequest) -> HttpResponse:
    device = services.adms_device(request.GET.get("SN", ""))
    if device is None:
        return _unknown(request)
    if request.method == "GET":
        services.adms_contact(device)
        return _text(services.adms_options(device))
    table = request.GET.get("table", "").upper()
    body = _body(request)
    if table == "ATTLOG":
        run = services.adms_upload_attlog(device=device, body=body, stamp=request.GET.get("Stamp", ""))
        return _text(f"OK: {run.fetched}\n")
    # OPERLOG, ATTPHOTO, USERINFO...: acknowledged so the device does not resend them forever.
    services.adms_contact(device)
    return _text(f"OK: {sum(1 for line in body.splitlines() if line.strip())}\n")


@csrf_exempt
@require_GET
def iclock_getrequest(request: HttpRequest) -> HttpResponse:
    device = services.adms_device(request.GET.get("SN", ""))
    if device is None:
        return _unknown(request)
    services.adms_contact(device)
    commands = services.adms_next_commands(device=device)
    if not commands:
        return _text("OK\n")
    return _text("".join(f"C:{c.pk}:{c.command}\n" for c in commands))


@csrf_exempt
@require_POST
def iclock_devicecmd(request: HttpRequest) -> HttpResponse:
    device = services.adms_device(request.GET.get("SN", ""))
    if device is None:
        return _unknown(request)
    services.adms_contact(device)
    services.adms_command_results(device=device, body=_body(request))
    return _text("OK\n")


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home page, admins only: time clocks that are offline (the offline alert), else a count."""
    if not is_admin(request.user):
        return None
    devices = list(selectors.device_list(user=request.user).filter(enabled=True))
    if not devices:
        return None
    alerting = [d for d in devices if d.alerted_at is not None]
    online = sum(1 for d in devices if d.status == DeviceStatus.ONLINE)
    return {"template": "devices/home_panel.html", "context": {"alerting": alerting, "online": online, "total": len(devices)}}
