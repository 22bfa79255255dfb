"""discover_devices on loopback simulators; comm keys encrypted at rest and rotated."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import override_settings

from devices import crypto, services
from devices.models import Device, SyncStatus
from devices.simulator import Simulator
from devices.tests.conftest import MakeSim, device_for
from etime.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clocks() -> Any:
    """Two simulated clocks on 127.0.0.2 and 127.0.0.3, on the same port number, one with a comm key."""
    first = Simulator(host="127.0.0.2", tcp_port=0, users=3, serial="K20DISC0001", seed=1).start()
    try:
        second = Simulator(
            host="127.0.0.3", tcp_port=first.tcp_port, users=4, comm_key=777, serial="K20DISC0002", seed=2
        ).start()
    except OSError:
        first.stop()
        pytest.skip("the port is taken on 127.0.0.3")
    yield first, second
    first.stop()
    second.stop()


@pytest.mark.embedded
def test_discover_devices_finds_clocks_on_loopback_with_their_identity(two_clocks: Any) -> None:
    first, second = two_clocks
    services.device_create(actor=None, name="Known clock", host="127.0.0.2", port=first.tcp_port)
    out = io.StringIO()
    call_command("discover_devices", "127.0.0.0/29", "--port", str(first.tcp_port), "--timeout", "0.5", stdout=out)
    text = out.getvalue()
    assert f"127.0.0.2:{first.tcp_port}/tcp: serial K20DISC0001, model K20" in text
    assert f"firmware {first.profile.firmware}" in text and "(registered as Known clock)" in text
    assert f"127.0.0.2:{first.tcp_port}/udp: serial K20DISC0001" in text
    assert f"127.0.0.3:{first.tcp_port}/tcp: comm key required (--comm-key), comm key set" in text
    assert "4 answers on 127.0.0.0/29" in text
    assert "127.0.0.4" not in text and "127.0.0.1:" not in text

    out = io.StringIO()
    call_command(
        "discover_devices",
        "127.0.0.3/32",
        "--port",
        str(first.tcp_port),
        "--transport",
        "tcp",
        "--comm-key",
        "777",
        "--json",
        stdout=out,
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["host"], r["serial"], r["comm_key"], r["registered_as"]) for r in rows] == [
        ("127.0.0.3", "K20DISC0002", True, None)
    ]


def test_discover_devices_refuses_huge_networks() -> None:
    with pytest.raises(CommandError, match="at most"):
        call_command("discover_devices", "10.0.0.0/8", stdout=io.StringIO())


@pytest.mark.embedded
def test_comm_key_is_encrypted_at_rest_with_authenticated_encryption(people: Any) -> None:
    device = services.device_create(actor=people.admin, name="Keyed", host="10.0.0.9", comm_key=123456)
    stored = Device.objects.values_list("comm_key_encrypted", flat=True).get(pk=device.pk)
    assert "123456" not in stored and stored.startswith("gAAAA")  # a Fernet token
    assert Device.objects.get(pk=device.pk).comm_key == 123456
    tampered = stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB")
    with pytest.raises(crypto.CommKeyUnreadable):
        crypto.decrypt_comm_key(tampered)
    # A Fernet key of our own is no use: the key is derived from SECRET_KEY.
    with pytest.raises(crypto.CommKeyUnreadable):
        crypto.decrypt_comm_key(Fernet(Fernet.generate_key()).encrypt(b"123456").decode())
    event = AuditEvent.objects.get(action="device.created", object_id=str(device.pk))
    assert event.after is not None
    assert "123456" not in json.dumps(event.after) and event.after["has_comm_key"] is True
    assert "comm_key_encrypted" not in event.after


@pytest.mark.embedded
def test_rotating_secret_key_with_a_fallback_keeps_comm_keys_and_reencrypts_them(settings: Any) -> None:
    device = services.device_create(actor=None, name="Rotated", host="10.0.0.9", comm_key=4242)
    old_key = settings.SECRET_KEY
    old_token = Device.objects.get(pk=device.pk).comm_key_encrypted
    with override_settings(SECRET_KEY="new-" + "k" * 60, SECRET_KEY_FALLBACKS=[old_key]):
        assert Device.objects.get(pk=device.pk).comm_key == 4242
        out = io.StringIO()
        call_command("reencrypt_comm_keys", stdout=out)
        assert "re-encrypted 1 comm key" in out.getvalue()
        new_token = Device.objects.get(pk=device.pk).comm_key_encrypted
        assert new_token != old_token
    with override_settings(SECRET_KEY="new-" + "k" * 60, SECRET_KEY_FALLBACKS=[]):
        assert Device.objects.get(pk=device.pk).comm_key == 4242


@pytest.mark.embedded
def test_a_comm_key_lost_with_the_old_secret_key_fails_the_sync_with_a_clear_code(make_sim: MakeSim) -> None:
    sim = make_sim(users=1, records=1, comm_key=55)
    device = device_for(sim, comm_key=55)
    with override_settings(SECRET_KEY="another-" + "z" * 60, SECRET_KEY_FALLBACKS=[]):
        run = services.device_sync(device=device)
        assert (run.status, run.error_code) == (SyncStatus.FAILED, "device_comm_key_unreadable")
        with pytest.raises(CommandError, match="do not decrypt"):
            call_command("reencrypt_comm_keys", stdout=io.StringIO())
        services.device_update(device=device, actor=None, comm_key=55)  # the admin enters it again
        assert services.device_sync(device=device).status == SyncStatus.SUCCEEDED
