"""Bad input gets a clear 4xx with the error envelope, and nothing is written (DESIGN §4).

Each test counts the rows the request could have written (and the audit events) before and
after, so a refusal that still half-wrote something fails.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings

from conftest import make_people, shared_test_data
from tests.security.world import build_world

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def _shared(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The people and their world, built once for the module (it took about 0.4 s a test);
    each test's writes roll back, so every test starts from the same fresh world."""

    def build() -> tuple[Any, dict[str, Any]]:
        people = make_people()
        return people, build_world(people)

    yield from shared_test_data(django_db_blocker, build)


@pytest.fixture
def people(db: Any, _shared: tuple[Any, dict[str, Any]]) -> Any:
    return _shared[0]


@pytest.fixture
def world(people: Any, _shared: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    return _shared[1]


@pytest.fixture
def alice(people: Any, token_client: Any) -> Any:
    return token_client(people.alice)


@pytest.fixture
def admin(people: Any, token_client: Any) -> Any:
    return token_client(people.admin)


SUPPORTED = "Dates from 1970-01-01 to 2099-12-31 are supported."
DATE_FIELDS = {"start_date", "end_date", "timestamp", "week", "date"}


def error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
    assert isinstance(body["error"]["details"], dict), body
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


@contextmanager
def writes_nothing() -> Iterator[None]:
    from django.apps import apps

    from etime.core.models import AuditEvent, IdempotencyRecord

    # Holiday rows are generated on demand from the calendar (a cache, not a write of the request).
    models = [
        m
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "attendance", "leave", "timesheets", "devices"} and m.__name__ != "Holiday"
    ]
    before = {m: m._default_manager.count() for m in models}
    audits = AuditEvent.objects.count()
    keys = IdempotencyRecord.objects.count()
    yield
    changed = {
        m.__name__: (before[m], m._default_manager.count()) for m in models if m._default_manager.count() != before[m]
    }
    assert not changed, f"a refused request wrote rows: {changed}"
    assert AuditEvent.objects.count() == audits
    assert IdempotencyRecord.objects.count() == keys


def entry_body(world: dict[str, Any], start: str, end: str) -> dict[str, Any]:
    return {"project": str(world["project"].pk), "start": start, "end": end}


def test_malformed_json_is_a_parse_error(world: Any, alice: Any) -> None:
    with writes_nothing():
        response = alice.post(
            "/api/v1/time-entries/", data='{"project": "x", "start": ', content_type="application/json"
        )
    error(response, 400, "parse_error")


@pytest.mark.parametrize(
    "body",
    [
        {"project": 12, "start": True, "end": ["2026-01-01"]},
        {"project": None, "start": "yesterday", "end": "2026-02-03T09:00:00Z"},
        {"project": {"id": 1}, "start": 1700000000, "end": 1.5},
        ["not", "an", "object"],
        "just a string",
    ],
)
def test_wrong_types_are_validation_errors(world: Any, alice: Any, body: Any) -> None:
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/", body, format="json")
    err = error(response, 400, "validation_error")
    assert err["details"]


def test_a_huge_json_body_is_refused(world: Any, alice: Any) -> None:
    body = entry_body(world, "2026-02-03T08:00:00Z", "2026-02-03T09:00:00Z") | {"description": "x" * 3_000_000}
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/", body, format="json")
    err = error(response, 413, "payload_too_large")  # over DATA_UPLOAD_MAX_MEMORY_SIZE, a JSON body's limit
    assert err["details"] == {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}


