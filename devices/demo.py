"""Demo time clock: a Device row for the simulated identiX K20 that `./etimectl run` starts on
127.0.0.1:4370 (`manage.py run_device_simulator`, whose default users "1".."51" are the demo
employees' device user ids). Beat syncs it every 15 s, so punches made on the simulator
reach attendance within half a minute. Beside it, a simulated push (ADMS 3.x) clock that
`./etimectl run` also starts (`run_device_simulator --push ... --serial DEMO-PUSH-SIM`): it
calls etime over HTTP from loopback, the only network it may push from. Idempotent (found by
name or serial)."""

from __future__ import annotations

import base64
import random
from typing import Any

from django.db import transaction

from devices import conf
from devices.models import Device, Transport
from devices.services import device_create

DEMO_DEVICE_NAME = "Entrance K20 (simulated)"


def seed_devices(*, rng: random.Random, stdout: Any) -> None:
    if Device.objects.filter(name=DEMO_DEVICE_NAME).exists():
        stdout.write("Demo time clock exists; skipping devices.")
        return
    device_create(
        actor=None,
        name=DEMO_DEVICE_NAME,
        vendor="eSSL identiX",
        model="K20",
        host="127.0.0.1",
        port=conf.simulator_port(),
        transport=Transport.TCP,
        time_zone=conf.default_time_zone(),
        poll_interval_seconds=15,
        timeout_seconds=5,
    )
    stdout.write(f"Created the demo time clock {DEMO_DEVICE_NAME!r} at 127.0.0.1:{conf.simulator_port()}.")


SIMULATED_PUSH_NAME = "Side door SpeedFace (simulated push)"
SIMULATED_PUSH_SERIAL = "DEMO-PUSH-SIM"


def seed_simulated_push_clock(*, rng: random.Random, stdout: Any) -> None:
    """The push clock `./etimectl run` simulates: ZKTeco push 3.x from loopback only."""
    from devices.models import Protocol

    if Device.objects.filter(serial_number=SIMULATED_PUSH_SERIAL).exists():
        stdout.write("Demo simulated push clock exists; skipping it.")
        return
    device_create(
        actor=None,
        name=SIMULATED_PUSH_NAME,
        vendor="ZKTeco",
        model="SpeedFace-V5L",
        protocol=Protocol.ADMS,
        serial_number=SIMULATED_PUSH_SERIAL,
        time_zone=conf.default_time_zone(),
        push_networks="127.0.0.1/32\n::1/128",
    )
    stdout.write(f"Created the demo simulated push clock {SIMULATED_PUSH_NAME!r} (serial {SIMULATED_PUSH_SERIAL}).")


PUSH_DEVICE_NAME = "Munich Plant gate (push)"
PUSH_SERIAL = "DEMO-ADMS-0001"
DEMO_PHOTO = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxO"
    "UlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09P"
    "T09PT09PT0//wAARCABgAGADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUF"
    "BAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVW"
    "V1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi"
    "4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAEC"
    "AxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVm"
    "Z2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq"
    "8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDsqKKKskKKKKACiiq81/awttknXOSMDnH1x0pgWKKqx6jZyNhZ1Bxn5sr/ADq1QAUUUUgC"
    "iiigAooooAKGIVSzEAAZJPais7W5zFaCNThpTj8O/wDT86YFDUtSa4YxwMVhHGRwX/8Are1Z1FFWSFXLDUJLRwGJeHoVz09xVOig"
    "Dr45EljWSNgysMginVkaDOSslux+78yj27/0/OteoZQUUUUgCiiigArH8QA7YGwcAsCfyrYqtqFt9qtGjH3x8yfUf5xTQM5eihgV"
    "YqwIIOCD2oqyQooooA09BB+2SNg4EeCfxFb1UdItTbWu6RSJJDkg9h2H+fWr1QykFFFFIAooooAKKzbzVvs1y8PkbtuOd+M8Z9Kh"
    "/t3/AKdv/In/ANanZhctahpqXZ8xCElA644b6/41jTaddxNgwswycFBuz+VX/wC3f+nb/wAif/Wo/t3/AKdv/In/ANanqLQzo7C7"
    "kbC28gOM/MNv8617DSVt3Es7B3HQDop9feof7d/6dv8AyJ/9aj+3f+nb/wAif/Wo1DQ2KKx/7d/6dv8AyJ/9anw615s8cf2fG9gu"
    "d/TJ+lKzHc1aKKKQBRRRQBzWr/8AITm/4D/6CKp1c1f/AJCc3/Af/QRVOrRIUUUUwCiiigAqaz/4/YP+ui/zqGprP/j9g/66L/Og"
    "Dq6KKKzKCiiigDmtX/5Cc3/Af/QRVOrmr/8AITm/4D/6CKp1aJCiiimAUUUUAFTWf/H7B/10X+dQ1NZ/8fsH/XRf50AdXRRRWZR/"
    "/9k="
)  # a 96 px placeholder portrait (JPEG)


