"""ADMS push endpoints (`/iclock/...`) and the admins' home panel.

The iclock views speak the devices' plain-text protocol, not the API's: no session, no
CSRF (a clock cannot fetch a token). A clock sends nothing but its serial number, so each
call must also come from a network the device may push from (Device.push_allows; the
client address by the project's one rule, attendance.views.client_ip): a call from
elsewhere gets 403 and changes nothing, not even "last contact". Unknown serials are
rate-limited per address and reported once per serial (docs/SECURITY.md "ADMS push").
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from attendance.views import client_ip
from devices import selectors, services
from devices.models import Device, DeviceStatus, Protocol, PushKnock
from etime.core.access import is_admin

log = logging.getLogger("devices.adms")


class UnknownSerialThrottle(SimpleRateThrottle):
    """Calls with an unknown serial, per client address (rate `adms_unknown`)."""

    scope = "adms_unknown"

    def get_rate(self) -> str | None:
        # Read at call time (SimpleRateThrottle binds the rates at import), as settings say now.
        return str(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or "12/min")

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _unknown(request: HttpRequest, serial: str, address: str) -> HttpResponse:
    if not UnknownSerialThrottle().allow_request(request, None):  # type: ignore[arg-type]
        return _text("ERROR: too many requests\n", status=429)
    log.warning("ADMS request from unregistered serial %r (%s)", serial[:64], address)
    services.adms_knock(serial=serial, address=address)
    return _text("ERROR: unknown device\n", status=403)


def _device(request: HttpRequest) -> Device | HttpResponse:
    """The push clock this call is for, or the refusal: unknown serial (403, or 429 when an
    address tries too many), or a known one from a network it may not push from (403)."""
    serial = request.GET.get("SN", "")
    address = client_ip(request)
    device = services.adms_device(serial)
    if device is None:
        return _unknown(request, serial, address)
    if not device.push_allows(address):
        log.warning(
            "ADMS request for %s from %s refused: not a network it may push from", device.serial_number, address
        )
        return _text("ERROR: not allowed from this network\n", status=403)
    return device


def _body(request: HttpRequest) -> str:
    return request.body.decode("utf-8", errors="replace")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def iclock_cdata(request: HttpRequest) -> HttpResponse:
    device = _device(request)
    if isinstance(device, HttpResponse):
        return device
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
    device = _device(request)
    if isinstance(device, HttpResponse):
        return device
    services.adms_contact(device)
    commands = services.adms_next_commands(device=device)
    if not commands:
        return _text("OK\n")
    return _text("".join(f"C:{c.pk}:{c.command}\n" for c in commands))


@csrf_exempt
@require_POST
def iclock_devicecmd(request: HttpRequest) -> HttpResponse:
    device = _device(request)
    if isinstance(device, HttpResponse):
        return device
    services.adms_contact(device)
    services.adms_command_results(device=device, body=_body(request))
    return _text("OK\n")


def home_panel(request: HttpRequest) -> dict[str, Any] | None:
    """Home page, admins only: time clocks that are offline (the offline alert), else a count;
    push clocks anyone may push as (no networks set) and unknown clocks knocking."""
    if not is_admin(request.user):
        return None
    every = list(selectors.device_list(user=request.user).select_related("location"))
    devices = [d for d in every if d.enabled]
    serials = {d.serial_number for d in every if d.serial_number}
    knocking = [k for k in PushKnock.objects.order_by("-last_seen_at")[:20] if k.serial_number not in serials][:5]
    if not devices and not knocking:
        return None
    alerting = [d for d in devices if d.alerted_at is not None]
    online = sum(1 for d in devices if d.status == DeviceStatus.ONLINE)
    open_push = [d for d in devices if d.protocol == Protocol.ADMS and d.push_from_anywhere]
    context = {
        "alerting": alerting,
        "online": online,
        "total": len(devices),
        "open_push": open_push,
        "knocking": knocking,
    }
    return {"template": "devices/home_panel.html", "context": context}
