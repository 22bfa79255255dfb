"""Attendance settings as the code uses them. etime/settings.py reads each from the
environment, once, with its default; these only give them their units."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def final_after() -> timedelta:
    """A closed day becomes final this long after its window even if a device never synced."""
    return timedelta(hours=settings.ETIME_ATTENDANCE_FINAL_AFTER_HOURS)


def recompute_back_days() -> int:
    """How far back a change to a shift or schedule recomputes unlocked days."""
    return settings.ETIME_ATTENDANCE_RECOMPUTE_BACK_DAYS


def close_lookback_days() -> int:
    """How far back the periodic close looks for ended days that have no row yet."""
    return settings.ETIME_ATTENDANCE_CLOSE_LOOKBACK_DAYS


def sync_recompute_limit() -> int:
    """POST /attendance/recompute/ runs inline up to this many employee-days, else queues."""
    return settings.ETIME_ATTENDANCE_SYNC_RECOMPUTE_LIMIT


def absent_after() -> timedelta:
    """How long after its window's close a planned day without punches becomes absent
    (CompanySettings.absent_after_hours, edited by admins; 0: at the close)."""
    from etime.ops.company import company_settings

    return timedelta(hours=company_settings().absent_after_hours)


def offline_max_drift() -> timedelta:
    """An offline-queued punch is refused when the device's clock is further off than this."""
    return timedelta(seconds=settings.ETIME_OFFLINE_MAX_DRIFT_SECONDS)


def offline_max_age() -> timedelta:
    """An offline-queued punch older than this becomes a correction request."""
    return timedelta(hours=settings.ETIME_OFFLINE_MAX_AGE_HOURS)