def test_a_body_over_the_request_limit_is_413(world: Any, alice: Any, settings: Any) -> None:
    settings.ETIME_MAX_REQUEST_BYTES = 1_000_000
    upload = io.BytesIO(b"%PDF-1.4\n" + b"0" * 1_100_000)
    upload.name = "certificate.pdf"
    body = {"leave_type": "VAC", "start_date": "2026-08-03", "end_date": "2026-08-03", "attachment": upload}
    with writes_nothing():
        response = alice.post("/api/v1/leave-requests/", body, format="multipart")
    err = error(response, 413, "payload_too_large")
    assert err["message"] == "The request body is larger than 1000000 bytes."
    assert err["details"] == {"max_bytes": 1_000_000}


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("9999-12-31T08:00:00Z", "9999-12-31T09:00:00Z"),
        ("3026-02-03T08:00:00Z", "3026-02-03T09:00:00Z"),
        ("1969-12-31T08:00:00Z", "1969-12-31T09:00:00Z"),
        ("0001-01-01T08:00:00Z", "0001-01-01T09:00:00Z"),
    ],
)
def test_far_future_and_pre_1970_time_entries_are_refused(world: Any, alice: Any, start: str, end: str) -> None:
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/", entry_body(world, start, end), format="json")
    err = error(response, 400, "validation_error")
    # Before 1970 the start is refused as too far in the past (the entry rule speaks first).
    start_message = SUPPORTED if start >= "1970" else "The start is too far in the past."
    assert err["details"] == {"start": [start_message], "end": [SUPPORTED]}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/leave-requests/", {"leave_type": "VAC", "start_date": "1960-03-01", "end_date": "1960-03-01"}),
        ("/api/v1/leave-requests/", {"leave_type": "VAC", "start_date": "9999-03-01", "end_date": "9999-03-01"}),
        ("/api/v1/punches/", {"timestamp": "1950-01-01T08:00:00Z"}),
        ("/api/v1/punches/", {"timestamp": "9999-01-01T08:00:00Z"}),
        ("/api/v1/timesheets/submit/", {"week": "0629-01-05"}),
        ("/api/v1/timesheets/submit/", {"week": "9999-01-04"}),
        (
            "/api/v1/regularisations/",
            {"date": "1900-01-02", "reason": "x", "items": [{"timestamp": "1900-01-02T08:00:00Z", "direction": "in"}]},
        ),
    ],
)
def test_dates_outside_the_supported_range_are_refused(world: Any, alice: Any, path: str, body: Any) -> None:
    with writes_nothing():
        response = alice.post(path, body, format="json")
    err = error(response, 400, "validation_error")
    assert err["details"] == {field: [SUPPORTED] for field in body if field in DATE_FIELDS}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/time-entries/", {"start": "2026-02-03T10:00:00Z", "end": "2026-02-03T09:00:00Z"}, "end"),
        (
            "/api/v1/leave-requests/",
            {"leave_type": "VAC", "start_date": "2026-08-05", "end_date": "2026-08-03"},
            "end_date",
        ),
    ],
)
def test_end_before_start_is_refused(world: Any, alice: Any, path: str, body: dict[str, Any], field: str) -> None:
    if "project" not in body and "time-entries" in path:
        body = body | {"project": str(world["project"].pk)}
    with writes_nothing():
        response = alice.post(path, body, format="json")
    err = error(response, 400, "validation_error")
    assert field in err["details"], err


def test_attendance_locks_and_recompute_refuse_reversed_ranges(world: Any, admin: Any) -> None:
    with writes_nothing():
        response = admin.post(
            "/api/v1/attendance-locks/", {"date_from": "2026-05-31", "date_to": "2026-05-01"}, format="json"
        )
    error(response, 400, "validation_error")
    response = admin.post(
        "/api/v1/attendance/recompute/", {"date_from": "2026-05-31", "date_to": "2026-05-01"}, format="json"
    )
    error(response, 400, "validation_error")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "UTC+25", "../../etc/passwd", "", "Europe/Zurich\x00"])
def test_unknown_time_zones_are_refused(world: Any, admin: Any, zone: str) -> None:
    targets = [
        (f"/api/v1/locations/{world['location'].pk}/", "time_zone"),
        (f"/api/v1/employees/{world['employee'].pk}/", "time_zone"),
        (f"/api/v1/devices/{world['device'].pk}/", "time_zone"),
    ]
    for path, field in targets:
        if zone == "" and "employees" in path:
            continue  # blank: the employee follows the location's zone (documented)
        with writes_nothing():
            response = admin.patch(path, {field: zone}, format="json")
        err = error(response, 400, "validation_error")
        assert field in err["details"], (path, err)


@pytest.mark.parametrize(
    "content",
    [
        "Date,Start,End,Project\n2026-02-03,08:00,09:00,Website\n".encode("utf-16"),
        b"\xff\xfe\x00\x00\xc3\x28\xa0\xa1\xe2\x28\xa1\n\x80\x81,\x82\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"",
    ],
    ids=["utf16", "invalid-utf8", "binary", "empty"],
)
def test_unreadable_csv_imports_are_refused(world: Any, alice: Any, content: bytes) -> None:
    upload = io.BytesIO(content)
    upload.name = "entries.csv"
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/import/", {"file": upload}, format="multipart")
    err = error(response, 400, "validation_error")
    assert "file" in err["details"], err


def test_a_latin1_csv_import_is_read_correctly(world: Any, alice: Any) -> None:
    """A spreadsheet saved as Latin-1: never garbled into the database."""
    from timesheets.models import TimeEntry

    content = (
        "Email,Project,Start date,Start time,End date,End time,Description\n"
        "alice@example.com,Website,2026-02-04,08:00:00,2026-02-04,09:00:00,Café résumé\n"
    ).encode("latin-1")
    upload = io.BytesIO(content)
    upload.name = "entries.csv"
    response = alice.post("/api/v1/time-entries/import/", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["created"], answer["skipped"], answer["failed"]) == (1, 0, 0), answer
    assert TimeEntry.objects.get(pk=answer["rows"][0]["entry"]).description == "Café résumé"


