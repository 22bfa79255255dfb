"""Where a person is: the one answer to "which time zone" and "what is today" for someone.

The rule: the person's own zone, else their location's, else ``TIME_ZONE``. A viewer's
"today", "this week", "this month", their current status and their calendars are computed
in the viewer's zone; a manager looking at a team member's status sees it in that
member's zone, because "not in yet" is a fact about where the member is.

``ViewerTimeZoneMiddleware`` activates the signed-in viewer's zone for each request, so
``timezone.localdate()``, ``timezone.localtime()`` and every ``|date``/``|time`` in a
template answer in that zone without each view having to ask.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from etime.core.middleware import is_api_path


class _Located(Protocol):
    time_zone: str
    location_id: Any


@functools.lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_name(*, own: str | None, location: str | None) -> str:
    """The rule itself, over plain values (also used where the two come from one query)."""
    return own or location or settings.TIME_ZONE


def employee_zone_name(employee: _Located | None) -> str:
    if employee is None:
        return str(settings.TIME_ZONE)
    location = getattr(employee, "location", None) if not employee.time_zone and employee.location_id else None
    return zone_name(own=employee.time_zone, location=location.time_zone if location is not None else None)


def employee_zone(employee: _Located | None) -> ZoneInfo:
    return zone(employee_zone_name(employee))


def user_employee(user: Any) -> Any:
    """The employee record of a signed-in user, or None (an admin without one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.employee
    except ObjectDoesNotExist:  # a user without an employee record
        return None


def user_zone(user: Any) -> ZoneInfo:
    return employee_zone(user_employee(user))


def now_in(tz: ZoneInfo, now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(tz)


def today_in(tz: ZoneInfo, now: datetime | None = None) -> date:
    return now_in(tz, now).date()


def today_for(employee: _Located | None, now: datetime | None = None) -> date:
    """The calendar date it is now (or at ``now``) where the employee is."""
    return today_in(employee_zone(employee), now)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


class ViewerTimeZoneMiddleware:
    """Activate the signed-in viewer's zone for the request (after authentication).

    Anonymous requests (the sign-in page) keep ``TIME_ZONE``. The API is left alone: it
    speaks ISO 8601 with offsets, and a session-authenticated call must answer exactly as
    a token-authenticated one (which DRF authenticates later, after this middleware).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not is_api_path(request.path):
            timezone.activate(user_zone(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
