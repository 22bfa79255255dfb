"""ADMS push endpoints (`/iclock/...`) and the admins' home panel.

The iclock views speak the devices' plain-text protocol, not the API's: no session, no
CSRF (a clock cannot fetch a token). A clock sends nothing but its serial number, so each
call must also come from a network the device may push from (Device.push_allows; the
client address by the project's one rule, attendance.views.client_ip): a call from
elsewhere gets 403 and changes nothing, not even "last contact". Unknown serials are
rate-limited per address and reported once per serial (docs/SECURITY.md "ADMS push").
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from attendance.views import client_ip
from devices import conf, selectors, services
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


class BodyTooLarge(Exception):
    pass


def dechunk(stream: Any, limit: int) -> bytes:
    """Read an HTTP/1.1 chunked body from a raw stream (RFC 9112 §7.1): the chunks, then
    the trailer section. Raises BodyTooLarge past `limit` bytes, ValueError when malformed."""
    out = bytearray()
    while True:
        size_line = stream.readline(1026)
        if not size_line.endswith(b"\n"):
            raise ValueError("chunk size line cut short")
        size_text = size_line.split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size_text):
            raise ValueError("not a chunk size")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(out) + size > limit:
            raise BodyTooLarge
        chunk = stream.read(size)
        if len(chunk) != size or stream.read(2) != b"\r\n":
            raise ValueError("chunk cut short")
        out += chunk
    for _ in range(100):  # trailer fields, up to the empty line
        if stream.readline(8192).strip() == b"":
            break
    return bytes(out)


def _dev_server_socket(stream: Any) -> Any:
    """runserver (and the test live server) hand the view a LimitedStream of Content-Length
    bytes over the socket; without a Content-Length that is 0 bytes and a chunked body stays
    on the socket, undecoded. The socket's reader, then; None under any other server
    (gunicorn decodes chunked bodies itself)."""
    if isinstance(stream, LimitedStream) and stream.limit == 0:
        return getattr(getattr(stream, "_readline", None), "__self__", None)
    return None


def read_push_body(request: HttpRequest) -> bytes:
    """The whole body a clock sent, with a Content-Length, chunked, or (HTTP/1.0) neither,
    bounded by ETIME_ADMS_MAX_BODY_BYTES (BodyTooLarge). Django's request.body is empty
    without a Content-Length, which is how chunked ATTLOG uploads were acknowledged `OK: 0`
    and dropped (issue 19)."""
    limit = conf.adms_max_body_bytes()
    length = (request.META.get("CONTENT_LENGTH") or "").strip()
    if length:
        if not length.isdigit():
            raise ValueError("Content-Length is not a number")
        if int(length) > limit:
            raise BodyTooLarge
        return request.read(int(length))
    if "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        return b""  # RFC 9112 §6.3: a request with neither has no body
    stream = request.META.get("wsgi.input")  # a WSGIRequest's META is the WSGI environ
    raw = _dev_server_socket(stream)
    if raw is not None:
        return dechunk(raw, limit)
    data = stream.read(limit + 1) if stream is not None else b""
    if len(data) > limit:
        raise BodyTooLarge
    return bytes(data)


def _body_or_refusal(request: HttpRequest) -> bytes | HttpResponse:
    try:
        return read_push_body(request)
    except BodyTooLarge:
        log.warning(
            "ADMS body from %s over %d bytes refused", request.GET.get("SN", "")[:64], conf.adms_max_body_bytes()
        )
        return _text(f"ERROR: body too large (limit {conf.adms_max_body_bytes()} bytes)\n", status=413)
    except (ValueError, OSError):
        return _text("ERROR: malformed body\n", status=400)


def _decode(body: bytes) -> str:
    return body.decode("utf-8", errors="replace").replace("\x00", "")


def _push_endpoint(*methods: str, body: bool = False) -> Callable[..., Any]:
    """An `/iclock/` view: no CSRF (a clock has no token), these methods only, and the device
    resolved by the trust check (`_device`) before the view runs; with `body`, a POST's body
    read once (`read_push_body`: 413 past the limit, 400 when malformed) and passed on."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
        @functools.wraps(view)
        def handler(request: HttpRequest) -> HttpResponse:
            device = _device(request)
            if isinstance(device, HttpResponse):
                return device
            if not body:
                return view(request, device)
            raw = _body_or_refusal(request) if request.method == "POST" else b""
            if isinstance(raw, HttpResponse):
                return raw
            return view(request, device, raw)

        return csrf_exempt(require_http_methods(list(methods))(handler))

    return decorate


