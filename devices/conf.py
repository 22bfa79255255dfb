"""Device settings as the code uses them. etime/settings.py reads each from the environment,
once, with its default (docs/DEVICE_INTEGRATION.md "Settings")."""

from __future__ import annotations

from django.conf import settings


def lease_seconds() -> int:
    """How long a sync holds its device lock between checkpoints. A worker that dies
    holding it blocks that device's syncs for at most this long (plus the phase it was in)."""
    return settings.ETIME_DEVICE_SYNC_LEASE_SECONDS


def backoff_cap_seconds() -> int:
    """The longest wait between attempts on a failing device."""
    return settings.ETIME_DEVICE_BACKOFF_CAP_SECONDS


def offline_alert_minutes() -> int:
    """A device failing (or silent, for push devices) this long raises an alert."""
    return settings.ETIME_DEVICE_OFFLINE_ALERT_MINUTES


def fanout_seconds() -> int:
    """How often beat looks for devices that are due (the default schedule's interval)."""
    return settings.ETIME_DEVICE_FANOUT_SECONDS


def ingest_chunk() -> int:
    """Records stored (and the watermark advanced) per transaction; bounds a sync's memory."""
    return settings.ETIME_DEVICE_INGEST_CHUNK


def default_time_zone() -> str:
    return str(settings.TIME_ZONE or "UTC")


def simulator_port() -> int:
    """Where the embedded default's simulated clock listens (etimectl run starts it)."""
    return settings.ETIME_SIMULATOR_PORT


def adms_stamp_margin_minutes() -> int:
    """How far past the newest stored record of a push clock an upload's Stamp may point
    before etime refuses to hand it back as ATTLOGStamp (docs/SECURITY.md "ADMS push")."""
    return settings.ETIME_ADMS_STAMP_MARGIN_MINUTES


def adms_new_knocks_per_hour() -> int:
    """At most this many new unknown serials are recorded (and reported) per hour; past it
    they are only logged, so someone trying serials cannot flood the table or the admins."""
    return settings.ETIME_ADMS_NEW_KNOCKS_PER_HOUR


def adms_max_body_bytes() -> int:
    """The largest body a push clock may send (an ATTLOG batch, a photo); a larger one is
    answered 413 and not read (docs/DEVICE_INTEGRATION.md "ADMS push")."""
    return settings.ETIME_ADMS_MAX_BODY_BYTES
