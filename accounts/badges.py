"""Printable badges: one A4 PDF per department with each person's name and a QR code of
their badge number, for the kiosk's camera (issue #20; docs/USER_MANUAL.md "Printing badges").

The payload is ``etime:badge:<badge number>`` (UTF-8, QR byte mode, error correction M), the
badge number being the employee's ``device_user_id`` — the user id / badge PIN the time
clocks know them by. The prefix tells a scanner an etime badge from any other QR code; the
code carries no name, no secret and no URL: a badge identifies, the kiosk's PIN proves."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Employee

PAYLOAD_PREFIX = "etime:badge:"


def badge_payload(employee: Employee) -> str | None:
    """What the badge's QR code says; None for a person with no badge number."""
    number = (employee.device_user_id or "").strip()
    return f"{PAYLOAD_PREFIX}{number}" if number else None


def parse_badge_payload(text: str) -> str | None:
    """The badge number in a scanned code (the kiosk's side); None for any other code."""
    if not text.startswith(PAYLOAD_PREFIX):
        return None
    number = text[len(PAYLOAD_PREFIX) :]
    return number if number and len(number) <= 24 and number.isprintable() and not number.isspace() else None


def qr_svg_data_uri(payload: str) -> str:
    """The payload's QR code as an SVG data: URI (vector, so it prints sharp at any size)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        payload,
        image_factory=qrcode.image.svg.SvgPathImage,
        border=4,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


@dataclass(frozen=True)
class Badge:
    name: str
    code: str
    number: str
    qr: str  # the data: URI, empty without a badge number


@dataclass(frozen=True)
class BadgeSheet:
    department: str
    filename: str
    pdf: bytes
    badges: int
    missing: int  # people without a badge number (listed, no code)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "badges"


def badge_sheets(employees: Iterable[Employee]) -> list[BadgeSheet]:
    """One PDF per department (people without one together), people by name."""
    from etime.core.pdf import render_pdf  # resources from etime's own files only

    groups: dict[str, list[Employee]] = {}
    for employee in employees:
        key = employee.department.name if employee.department_id and employee.department else ""
        groups.setdefault(key, []).append(employee)
    sheets = []
    now = timezone.now()
    for department in sorted(groups, key=lambda d: (d == "", d.casefold())):
        people = sorted(groups[department], key=lambda e: (e.last_name.casefold(), e.first_name.casefold(), e.code))
        badges = []
        for person in people:
            payload = badge_payload(person)
            badges.append(
                Badge(
                    person.full_name,
                    person.code,
                    person.device_user_id or "",
                    qr_svg_data_uri(payload) if payload else "",
                )
            )
        title = department or gettext("No department")
        html = render_to_string(
            "accounts/badges_pdf.html", {"department": title, "badges": badges, "generated_at": now}
        )
        sheets.append(
            BadgeSheet(
                department=title,
                filename=f"badges-{_slug(title)}.pdf",
                pdf=render_pdf(html),
                badges=sum(1 for b in badges if b.qr),
                missing=sum(1 for b in badges if not b.qr),
            )
        )
    return sheets


def sheets_zip(sheets: list[BadgeSheet]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in sheets:
            archive.writestr(sheet.filename, sheet.pdf)
    return buffer.getvalue()


def badges_response(sheets: list[BadgeSheet]) -> Any:
    """One department: its PDF; several: a ZIP of one PDF each."""
    from django.http import HttpResponse

    if len(sheets) == 1:
        response = HttpResponse(sheets[0].pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{sheets[0].filename}"'
        return response
    response = HttpResponse(sheets_zip(sheets), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="badges.zip"'
    return response
