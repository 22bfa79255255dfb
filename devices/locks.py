"""At most one sync per device across all workers: a lease that expires if its holder dies.

With REDIS_URL: a Redis key per device (SET NX PX), renewed and released by Lua scripts
that check the holder's token, so a holder whose lease lapsed and was taken over can
neither renew nor release the new holder's lease. Without Redis (the embedded default):
the same lease on the Device row (`lease_owner`, `lease_expires_at`), claimed with a
conditional UPDATE whose row count must be 1.

A lease covers one bounded phase of a sync (connect, the read, the store); the sync
renews it with that phase's bound before starting the phase. The device adapter's hard
limits bound each phase, so a worker killed mid-sync blocks its device for at most the
phase it was in.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from devices.models import Device

_RENEW = """
local held = redis.call('get', KEYS[1])
if held == ARGV[1] or not held then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Lease(Protocol):
    token: str

    def acquire(self, seconds: float) -> bool: ...
    def renew(self, seconds: float) -> bool: ...
    def release(self) -> None: ...


class RedisLease:
    def __init__(self, device_id: UUID, client: Any) -> None:
        self.key = f"{settings.CACHE_KEY_PREFIX}:devices:sync:{device_id}"
        self.token = f"{holder_name()}:{secrets.token_hex(8)}"
        self.client = client

    def acquire(self, seconds: float) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=max(1, int(seconds * 1000))))

    def renew(self, seconds: float) -> bool:
        # A lapsed lease nobody took is re-taken; one another worker holds is not.
        return bool(self.client.eval(_RENEW, 1, self.key, self.token, max(1, int(seconds * 1000))))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)


class DatabaseLease:
    def __init__(self, device_id: UUID) -> None:
        self.device_id = device_id
        self.token = f"{holder_name()}:{secrets.token_hex(8)}"[:64]

    def acquire(self, seconds: float) -> bool:
        now = timezone.now()
        free = Device.objects.filter(pk=self.device_id).exclude(lease_expires_at__gt=now)
        return free.update(lease_owner=self.token, lease_expires_at=now + timedelta(seconds=seconds)) == 1

    def renew(self, seconds: float) -> bool:
        now = timezone.now()
        mine = Device.objects.filter(pk=self.device_id, lease_owner=self.token)
        if mine.update(lease_expires_at=now + timedelta(seconds=seconds)) == 1:
            return True
        return self.acquire(seconds)

    def release(self) -> None:
        Device.objects.filter(pk=self.device_id, lease_owner=self.token).update(lease_owner="", lease_expires_at=None)


_client: Any = None


def _redis() -> Any:
    global _client
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


def lease_for(device_id: UUID) -> Lease:
    if settings.REDIS_URL:
        return RedisLease(device_id, _redis())
    return DatabaseLease(device_id)


def is_held(device_id: UUID) -> bool:
    """Whether some worker holds the device's lease now (for display; racy by nature)."""
    if settings.REDIS_URL:
        return bool(_redis().exists(RedisLease(device_id, None).key))
    return Device.objects.filter(pk=device_id, lease_expires_at__gt=timezone.now()).exists()
