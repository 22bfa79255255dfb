"""Badge QR codes printed from the admin (issue #20): the PDF read back as the kiosk's camera
will read it — rasterised (PDFium) and decoded with Debian's zbar (zbarimg)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader

from accounts.badges import PAYLOAD_PREFIX, parse_badge_payload
from accounts.models import Department, Employee
from billing.tests.qrscan import zbarimg
from etime.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _decode(pdf: bytes, dpi: int = 150) -> list[str]:
    """Every QR code zbar finds on every page, as text."""
    import pypdfium2

    found: list[str] = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            done = subprocess.run(  # noqa: S603 - a fixed tool, our own image on stdin
                [zbarimg(), "--nodbus", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-"],
                input=buffer.getvalue(),
                capture_output=True,
                timeout=60,
                check=False,
            )
            assert done.returncode in (0, 4), done.stderr
            found += [line for line in done.stdout.decode().splitlines() if line]
    finally:
        document.close()
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _warehouse(people: Any) -> Department:
    warehouse = Department.objects.create(name="Warehouse", code="WH")
    for code, first, last, badge in [
        ("W1", "Wanda", "Wheeler", "1001"),
        ("W2", "Walt", "Ward", "1002"),
        ("W3", "Wim", "Weiss", "20417"),
    ]:
        Employee.objects.create(
            code=code,
            first_name=first,
            last_name=last,
            department=warehouse,
            location=people.alice.location,
            device_user_id=badge,
        )
    return warehouse


def test_a_departments_badges_decode_back_to_each_persons_badge_number(people: Any, admin_client: Any) -> None:
    warehouse = _warehouse(people)
    response = admin_client.post(
        "/admin/accounts/department/", {"action": "print_badges", "_selected_action": [str(warehouse.pk)]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="badges-warehouse.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert sorted(_decode(pdf)) == ["etime:badge:1001", "etime:badge:1002", "etime:badge:20417"]
    text = _text(pdf)
    for name in ("Wanda Wheeler", "Walt Ward", "Wim Weiss", "Badges — Warehouse"):
        assert name in text
    event = AuditEvent.objects.get(action="badges.printed")
    assert event.after == {"department": "Warehouse", "badges": 3, "without_badge_number": 0}


def test_people_of_several_departments_get_one_pdf_each_in_a_zip(people: Any, admin_client: Any) -> None:
    _warehouse(people)
    Employee.objects.filter(pk=people.dave.pk).update(device_user_id="77")
    chosen = Employee.objects.filter(code__in=["W1", "E006", "E003"])  # Alice has no badge number
    response = admin_client.post(
        "/admin/accounts/employee/", {"action": "print_badges", "_selected_action": [str(e.pk) for e in chosen]}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["badges-engineering.pdf", "badges-sales.pdf", "badges-warehouse.pdf"]
    assert _decode(archive.read("badges-sales.pdf")) == ["etime:badge:77"]
    assert _decode(archive.read("badges-warehouse.pdf")) == ["etime:badge:1001"]
    engineering = archive.read("badges-engineering.pdf")
    assert _decode(engineering) == [] and "No badge number" in _text(engineering) and "Alice Able" in _text(engineering)


def test_the_badge_payload_format() -> None:
    assert PAYLOAD_PREFIX == "etime:badge:"
    assert parse_badge_payload("etime:badge:20417") == "20417"
    for other in ("20417", "etime:badge:", "https://example.com/etime:badge:1", "etime:badge:" + "9" * 25):
        assert parse_badge_payload(other) is None
