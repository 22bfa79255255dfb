"""Who sees whom: employees themselves, managers their reports transitively, admins all.

The same rule must hold for the API (list, detail, /me/), the self-service pages and
both exports, because the selectors are the one place it lives.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from conftest import PASSWORD

ALL_CODES = {"E001", "E002", "E003", "E004", "E005", "E006"}
VISIBLE = {
    "admin": ALL_CODES,
    "carla": {"E001", "E002", "E003", "E004"},
    "bob": {"E002", "E003", "E004"},
    "alice": {"E003"},
    "amir": {"E004"},
    "mona": {"E005", "E006"},
    "dave": {"E006"},
}
PERSONAS = sorted(VISIBLE)


def _user(people: Any, name: str) -> Any:
    person = getattr(people, name)
    return person if name == "admin" else person.user


def _employees_by_code(people: Any) -> dict[str, Any]:
    return {e.code: e for e in (people.carla, people.bob, people.alice, people.amir, people.mona, people.dave)}


def _session_client(people: Any, name: str) -> Client:
    client = Client()
    client.force_login(_user(people, name))
    return client


def _csv_codes(content: bytes) -> set[str]:
    text = content.decode("utf-8-sig")
    return {row["code"] for row in csv.DictReader(io.StringIO(text))}


# --- API ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_api_list_shows_exactly_the_people_the_caller_may_see(people: Any, token_client: Any, name: str) -> None:
    client = token_client(_user(people, name), scopes=["read:employees"])
    response = client.get("/api/v1/employees/", {"limit": 100})
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert set(codes) == VISIBLE[name]
    assert len(codes) == len(set(codes)), "nobody is listed twice"


@pytest.mark.parametrize("name", PERSONAS)
def test_api_detail_is_404_for_people_the_caller_may_not_see(people: Any, token_client: Any, name: str) -> None:
    client = token_client(_user(people, name), scopes=["read:employees"])
    for code, employee in _employees_by_code(people).items():
        response = client.get(f"/api/v1/employees/{employee.pk}/")
        if code in VISIBLE[name]:
            assert response.status_code == 200, code
            assert response.json()["code"] == code
        else:
            # Never 403: that would confirm the person exists.
            assert response.status_code == 404, code
            assert response.json()["error"]["code"] == "not_found"


def test_manager_sees_reports_transitively(people: Any, token_client: Any) -> None:
    client = token_client(people.carla, scopes=["read:employees"])
    # alice reports to bob, who reports to carla.
    response = client.get(f"/api/v1/employees/{people.alice.pk}/")
    assert response.status_code == 200
    assert response.json()["manager"] == str(people.bob.pk)


def test_a_new_report_of_a_report_becomes_visible_to_the_top_manager(people: Any, token_client: Any) -> None:
    from accounts.services import employee_create

    newcomer = employee_create(
        actor=people.admin, code="E100", first_name="Nico", last_name="New", manager=people.alice
    )
    carla = token_client(people.carla, scopes=["read:employees"])
    mona = token_client(people.mona, scopes=["read:employees"])
    assert carla.get(f"/api/v1/employees/{newcomer.pk}/").status_code == 200
    assert mona.get(f"/api/v1/employees/{newcomer.pk}/").status_code == 404


def test_session_login_sees_the_same_people_as_a_token(people: Any) -> None:
    client = APIClient()
    client.force_login(people.bob.user)
    response = client.get("/api/v1/employees/")
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == VISIBLE["bob"]


@pytest.mark.parametrize("name", [n for n in PERSONAS if n != "admin"])
def test_me_returns_the_callers_own_employee_record(people: Any, token_client: Any, name: str) -> None:
    client = token_client(_user(people, name), scopes=["read:employees"])
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["code"] == getattr(people, name).code
    assert response.json()["id"] == str(getattr(people, name).pk)


def test_me_is_404_for_a_login_without_an_employee_record(people: Any, token_client: Any) -> None:
    response = token_client(people.admin).get("/api/v1/me/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_api_lists_nobody_for_an_employee_role_login_without_a_record(people: Any, token_client: Any) -> None:
    from accounts.models import User

    loner = User.objects.create_user(username="loner@example.com", password=PASSWORD)
    response = token_client(loner).get("/api/v1/employees/")
    assert response.status_code == 200
    assert response.json()["results"] == []


# --- Pages ----------------------------------------------------------------------------

_ROW_CODE = re.compile(r'data-testid="person-row"><td>([^<]+)</td>')


@pytest.mark.parametrize("name", PERSONAS)
def test_people_page_lists_exactly_the_visible_people(people: Any, name: str) -> None:
    response = _session_client(people, name).get("/people/")
    assert response.status_code == 200
    assert set(_ROW_CODE.findall(response.content.decode())) == VISIBLE[name]


@pytest.mark.parametrize("name", PERSONAS)
def test_person_page_is_404_for_people_the_user_may_not_see(people: Any, name: str) -> None:
    client = _session_client(people, name)
    for code, employee in _employees_by_code(people).items():
        response = client.get(f"/people/{employee.pk}/")
        if code in VISIBLE[name]:
            assert response.status_code == 200, code
            assert employee.full_name in response.content.decode()
        else:
            assert response.status_code == 404, code


def test_person_page_for_an_unknown_id_is_404(people: Any) -> None:
    response = _session_client(people, "admin").get(f"/people/{uuid.uuid4()}/")
    assert response.status_code == 404


def test_people_page_logged_in_through_the_login_form(people: Any) -> None:
    client = Client()
    login = client.post("/accounts/login/", {"username": "bob@example.com", "password": PASSWORD})
    assert login.status_code == 302
    response = client.get("/people/")
    assert set(_ROW_CODE.findall(response.content.decode())) == VISIBLE["bob"]


def test_people_page_sends_anonymous_visitors_to_the_login_page(people: Any) -> None:
    response = Client().get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Exports --------------------------------------------------------------------------


@pytest.mark.parametrize("name", PERSONAS)
def test_api_csv_export_contains_exactly_the_visible_people(people: Any, token_client: Any, name: str) -> None:
    client = token_client(_user(people, name), scopes=["read:employees"])
    response = client.get("/api/v1/employees/export/", {"file_format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert _csv_codes(response.content) == VISIBLE[name]


@pytest.mark.parametrize("name", PERSONAS)
def test_page_csv_export_contains_exactly_the_visible_people(people: Any, name: str) -> None:
    response = _session_client(people, name).get("/people/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert _csv_codes(response.content) == VISIBLE[name]


def test_api_export_applies_the_list_filters_within_the_visible_people(people: Any, token_client: Any) -> None:
    client = token_client(people.carla, scopes=["read:employees"])
    response = client.get("/api/v1/employees/export/", {"file_format": "csv", "manager": str(people.bob.pk)})
    assert response.status_code == 200
    assert _csv_codes(response.content) == {"E003", "E004"}
    # Filtering on another manager's team cannot widen what carla sees.
    response = client.get("/api/v1/employees/export/", {"file_format": "csv", "manager": str(people.mona.pk)})
    assert _csv_codes(response.content) == set()


def test_api_export_refuses_an_unknown_format(people: Any, token_client: Any) -> None:
    response = token_client(people.admin).get("/api/v1/employees/export/", {"file_format": "pdf"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "file_format" in response.json()["error"]["details"]


def test_page_export_refuses_an_unknown_format_with_400(people: Any) -> None:
    response = _session_client(people, "admin").get("/people/export/", {"file_format": "pdf"})
    assert response.status_code == 400
    assert "file_format" in response.content.decode()


@pytest.mark.parametrize("url", ["/people/export/", "/api/v1/employees/export/"])
def test_xlsx_export_contains_exactly_the_visible_people(people: Any, url: str) -> None:
    import openpyxl

    response = _session_client(people, "carla").get(url, {"file_format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    code_column = list(rows[0]).index("code")
    assert {row[code_column] for row in rows[1:]} == VISIBLE["carla"]


def test_page_export_follows_the_search_box(people: Any) -> None:
    client = _session_client(people, "carla")
    assert _csv_codes(client.get("/people/export/", {"q": "adept"}).content) == {"E004"}
    assert _csv_codes(client.get("/people/export/", {"q": "Deal"}).content) == set()  # dave is not carla's


# --- Writes ---------------------------------------------------------------------------


def _new_employee_payload(people: Any) -> dict[str, Any]:
    return {"code": "E200", "first_name": "Nora", "last_name": "Newhire", "manager": str(people.bob.pk)}


def test_manager_cannot_create_update_or_delete_employees(people: Any, token_client: Any) -> None:
    from accounts.models import Employee

    client = token_client(people.bob, scopes=["write:employees"])
    created = client.post("/api/v1/employees/", _new_employee_payload(people))
    assert created.status_code == 403
    assert created.json()["error"]["code"] == "permission_denied"
    patched = client.patch(f"/api/v1/employees/{people.alice.pk}/", {"first_name": "Changed"})
    assert patched.status_code == 403
    deleted = client.delete(f"/api/v1/employees/{people.alice.pk}/")
    assert deleted.status_code == 403
    assert not Employee.objects.filter(code="E200").exists()
    people.alice.refresh_from_db()
    assert people.alice.first_name == "Alice"


def test_employee_cannot_change_their_own_record(people: Any, token_client: Any) -> None:
    client = token_client(people.alice, scopes=["write:all"])
    response = client.patch(f"/api/v1/employees/{people.alice.pk}/", {"first_name": "Changed"})
    assert response.status_code == 403
    people.alice.refresh_from_db()
    assert people.alice.first_name == "Alice"


def test_manager_session_cannot_write_employees_either(people: Any) -> None:
    client = APIClient()
    client.force_login(people.carla.user)
    response = client.patch(f"/api/v1/employees/{people.alice.pk}/", {"first_name": "Changed"})
    assert response.status_code == 403


def test_admin_can_create_update_and_delete_employees(people: Any, token_client: Any) -> None:
    from accounts.models import Employee

    client = token_client(people.admin, scopes=["write:employees"])
    created = client.post("/api/v1/employees/", _new_employee_payload(people))
    assert created.status_code == 201, created.json()
    new_id = created.json()["id"]
    assert Employee.objects.get(pk=new_id).manager == people.bob

    patched = client.patch(f"/api/v1/employees/{new_id}/", {"first_name": "Nadia"})
    assert patched.status_code == 200
    assert Employee.objects.get(pk=new_id).first_name == "Nadia"

    deleted = client.delete(f"/api/v1/employees/{new_id}/")
    assert deleted.status_code == 204
    assert not Employee.objects.filter(pk=new_id).exists()
