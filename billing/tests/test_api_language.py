"""API errors: the ``code`` is stable English, the ``message`` follows Accept-Language
(LocaleMiddleware runs for the API too; a token request has no saved-language user yet
when the middleware runs, so the header decides)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from timesheets.tests.conftest import error_of

pytestmark = pytest.mark.django_db
DRAFT = {"period_start": "2026-03-01", "period_end": "2026-03-31"}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (None, "Nothing to invoice"),
        ("en", "Nothing to invoice"),
        ("de", "Nichts zu verrechnen"),
        ("fr", "Rien à facturer"),
        ("it", "Nulla da fatturare"),
    ],
)
def test_a_domain_errors_message_follows_accept_language_and_its_code_does_not(
    finance_api: Any, catalog: Any, language: str | None, message: str
) -> None:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}

    response = finance_api.post(
        "/api/v1/invoices/", {"client": str(catalog.acme.pk), **DRAFT}, format="json", **headers
    )

    error = error_of(response, 409, "invoice_empty")
    assert error["message"].startswith(message), error


def test_frameworks_own_messages_follow_it_too(finance_api: Any) -> None:
    missing = f"/api/v1/invoices/{uuid.uuid4()}/"

    english = error_of(finance_api.get(missing, HTTP_ACCEPT_LANGUAGE="en"), 404, "not_found")
    german = error_of(finance_api.get(missing, HTTP_ACCEPT_LANGUAGE="de"), 404, "not_found")

    assert (english["message"], german["message"]) == ("Not found.", "Nicht gefunden.")


def test_a_validation_errors_field_messages_follow_it(finance_api: Any) -> None:
    response = finance_api.post("/api/v1/invoices/", DRAFT, format="json", HTTP_ACCEPT_LANGUAGE="de")

    error = error_of(response, 400, "validation_error")
    assert error["details"]["client"] == ["Dieses Feld ist zwingend erforderlich."], error
    assert "Dieses Feld ist zwingend erforderlich." in error["message"]