# Tables answered a plain `OK` (the firmware expects no count): the clock's own options, photos
# and the PUSH 3.x real-time tables. Everything else gets `OK: <n>`.
PLAIN_OK_TABLES = frozenset({"OPTIONS", "ATTPHOTO", "BIOPHOTO", "USERPIC", "RTLOG", "RTSTATE"})


@_push_endpoint("GET", "POST", body=True)
def iclock_cdata(request: HttpRequest, device: Device, raw: bytes) -> HttpResponse:
    if request.method == "GET":
        pushver = request.GET.get("pushver", "")
        services.adms_note_version(device, pushver)
        services.adms_contact(device)
        return _text(services.adms_options(device, pushver=pushver))
    table = request.GET.get("table", "").upper()
    if table == "ATTLOG":
        run = services.adms_upload_attlog(device=device, body=_decode(raw), stamp=request.GET.get("Stamp", ""))
        return _text(f"OK: {run.created + run.duplicates}\n")
    if table == "RTLOG":
        services.adms_upload_rtlog(device=device, body=_decode(raw))
        return _text("OK\n")
    if table == "ATTPHOTO":
        services.adms_upload_photo(device=device, body=raw)
        return _text("OK\n")
    # OPERLOG, USERINFO, BIODATA, options, rtstate...: acknowledged so the clock does not resend them forever.
    count = services.adms_acknowledge(device=device, body="" if table in PLAIN_OK_TABLES else _decode(raw))
    return _text("OK\n" if table in PLAIN_OK_TABLES else f"OK: {count}\n")


@_push_endpoint("POST", body=True)
def iclock_fdata(request: HttpRequest, device: Device, raw: bytes) -> HttpResponse:
    """Photo upload (`POST /iclock/fdata?SN=..&table=ATTPHOTO`): kept when the clock's
    `push_photos` is on, else acknowledged and discarded."""
    services.adms_upload_photo(device=device, body=raw)
    return _text("OK\n")


@_push_endpoint("GET", "POST")
def iclock_ping(request: HttpRequest, device: Device) -> HttpResponse:
    """Heartbeat (2.4 firmware while it uploads, 3.x between requests): the clock is online."""
    services.adms_contact(device)
    return _text("OK\n")


@_push_endpoint("POST", body=True)
def iclock_registry(request: HttpRequest, device: Device, raw: bytes) -> HttpResponse:
    """PUSH 3.x registration: the clock's parameters in, its RegistryCode out."""
    code = services.adms_register(device=device, body=_decode(raw), pushver=request.GET.get("pushver", ""))
    return _text(f"RegistryCode={code}\n")


@_push_endpoint("GET", "POST")
def iclock_push(request: HttpRequest, device: Device) -> HttpResponse:
    """PUSH 3.x: the communication parameters, asked for after registration."""
    services.adms_contact(device)
    return _text(services.adms_push_config(device))


@_push_endpoint("GET")
def iclock_getrequest(request: HttpRequest, device: Device) -> HttpResponse:
    services.adms_contact(device)
    commands = services.adms_next_commands(device=device)
    if not commands:
        return _text("OK\n")
    return _text("".join(f"C:{c.pk}:{c.command}\n" for c in commands))


@_push_endpoint("POST", body=True)
def iclock_devicecmd(request: HttpRequest, device: Device, raw: bytes) -> HttpResponse:
    services.adms_contact(device)
    services.adms_command_results(device=device, body=_decode(raw), query=request.GET.dict())
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
