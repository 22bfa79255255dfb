"""The REST conventions every etime endpoint shares (DESIGN §4): pagination, the error
envelope, request ids, Idempotency-Key, filters, and the OpenAPI schema and docs."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")


def assert_envelope(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with exactly code, message and details."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert SNAKE_CASE.match(error["code"])
    assert isinstance(error["message"], str) and error["message"].strip()
    assert isinstance(error["details"], dict)
    return error


@pytest.fixture
def many_employees(people: Any) -> list[str]:
    """120 employees besides the six personas; returns every code in list order."""
    from accounts.models import Employee

    Employee.objects.bulk_create(
        [Employee(code=f"B{i:03d}", first_name=f"Bulk{i}", last_name="Person") for i in range(120)]
    )
    return sorted(Employee.objects.values_list("code", flat=True))


@pytest.fixture
def admin_api(people: Any, token_client: Any) -> APIClient:
    return token_client(people.admin)


# --- Pagination -----------------------------------------------------------------------


def test_limit_above_the_maximum_returns_100_rows(many_employees: list[str], admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/", {"limit": 1000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100
    assert response.json()["next"] is not None


def test_limit_zero_returns_one_row(many_employees: list[str], admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/", {"limit": 0})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_negative_limit_returns_one_row(many_employees: list[str], admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/", {"limit": -5})
    assert len(response.json()["results"]) == 1


def test_default_page_has_50_rows(many_employees: list[str], admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "next", "previous"}
    assert len(body["results"]) == 50
    assert body["previous"] is None


@pytest.mark.parametrize("garbage", ["ten", "1.5", "1e3", "%20"])
def test_garbage_limit_is_a_validation_error(many_employees: list[str], admin_api: APIClient, garbage: str) -> None:
    error = assert_envelope(admin_api.get(f"/api/v1/employees/?limit={garbage}"), 400, "validation_error")
    assert "limit" in error["details"]


def test_following_next_walks_every_row_exactly_once_in_order(many_employees: list[str], admin_api: APIClient) -> None:
    seen: list[str] = []
    url: str | None = "/api/v1/employees/?limit=7"
    pages = 0
    while url:
        response = admin_api.get(url)
        assert response.status_code == 200
        body = response.json()
        assert len(body["results"]) <= 7
        seen += [row["code"] for row in body["results"]]
        url = body["next"]
        pages += 1
        assert pages < 100, "the cursor never ends"
    assert seen == many_employees  # every row, once, in code order
    assert pages == -(-len(many_employees) // 7)


def test_previous_leads_back_to_the_same_rows(many_employees: list[str], admin_api: APIClient) -> None:
    first = admin_api.get("/api/v1/employees/?limit=10").json()
    second = admin_api.get(first["next"]).json()
    assert [r["code"] for r in second["results"]] == many_employees[10:20]
    back = admin_api.get(second["previous"]).json()
    assert [r["code"] for r in back["results"]] == [r["code"] for r in first["results"]]


def test_cursor_is_opaque_and_a_tampered_cursor_is_refused(many_employees: list[str], admin_api: APIClient) -> None:
    first = admin_api.get("/api/v1/employees/?limit=10").json()
    query = urlsplit(first["next"]).query
    assert "B0" not in query and "offset" not in query  # no raw positions or values leak
    response = admin_api.get("/api/v1/employees/?limit=10&cursor=not-a-cursor")
    assert_envelope(response, 404, "not_found")


def test_rows_inserted_between_pages_do_not_shift_the_next_page(
    many_employees: list[str], admin_api: APIClient
) -> None:
    from accounts.models import Employee

    first = admin_api.get("/api/v1/employees/?limit=10").json()
    Employee.objects.create(code="A000", first_name="Early", last_name="Bird")  # sorts before page 1
    second = admin_api.get(first["next"]).json()
    assert [r["code"] for r in second["results"]] == many_employees[10:20]


# --- Error envelope -------------------------------------------------------------------


def test_validation_error_has_per_field_details(people: Any, admin_api: APIClient) -> None:
    error = assert_envelope(admin_api.post("/api/v1/employees/", {"first_name": "No code"}), 400, "validation_error")
    assert "code" in error["details"]
    assert "last_name" in error["details"]
    assert all(isinstance(m, str) for m in error["details"]["code"])


def test_unauthenticated_request_is_401_with_envelope(people: Any) -> None:
    response = APIClient().get("/api/v1/employees/")
    assert_envelope(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_forbidden_request_is_403_with_envelope(people: Any, token_client: Any) -> None:
    response = token_client(people.alice).post(
        "/api/v1/employees/", {"code": "X1", "first_name": "a", "last_name": "b"}
    )
    assert_envelope(response, 403, "permission_denied")


def test_csrf_failure_of_a_session_write_is_403_with_envelope(people: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people.admin)
    response = client.post("/api/v1/departments/", {"name": "Finance"})
    assert_envelope(response, 403, "permission_denied")


def test_unknown_object_is_404_with_envelope(people: Any, admin_api: APIClient) -> None:
    assert_envelope(admin_api.get(f"/api/v1/employees/{uuid.uuid4()}/"), 404, "not_found")
    assert_envelope(admin_api.get("/api/v1/employees/not-a-uuid/"), 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/v2/employees/", "/api/nothing", "/api/v1/employees/x/y/z/"]
)
def test_unknown_url_under_api_is_404_with_envelope(people: Any, admin_api: APIClient, path: str) -> None:
    assert_envelope(admin_api.get(path), 404, "not_found")


def test_unknown_url_under_api_is_an_envelope_even_anonymously(db: Any) -> None:
    assert_envelope(Client().get("/api/v1/no-such-thing/"), 404, "not_found")


def test_unknown_page_outside_the_api_is_not_json(db: Any) -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_wrong_method_is_405_with_envelope(people: Any, admin_api: APIClient) -> None:
    response = admin_api.put("/api/v1/employees/", {})
    error = assert_envelope(response, 405, "method_not_allowed")
    assert error["details"]["method"] == "PUT"
    assert "GET" in response["Allow"]
    assert_envelope(admin_api.delete("/api/v1/me/"), 405, "method_not_allowed")


def test_throttled_token_endpoint_is_429_with_envelope(db: Any) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    allowed, _period = ScopedRateThrottle().parse_rate(ScopedRateThrottle.THROTTLE_RATES["token_login"])
    assert allowed is not None and allowed <= 100, "the token endpoint must be throttled"
    client = APIClient()
    for _ in range(allowed):
        assert client.post("/api/v1/auth/token/", {}).status_code == 400
    response = client.post("/api/v1/auth/token/", {})
    error = assert_envelope(response, 429, "throttled")
    assert error["details"]["retry_after_seconds"] > 0
    assert int(response["Retry-After"]) > 0
    # The throttle is per address: another client still gets through.
    assert APIClient(REMOTE_ADDR="10.9.8.7").post("/api/v1/auth/token/", {}).status_code == 400


def test_malformed_json_is_400_parse_error(people: Any, admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/employees/", data='{"code": "E9", ', content_type="application/json")
    assert_envelope(response, 400, "parse_error")


def test_unsupported_media_type_is_415_with_envelope(people: Any, admin_api: APIClient) -> None:
    response = admin_api.post("/api/v1/employees/", data="code=E9", content_type="text/plain")
    assert_envelope(response, 415, "unsupported_media_type")


def test_unacceptable_accept_header_is_406_with_envelope(people: Any, admin_api: APIClient) -> None:
    assert_envelope(admin_api.get("/api/v1/employees/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_domain_errors_use_the_envelope(people: Any, admin_api: APIClient) -> None:
    # A rule refused by the service layer (a manager cycle), not by the serializer.
    response = admin_api.patch(f"/api/v1/employees/{people.carla.pk}/", {"manager": str(people.alice.pk)})
    error = assert_envelope(response, 400, "validation_error")
    assert "manager" in error["details"]


# --- Request id -----------------------------------------------------------------------


def test_request_id_is_echoed(people: Any, admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/", HTTP_X_REQUEST_ID="trace-abc.123")
    assert response["X-Request-ID"] == "trace-abc.123"
    # On errors and pages too.
    assert admin_api.get("/api/v1/nope/", HTTP_X_REQUEST_ID="trace-404")["X-Request-ID"] == "trace-404"
    assert Client().get("/accounts/login/", HTTP_X_REQUEST_ID="page-1")["X-Request-ID"] == "page-1"


def test_request_id_is_generated_when_missing_or_unsafe(people: Any, admin_api: APIClient) -> None:
    first = admin_api.get("/api/v1/employees/")["X-Request-ID"]
    second = admin_api.get("/api/v1/employees/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second
    unsafe = admin_api.get("/api/v1/employees/", HTTP_X_REQUEST_ID="evil\tvalue with spaces")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe)
    too_long = admin_api.get("/api/v1/employees/", HTTP_X_REQUEST_ID="a" * 65)["X-Request-ID"]
    assert too_long != "a" * 65


def test_request_id_is_written_into_audit_events(people: Any, admin_api: APIClient) -> None:
    from etime.core.models import AuditEvent

    response = admin_api.post(
        "/api/v1/employees/",
        {"code": "E400", "first_name": "Rita", "last_name": "Request"},
        HTTP_X_REQUEST_ID="req-e400",
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="employee.created", object_id=response.json()["id"])
    assert event.request_id == "req-e400"

    generated = admin_api.patch(f"/api/v1/employees/{response.json()['id']}/", {"first_name": "Rina"})
    event = AuditEvent.objects.get(action="employee.updated", object_id=response.json()["id"])
    assert event.request_id == generated["X-Request-ID"]


# --- Idempotency-Key ------------------------------------------------------------------


def _create(client: APIClient, key: str, **overrides: Any) -> Any:
    payload = {"code": "E500", "first_name": "Ida", "last_name": "Empotent", **overrides}
    return client.post("/api/v1/employees/", payload, HTTP_IDEMPOTENCY_KEY=key)


def test_idempotent_replay_returns_the_first_response_and_creates_nothing(people: Any, admin_api: APIClient) -> None:
    from accounts.models import Employee
    from etime.core.models import AuditEvent

    first = _create(admin_api, "key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    employees, events = Employee.objects.count(), AuditEvent.objects.count()

    replay = _create(admin_api, "key-1")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    assert replay.json()["id"] == first.json()["id"]
    assert Employee.objects.count() == employees
    assert AuditEvent.objects.count() == events
    assert Employee.objects.filter(code="E500").count() == 1


def test_same_idempotency_key_with_a_different_body_is_422(people: Any, admin_api: APIClient) -> None:
    from accounts.models import Employee

    assert _create(admin_api, "key-2").status_code == 201
    response = _create(admin_api, "key-2", code="E501")
    assert_envelope(response, 422, "idempotency_key_reused")
    assert not Employee.objects.filter(code="E501").exists()


def test_without_idempotency_key_a_retry_is_a_second_write(people: Any, admin_api: APIClient) -> None:
    payload = {"code": "E502", "first_name": "No", "last_name": "Key"}
    assert admin_api.post("/api/v1/employees/", payload).status_code == 201
    # The duplicate code is refused by the rules, proving the second request really ran.
    assert_envelope(admin_api.post("/api/v1/employees/", payload), 400, "validation_error")


def test_idempotency_keys_belong_to_their_user(people: Any, token_client: Any) -> None:
    from accounts.models import Role, User

    other_admin = User.objects.create_user(username="otto@example.com", password=PASSWORD, role=Role.ADMIN)
    assert _create(token_client(people.admin), "shared-key").status_code == 201
    response = _create(token_client(other_admin), "shared-key", code="E503")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_a_refused_write_is_replayed_as_refused(people: Any, admin_api: APIClient) -> None:
    from accounts.models import Employee

    first = _create(admin_api, "key-bad", time_zone="Mars/Olympus")
    assert_envelope(first, 400, "validation_error")
    replay = _create(admin_api, "key-bad", time_zone="Mars/Olympus")
    assert replay.status_code == 400
    assert replay.content == first.content
    assert not Employee.objects.filter(code="E500").exists()


# --- Filters --------------------------------------------------------------------------


@pytest.fixture
def hired(people: Any) -> Any:
    from accounts.models import Employee

    dates = {
        "E001": date(2020, 3, 1),
        "E002": date(2021, 6, 15),
        "E003": date(2024, 1, 1),
        "E004": date(2024, 12, 31),
        "E005": date(2025, 2, 1),
        "E006": None,
    }
    for code, hire_date in dates.items():
        Employee.objects.filter(code=code).update(hire_date=hire_date)
    return people


def _codes(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def test_hire_date_range_filter_is_inclusive(hired: Any, admin_api: APIClient) -> None:
    url = "/api/v1/employees/"
    assert _codes(admin_api.get(url, {"hire_date_after": "2024-01-01", "hire_date_before": "2024-12-31"})) == {
        "E003",
        "E004",
    }
    assert _codes(admin_api.get(url, {"hire_date_after": "2024-06-01"})) == {"E004", "E005"}
    assert _codes(admin_api.get(url, {"hire_date_before": "2021-06-15"})) == {"E001", "E002"}


def test_bad_filter_value_is_a_validation_error(hired: Any, admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/", {"hire_date_after": "last tuesday"})
    error = assert_envelope(response, 400, "validation_error")
    assert any(key.startswith("hire_date") for key in error["details"])


def test_department_filter(hired: Any, admin_api: APIClient) -> None:
    from accounts.models import Department

    sales = Department.objects.get(code="SAL")
    assert _codes(admin_api.get("/api/v1/employees/", {"department": str(sales.pk)})) == {"E005", "E006"}


def test_filters_never_widen_what_a_manager_sees(hired: Any, token_client: Any) -> None:
    from accounts.models import Department

    sales = Department.objects.get(code="SAL")
    bob = token_client(hired.bob)
    assert _codes(bob.get("/api/v1/employees/", {"department": str(sales.pk)})) == set()
    assert _codes(bob.get("/api/v1/employees/", {"hire_date_after": "2024-01-01"})) == {"E003", "E004"}


def test_filtered_list_paginates(many_employees: list[str], admin_api: APIClient) -> None:
    response = admin_api.get("/api/v1/employees/", {"q": "Bulk", "limit": "100"})
    assert len(response.json()["results"]) == 100
    rest = admin_api.get(response.json()["next"])
    assert len(rest.json()["results"]) == 20
    assert rest.json()["next"] is None


# --- Schema and docs ------------------------------------------------------------------


def test_schema_is_valid_openapi_3(db: Any) -> None:
    from drf_spectacular.validation import validate_schema

    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises jsonschema.ValidationError when invalid
    for path in (
        "/api/v1/employees/",
        "/api/v1/employees/{id}/",
        "/api/v1/me/",
        "/api/v1/auth/token/",
        "/api/v1/audit-events/",
    ):
        assert path in schema["paths"], path
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    list_params = {p["name"] for p in schema["paths"]["/api/v1/employees/"]["get"]["parameters"]}
    assert {"limit", "cursor", "hire_date_after", "hire_date_before", "department"} <= list_params


def test_docs_page_serves_its_assets_locally(db: Any) -> None:
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for cdn in ("cdn.jsdelivr", "unpkg", "cdnjs", "googleapis"):
        assert cdn not in html
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        body = fetched.getvalue()
        fetched.close()
        assert len(body) > 1000, asset
    # The split view (CSP: no inline script) names the schema in its script, served apart.
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()


def test_a_forged_x_forwarded_for_does_not_dodge_the_token_login_throttle(db: Any) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    allowed, _period = ScopedRateThrottle().parse_rate(ScopedRateThrottle.THROTTLE_RATES["token_login"])
    assert allowed is not None
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(allowed + 1)
    ]
    assert statuses[:allowed] == [400] * allowed
    assert statuses[-1] == 429