def seed_push_clock(*, rng: random.Random, stdout: Any) -> None:
    """A push (ADMS) clock at the Munich plant that has called in once: its upload is a
    sync run (with a badge etime does not know, so one unmapped punch), its punches pair by
    the device's in/out state, and a command waits for its next heartbeat."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from accounts.models import Location
    from attendance.models import DirectionMode, PunchDirectionRule
    from attendance.services import direction_rule_save
    from devices.models import Protocol, PushKnock
    from devices.services import adms_command_queue, adms_upload_attlog, adms_upload_photo
    from etime.core.demo import demo_admin, demo_now

    if Device.objects.filter(serial_number=PUSH_SERIAL).exists():
        stdout.write("Demo push clock exists; skipping it.")
        return
    admin = demo_admin()
    munich = Location.objects.filter(name="Munich Plant").first()
    zone = munich.time_zone if munich is not None else conf.default_time_zone()
    with transaction.atomic():
        device = device_create(
            actor=admin,
            name=PUSH_DEVICE_NAME,
            vendor="ZKTeco",
            model="SpeedFace-V5L",
            protocol=Protocol.ADMS,
            serial_number=PUSH_SERIAL,
            location=munich,
            time_zone=zone,
            push_networks="10.20.0.0/16",
            push_photos=True,
        )
        direction_rule_save(rule=PunchDirectionRule(device_id=device.pk, mode=DirectionMode.DEVICE_STATE), actor=admin)
        local = (demo_now() - timedelta(hours=1)).astimezone(ZoneInfo(zone))
        adms_upload_attlog(device=device, body=f"9001\t{local:%Y-%m-%d %H:%M:%S}\t0\t1\t0\n", stamp="1")
        # It keeps punch photos: the one its camera took at that punch (a placeholder portrait).
        photo = f"PIN={local:%Y%m%d%H%M%S}-9001.jpg\nSN={PUSH_SERIAL}\nsize={len(DEMO_PHOTO)}\nCMD=uploadphoto\0"
        adms_upload_photo(device=device, body=photo.encode() + DEMO_PHOTO)
        adms_command_queue(device=device, command="CHECK", actor=admin)
        # A clock nobody registered yet has called: Devices → Knocking clocks offers to adopt it.
        PushKnock.objects.get_or_create(
            serial_number="DEMO-ADMS-0002",
            defaults={
                "first_seen_at": demo_now() - timedelta(hours=3),
                "last_seen_at": demo_now() - timedelta(minutes=5),
                "last_address": "10.20.0.57",
                "calls": 214,
                "reported_at": demo_now() - timedelta(hours=3),
            },
        )
    stdout.write(f"Created the demo push clock {PUSH_DEVICE_NAME!r} (serial {PUSH_SERIAL}) with one upload.")


DEMO_APP_NAME = "Phone (demo installed app)"


def seed_client_device(*, rng: random.Random, stdout: Any) -> None:
    """The demo employee's installed app: registered two hours ago, it clocked them in while
    offline 90 minutes ago and sent it when the network came back (Admin → Client devices,
    Offline submissions; the punch is marked offline in Attendance → Punches)."""
    import uuid
    from datetime import timedelta

    from accounts.models import Employee
    from devices.models import ClientDevice
    from devices.services import client_device_register, offline_submit
    from etime.core import registry
    from etime.core.demo import demo_now

    username = registry.demo_personas().get("employee")
    person = Employee.objects.filter(user__username=username).select_related("user").first() if username else None
    if person is None or person.user is None:
        stdout.write("No demo employee; skipping the installed app.")
        return
    if ClientDevice.objects.filter(owner=person, name=DEMO_APP_NAME).exists():
        stdout.write("Demo installed app exists; skipping it.")
        return
    now = demo_now()
    device, _credential = client_device_register(owner=person, actor=person.user, name=DEMO_APP_NAME, user_agent="Demo")
    ClientDevice.objects.filter(pk=device.pk).update(last_contact_at=now - timedelta(hours=2))
    device.refresh_from_db()
    offline_submit(
        device=device,
        key=uuid.UUID(int=rng.getrandbits(128), version=4),
        action="punch",
        data={"direction": "in"},
        recorded_at=now - timedelta(minutes=90, seconds=-12),
        device_now=now + timedelta(seconds=12),
    )
    stdout.write(f"Created the demo installed app {DEMO_APP_NAME!r} with one offline punch.")


DEMO_KIOSK_NAME = "Reception kiosk (demo)"
DEMO_KIOSK_PIN = "2468"


def seed_kiosk(*, rng: random.Random, stdout: Any) -> None:
    """A kiosk at the reception with *photo at punch* on, where a colleague of the demo
    employee clocked in with badge and PIN (Admin → Client devices, Kiosk photos). Not the
    demo employee's punch: their day stays as the installed app's demo left it."""
    from accounts.kiosk_pin import kiosk_pin_set
    from accounts.models import Employee
    from devices.models import ClientDevice
    from devices.services import kiosk_create, kiosk_photos_set, kiosk_punch
    from etime.core import registry
    from etime.core.demo import demo_admin
    from etime.core.errors import DomainError

    if ClientDevice.objects.filter(name=DEMO_KIOSK_NAME).exists():
        stdout.write("Demo kiosk exists; skipping it.")
        return
    personas = set(registry.demo_personas().values())
    person = (
        Employee.objects.filter(location__punch_from_devices=True, device_user_id__isnull=False, user__isnull=False)
        .exclude(device_user_id="")
        .exclude(user__username__in=personas)
        .order_by("code")
        .first()
    )
    if person is None or person.location is None:
        stdout.write("No employee at a location taking clock punches; skipping the demo kiosk.")
        return
    admin = demo_admin()
    device, _code = kiosk_create(name=DEMO_KIOSK_NAME, location=person.location, actor=admin)
    kiosk_photos_set(device=device, on=True, actor=admin)
    kiosk_pin_set(employee=person, pin=DEMO_KIOSK_PIN, actor=admin)
    try:
        kiosk_punch(device=device, badge=person.device_user_id or "", pin=DEMO_KIOSK_PIN, photo=DEMO_PHOTO)
    except DomainError as error:  # e.g. a locked period: the kiosk stays, without a punch
        stdout.write(f"The demo kiosk punch was refused ({error.code}).")
        return
    stdout.write(f"Created the demo kiosk {DEMO_KIOSK_NAME!r} (photos on) with {person.full_name}'s punch and photo.")
