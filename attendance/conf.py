"""Attendance settings (etime/settings.py reads them from the environment; the defaults
here serve settings modules that leave them out)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def final_after() -> timedelta:
    """A closed day becomes final this long after its window even if a device never synced."""
    return timedelta(hours=int(getattr(settings, "ETIME_ATTENDANCE_FINAL_AFTER_HOURS", 48)))


def recompute_back_days() -> int:
    """How far back a change to a shift or schedule recomputes unlocked days."""
    return int(getattr(settings, "ETIME_ATTENDANCE_RECOMPUTE_BACK_DAYS", 31))


def close_lookback_days() -> int:
    """How far back the periodic close looks for ended days that have no row yet."""
    return int(getattr(settings, "ETIME_ATTENDANCE_CLOSE_LOOKBACK_DAYS", 7))


def sync_recompute_limit() -> int:
    """POST /attendance/recompute/ runs inline up to this many employee-days, else queues."""
    return int(getattr(settings, "ETIME_ATTENDANCE_SYNC_RECOMPUTE_LIMIT", 1000))


def offline_max_drift() -> timedelta:
    """An offline-queued punch is refused when the device's clock is further off than this."""
    return timedelta(seconds=int(getattr(settings, "ETIME_OFFLINE_MAX_DRIFT_SECONDS", 300)))


def offline_max_age() -> timedelta:
    """An offline-queued punch older than this becomes a correction request."""
    return timedelta(hours=int(getattr(settings, "ETIME_OFFLINE_MAX_AGE_HOURS", 72)))


def absent_after() -> timedelta:
    """How long after its window's close a planned day without punches becomes absent
    (CompanySettings.absent_after_hours, edited by admins; 0: at the close)."""
    from etime.ops.company import company_settings

    return timedelta(hours=company_settings().absent_after_hours)
