"""iCalendar (RFC 5545) feeds of leave, written by hand: all-day events need a handful of
properties, text escaping (§3.3.11) and line folding at 75 octets (§3.1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext

from leave.models import LeaveRequest, RequestStatus

PRODID = "-//etime//leave feed//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character;
    continuation lines start with one space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
            limit = 74  # the leading space counts
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def _summary(request: LeaveRequest, with_name: bool) -> str:
    halves = []
    if request.start_half:
        halves.append(gettext("from midday"))
    if request.end_half:
        halves.append(gettext("until midday"))
    text = request.leave_type.name
    if with_name:
        text = gettext("%(name)s: %(leave)s") % {"name": request.employee.full_name, "leave": text}
    if halves:
        text += f" ({', '.join(halves)})"
    if request.status == RequestStatus.PENDING:
        text += " [" + gettext("pending") + "]"
    return text


def render(requests: Iterable[LeaveRequest], *, name: str, with_names: bool, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(tz=UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for request in requests:
        lines += [
            "BEGIN:VEVENT",
            f"UID:leave-{request.pk}@etime",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{request.start_date:%Y%m%d}",
            # All-day events end on the (exclusive) day after the last day.
            f"DTEND;VALUE=DATE:{request.end_date + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(_summary(request, with_names))}",
            f"STATUS:{'CONFIRMED' if request.status == RequestStatus.APPROVED else 'TENTATIVE'}",
            "TRANSP:OPAQUE",
            f"CATEGORIES:{_escape(request.leave_type.code)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