def test_same_idempotency_key_with_a_different_body_is_422(world: Any, alice: Any) -> None:
    from timesheets.models import TimeEntry

    first = entry_body(world, "2026-02-05T08:00:00Z", "2026-02-05T09:00:00Z")
    response = alice.post("/api/v1/time-entries/", first, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")
    assert response.status_code == 201, response.content
    count = TimeEntry.objects.count()
    replay = alice.post("/api/v1/time-entries/", first, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == response.json()["id"]
    other = entry_body(world, "2026-02-05T10:00:00Z", "2026-02-05T11:00:00Z")
    with writes_nothing():
        reused = alice.post("/api/v1/time-entries/", other, format="json", HTTP_IDEMPOTENCY_KEY="sync-42")
    error(reused, 422, "idempotency_key_reused")
    assert TimeEntry.objects.count() == count


@pytest.mark.parametrize("key", ["x" * 256, "bad\nkey", "tab\there", ""])
def test_malformed_idempotency_keys_are_refused(world: Any, alice: Any, key: str) -> None:
    body = entry_body(world, "2026-02-05T08:00:00Z", "2026-02-05T09:00:00Z")
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    error(response, 400)


@pytest.mark.parametrize(("content_type", "payload"), [("text/plain", b"project=x"), ("application/xml", b"<entry/>")])
def test_unsupported_media_types_are_415(world: Any, alice: Any, content_type: str, payload: bytes) -> None:
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/", data=payload, content_type=content_type)
    err = error(response, 415, "unsupported_media_type")
    assert err["message"] == f'Unsupported media type "{content_type}" in request.'


def test_json_with_a_charset_is_read_as_json(world: Any, alice: Any) -> None:
    with writes_nothing():
        response = alice.post("/api/v1/time-entries/", data=b"{}", content_type="application/json; charset=latin-1")
    err = error(response, 400, "validation_error")
    assert err["details"] == {"project": ["This field is required."], "start": ["This field is required."]}


def test_adms_push_with_garbage_is_refused_and_stores_nothing(world: Any, client: Any) -> None:
    """The device endpoint: an unknown serial, and a known one sending non-UTF-8 lines."""
    from attendance.models import Punch

    punches = Punch.objects.count()
    response = client.post(
        "/iclock/cdata?SN=UNKNOWN&table=ATTLOG", data=b"1\t2026-01-01 08:00:00\t0\t1", content_type="text/plain"
    )
    assert (response.status_code, response.content) == (403, b"ERROR: unknown device\n")
    assert Punch.objects.count() == punches


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/time-entries/?updated_since=0215-07-06T20:33:06%2B22:38",
        "/api/v1/time-entries/?start_after=2026-01-01T00:00:00%2B23:59",
        "/api/v1/punches/?timestamp_before=2026-01-01T00:00:00-23:00",
        "/api/v1/audit-events/?occurred_at_after=2026-01-01T00:00:00%2B16:00",
    ],
)
def test_utc_offsets_beyond_postgres_range_filter_instead_of_failing(world: Any, admin: Any, query: str) -> None:
    """ISO 8601 allows offsets to ±23:59, PostgreSQL to ±15:59: found by the fuzzing as a 500."""
    response = admin.get(query)
    assert response.status_code == 200, response.content[:300]


def test_a_nul_byte_in_a_leave_type_code_is_a_validation_error(world: Any, admin: Any) -> None:
    """DRF's slug field passed the NUL to PostgreSQL (a 500): found by the fuzzing, 2026-12-04."""
    with writes_nothing():
        response = admin.post(
            "/api/v1/leave-requests/",
            {"leave_type": "VAC\x00", "start_date": "2026-08-03", "end_date": "2026-08-04"},
            format="json",
        )
        assert "leave_type" in error(response, 400, "validation_error")["details"]
        response = admin.post(
            "/api/v1/leave-allocations/",
            {"employee": str(world["employee"].pk), "leave_type": "\x00", "year": 2026, "days": "1"},
            format="json",
        )
        assert "leave_type" in error(response, 400, "validation_error")["details"]


@pytest.mark.parametrize("path", ["/api/v1/invoices/register/", "/api/v1/invoices/journal/"])
@pytest.mark.parametrize("year", ["-6700", "0", "10000", "twenty"])
def test_invoice_register_years_outside_the_calendar_are_refused(world: Any, admin: Any, path: str, year: str) -> None:
    """``?year=-6700`` was Python's "year is out of range" (a 500): found by the fuzzing."""
    assert "year" in error(admin.get(f"{path}?year={year}"), 400, "validation_error")["details"]


def test_invoice_register_year_filters(world: Any, admin: Any) -> None:
    assert admin.get("/api/v1/invoices/register/?year=2026").status_code == 200


@pytest.mark.parametrize(("date_from", "date_to"), [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")])
def test_recompute_at_the_ends_of_the_calendar_is_refused(world: Any, admin: Any, date_from: str, date_to: str) -> None:
    """The engine looks a day past each end of the range: 0001-01-01 was an OverflowError
    (a 500), found by the fuzzing on 2026-12-04."""
    with writes_nothing():
        response = admin.post(
            "/api/v1/attendance/recompute/", {"date_from": date_from, "date_to": date_to}, format="json"
        )
    assert set(error(response, 400, "validation_error")["details"]) == {"date_from", "date_to"}
