"""Who may do what: every API operation (from the OpenAPI schema), every page and every export
(from the URL resolver), tried by every persona, against the table below (DESIGN §3).

Personas (conftest ``people``): ``anon``; ``alice`` (employee, owns the world's objects);
``amir`` (another employee of the same team); ``bob`` (alice's manager); ``mona`` (manager
of another team); ``admin``. Every request runs in a savepoint that is rolled back, so each
persona meets the same world. A denied request must be 401/403/404 with the error envelope
and must write no audit event; an allowed one must not be 401/403/404 (nor 5xx).

A route without a row fails ``test_every_*_has_a_row`` with the line to add.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.security.world import at, build_world

pytestmark = pytest.mark.postgres

ANON = "anon"
PERSONAS = ("anon", "alice", "amir", "bob", "mona", "admin")
SIGNED = frozenset({"alice", "amir", "bob", "mona", "admin"})
PUBLIC = SIGNED | {ANON}
ADMIN = frozenset({"admin"})
CHAIN = frozenset({"alice", "bob", "admin"})  # alice, her manager, an admin
MANAGERS = frozenset({"bob", "admin"})  # who may decide/plan for alice
EMPLOYEES = frozenset({"alice", "amir", "bob", "mona"})  # people with an employee record
NOBODY: frozenset[str] = frozenset()
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

World = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """``allow``: personas that get past authorization. ``obj``: world key for ``{id}``.
    ``body``: request body (a function of the world) for writes whose permission depends on it.
    ``sees``: personas whose (list/export) answer includes ``obj`` (by id, or ``marker``)."""

    allow: frozenset[str]
    obj: str | None = None
    body: Callable[[World], dict[str, Any]] | None = None
    sees: frozenset[str] | None = None
    marker: Callable[[World], str] | None = None
    query: str = ""
    multipart: bool = False
    # API.md: an invisible employee/project id in the body is 400 validation_error on that
    # field (as an unknown one is), so existence does not leak; that counts as a denial.
    deny_field: str | None = None
    allowed_5xx: int | None = None


def R(allow: Iterable[str], obj: str | None = None, **kw: Any) -> Row:
    return Row(allow=frozenset(allow), obj=obj, **kw)


def _pk(w: World, key: str) -> str:
    return str(w[key].pk)


# A future date on a working day (timer/punch bodies need "now"-ish times; leave needs notice).
def _monday_in(weeks: int) -> date:
    today = timezone.localdate()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * weeks)


API: dict[str, Row] = {
    # accounts
    "POST /api/v1/auth/token/": R(
        PUBLIC,
        body=lambda w: {"username": "alice@example.com", "password": "correct-horse-battery-staple", "name": "x"},
    ),
    "GET /api/v1/me/": R(EMPLOYEES),  # the admin persona has no employee record: 404
    "GET /api/v1/employees/": R(SIGNED, obj="employee", sees=CHAIN),
    "POST /api/v1/employees/": R(ADMIN),
    "GET /api/v1/employees/export/": R(SIGNED, obj="employee", sees=CHAIN, marker=lambda w: "E003"),
    "GET /api/v1/employees/{id}/": R(CHAIN, obj="employee"),
    "PUT /api/v1/employees/{id}/": R(ADMIN, obj="employee"),
    "PATCH /api/v1/employees/{id}/": R(ADMIN, obj="employee"),
    "DELETE /api/v1/employees/{id}/": R(ADMIN, obj="employee"),
    "POST /api/v1/employees/{id}/invite/": R(ADMIN, obj="employee"),
    "GET /api/v1/departments/": R(SIGNED),
    "POST /api/v1/departments/": R(ADMIN),
    "GET /api/v1/departments/{id}/": R(SIGNED, obj="department"),
    "PUT /api/v1/departments/{id}/": R(ADMIN, obj="department"),
    "PATCH /api/v1/departments/{id}/": R(ADMIN, obj="department"),
    "DELETE /api/v1/departments/{id}/": R(ADMIN, obj="department"),
    "GET /api/v1/locations/": R(SIGNED),
    "POST /api/v1/locations/": R(ADMIN),
    "GET /api/v1/locations/{id}/": R(SIGNED, obj="location"),
    "PUT /api/v1/locations/{id}/": R(ADMIN, obj="location"),
    "PATCH /api/v1/locations/{id}/": R(ADMIN, obj="location"),
    "DELETE /api/v1/locations/{id}/": R(ADMIN, obj="location"),
    # core
    "GET /api/v1/audit-events/": R(ADMIN),
    "GET /api/v1/audit-events/{id}/": R(ADMIN, obj="audit_event"),
    "GET /api/v1/approvals/": R(SIGNED, obj="approval", sees=MANAGERS),  # the inbox: who may decide
    "GET /api/v1/approvals/{id}/": R(CHAIN, obj="approval"),
    "POST /api/v1/approvals/{id}/decide/": R(
        MANAGERS, obj="approval", body=lambda w: {"decision": "approve", "comment": "ok"}
    ),
    # attendance
    "POST /api/v1/attendance/recompute/": R(
        CHAIN, body=lambda w: {"employee": _pk(w, "employee"), "date_from": "2026-03-02", "date_to": "2026-03-02"}
    ),
    "GET /api/v1/attendance/register/": R(SIGNED, query="?month=2026-03"),
    "GET /api/v1/attendance/summary/": R(SIGNED, query="?month=2026-03"),
    "GET /api/v1/shifts/": R(SIGNED),
    "POST /api/v1/shifts/": R(ADMIN),
    "GET /api/v1/shifts/{id}/": R(SIGNED, obj="shift"),
    "PUT /api/v1/shifts/{id}/": R(ADMIN, obj="shift"),
    "PATCH /api/v1/shifts/{id}/": R(ADMIN, obj="shift"),
    "DELETE /api/v1/shifts/{id}/": R(ADMIN, obj="shift"),
    "GET /api/v1/schedules/": R(SIGNED),
    "POST /api/v1/schedules/": R(ADMIN),
    "GET /api/v1/schedules/{id}/": R(SIGNED, obj="schedule"),
    "PUT /api/v1/schedules/{id}/": R(ADMIN, obj="schedule"),
    "PATCH /api/v1/schedules/{id}/": R(ADMIN, obj="schedule"),
    "DELETE /api/v1/schedules/{id}/": R(ADMIN, obj="schedule"),
    "GET /api/v1/schedule-assignments/": R(SIGNED, obj="schedule_assignment", sees=CHAIN),
    "POST /api/v1/schedule-assignments/": R(
        MANAGERS,
        deny_field="employee",
        body=lambda w: {"employee": _pk(w, "employee"), "schedule": _pk(w, "schedule"), "start_date": "2030-01-01"},
    ),
    "GET /api/v1/schedule-assignments/{id}/": R(CHAIN, obj="schedule_assignment"),
    "PUT /api/v1/schedule-assignments/{id}/": R(
        MANAGERS,
        obj="schedule_assignment",
        body=lambda w: {"employee": _pk(w, "employee"), "schedule": _pk(w, "schedule"), "start_date": "2026-01-01"},
    ),
    "PATCH /api/v1/schedule-assignments/{id}/": R(MANAGERS, obj="schedule_assignment", body=lambda w: {}),
    "DELETE /api/v1/schedule-assignments/{id}/": R(MANAGERS, obj="schedule_assignment"),
    "GET /api/v1/shift-overrides/": R(SIGNED, obj="shift_override", sees=CHAIN),
    "POST /api/v1/shift-overrides/": R(
        MANAGERS,
        deny_field="employee",
        body=lambda w: {"employee": _pk(w, "employee"), "date": "2026-09-01", "shift": None, "reason": "x"},
    ),
    "GET /api/v1/shift-overrides/{id}/": R(CHAIN, obj="shift_override"),
    "PUT /api/v1/shift-overrides/{id}/": R(
        MANAGERS,
        obj="shift_override",
        body=lambda w: {"employee": _pk(w, "employee"), "date": "2026-03-03", "shift": None, "reason": "y"},
    ),
    "PATCH /api/v1/shift-overrides/{id}/": R(MANAGERS, obj="shift_override", body=lambda w: {"reason": "z"}),
    "DELETE /api/v1/shift-overrides/{id}/": R(MANAGERS, obj="shift_override"),
    "GET /api/v1/shift-swaps/": R(SIGNED, obj="shift_swap", sees=CHAIN | {"amir"}),
    "POST /api/v1/shift-swaps/": R(SIGNED),  # for yourself; validity is the body's business
    "GET /api/v1/shift-swaps/{id}/": R(CHAIN | {"amir"}, obj="shift_swap"),
    # A swap waits first for its counterpart's consent (amir): nobody, not even an admin, consents for them.
    "POST /api/v1/shift-swaps/{id}/approve/": R(
        frozenset({"amir"}), obj="shift_swap", body=lambda w: {"comment": "ok"}
    ),
    "POST /api/v1/shift-swaps/{id}/reject/": R(frozenset({"amir"}), obj="shift_swap", body=lambda w: {"comment": "no"}),
    "POST /api/v1/shift-swaps/{id}/return/": R(
        frozenset({"amir"}), obj="shift_swap", body=lambda w: {"comment": "why"}
    ),
    "POST /api/v1/shift-swaps/{id}/cancel/": R(frozenset({"alice", "admin"}), obj="shift_swap"),
    "GET /api/v1/punches/": R(SIGNED, obj="punch", sees=CHAIN),
    "POST /api/v1/punches/": R(EMPLOYEES | ADMIN, body=lambda w: {"timestamp": timezone.now().isoformat()}),
    "GET /api/v1/punches/{id}/": R(CHAIN, obj="punch"),
    "GET /api/v1/attendance-days/": R(SIGNED, obj="attendance_day", sees=CHAIN),
    "GET /api/v1/attendance-days/export/": R(SIGNED, obj="attendance_day", sees=CHAIN, marker=lambda w: "E003"),
    "GET /api/v1/attendance-days/{id}/": R(CHAIN, obj="attendance_day"),
    "GET /api/v1/regularisations/": R(SIGNED, obj="regularisation", sees=CHAIN),
    "POST /api/v1/regularisations/": R(SIGNED),
    "GET /api/v1/regularisations/{id}/": R(CHAIN, obj="regularisation"),
    "POST /api/v1/regularisations/{id}/approve/": R(MANAGERS, obj="regularisation", body=lambda w: {"comment": "ok"}),
    "POST /api/v1/regularisations/{id}/reject/": R(MANAGERS, obj="regularisation", body=lambda w: {"comment": "no"}),
    "POST /api/v1/regularisations/{id}/return/": R(MANAGERS, obj="regularisation", body=lambda w: {"comment": "?"}),
    "POST /api/v1/regularisations/{id}/cancel/": R(frozenset({"alice", "admin"}), obj="regularisation"),
    "GET /api/v1/attendance-locks/": R(ADMIN),
    "POST /api/v1/attendance-locks/": R(ADMIN),
    "GET /api/v1/attendance-locks/{id}/": R(ADMIN, obj="attendance_lock"),
    "DELETE /api/v1/attendance-locks/{id}/": R(ADMIN, obj="attendance_lock"),
    "GET /api/v1/manual-day-statuses/": R(SIGNED, obj="manual_day_status", sees=CHAIN),
    "POST /api/v1/manual-day-statuses/": R(
        MANAGERS,
        body=lambda w: {
            "employee": _pk(w, "employee"),
            "date": "2026-03-06",
            "status": "present",
            "reason": "Trade fair",
        },
        deny_field="employee",
    ),
    "GET /api/v1/manual-day-statuses/{id}/": R(CHAIN, obj="manual_day_status"),
    "DELETE /api/v1/manual-day-statuses/{id}/": R(MANAGERS, obj="manual_day_status"),
    "GET /api/v1/punch-direction-rules/": R(ADMIN),
    "POST /api/v1/punch-direction-rules/": R(ADMIN, body=lambda w: {"location": _pk(w, "location"), "mode": "in_out"}),
    "GET /api/v1/punch-direction-rules/{id}/": R(ADMIN, obj="punch_direction_rule"),
    "PUT /api/v1/punch-direction-rules/{id}/": R(
        ADMIN,
        obj="punch_direction_rule",
        body=lambda w: {"device_id": str(w["punch_direction_rule"].device_id), "mode": "alternating"},
    ),
    "PATCH /api/v1/punch-direction-rules/{id}/": R(
        ADMIN, obj="punch_direction_rule", body=lambda w: {"mode": "device_state"}
    ),
    "DELETE /api/v1/punch-direction-rules/{id}/": R(ADMIN, obj="punch_direction_rule"),
    # devices: admins only
    "GET /api/v1/devices/": R(ADMIN),
    "POST /api/v1/devices/": R(ADMIN),
    "GET /api/v1/devices/{id}/": R(ADMIN, obj="device"),
    "PUT /api/v1/devices/{id}/": R(ADMIN, obj="device"),
    "PATCH /api/v1/devices/{id}/": R(ADMIN, obj="device"),
    "DELETE /api/v1/devices/{id}/": R(ADMIN, obj="device"),
    "POST /api/v1/devices/{id}/sync/": R(ADMIN, obj="device", allowed_5xx=502),  # nothing listens: device_unreachable
    "GET /api/v1/devices/{id}/sync-runs/": R(ADMIN, obj="device"),
    # client devices (installed apps): their owner and admins; the offline queue takes a device
    # credential, never a session or token (devices/tests/test_client_devices.py)
    "GET /api/v1/client-devices/": R(SIGNED, obj="client_device", sees=frozenset({"alice", "admin"})),
    "POST /api/v1/client-devices/": R(EMPLOYEES),  # the admin persona has no employee record: 404
    "GET /api/v1/client-devices/{id}/": R({"alice", "admin"}, obj="client_device"),
    "POST /api/v1/client-devices/{id}/revoke/": R({"alice", "admin"}, obj="client_device"),
    "POST /api/v1/client-devices/contact/": R(NOBODY),
    "POST /api/v1/offline-actions/": R(NOBODY),
    # kiosks (devices/tests/test_kiosk.py): the pairing code is the only key to the credential, and
    # punching takes the kiosk's device credential, never a session or token
    "POST /api/v1/kiosk/pair/": R(NOBODY, body=lambda w: {"code": "no-code"}),
    "POST /api/v1/kiosk/punches/": R(NOBODY),
    # leave
    "GET /api/v1/leave-types/": R(SIGNED),
    "POST /api/v1/leave-types/": R(ADMIN),
    "GET /api/v1/leave-types/{id}/": R(SIGNED, obj="leave_type"),
    "PUT /api/v1/leave-types/{id}/": R(ADMIN, obj="leave_type"),
    "PATCH /api/v1/leave-types/{id}/": R(ADMIN, obj="leave_type"),
    "DELETE /api/v1/leave-types/{id}/": R(ADMIN, obj="leave_type"),
    "GET /api/v1/leave-policies/": R(SIGNED),
    "POST /api/v1/leave-policies/": R(ADMIN),
    "GET /api/v1/leave-policies/{id}/": R(SIGNED, obj="leave_policy"),
    "PUT /api/v1/leave-policies/{id}/": R(ADMIN, obj="leave_policy"),
    "PATCH /api/v1/leave-policies/{id}/": R(ADMIN, obj="leave_policy"),
    "DELETE /api/v1/leave-policies/{id}/": R(ADMIN, obj="leave_policy"),
    "GET /api/v1/leave-policy-assignments/": R(ADMIN),
    "POST /api/v1/leave-policy-assignments/": R(ADMIN),
    "GET /api/v1/leave-policy-assignments/{id}/": R(ADMIN, obj="leave_policy_assignment"),
    "DELETE /api/v1/leave-policy-assignments/{id}/": R(ADMIN, obj="leave_policy_assignment"),
    "GET /api/v1/holiday-calendars/": R(SIGNED),
    "POST /api/v1/holiday-calendars/": R(ADMIN),
    "GET /api/v1/holiday-calendars/{id}/": R(SIGNED, obj="holiday_calendar"),
    "GET /api/v1/holiday-calendars/{id}/days/": R(SIGNED, obj="holiday_calendar", query="?year=2026"),
    "POST /api/v1/holiday-calendars/{id}/days/": R(ADMIN, obj="holiday_calendar"),
    "GET /api/v1/leave-requests/": R(SIGNED, obj="leave_request", sees=CHAIN),
    "POST /api/v1/leave-requests/": R(SIGNED),
    "GET /api/v1/leave-requests/{id}/": R(CHAIN, obj="leave_request"),
    "POST /api/v1/leave-requests/{id}/approve/": R(MANAGERS, obj="leave_request", body=lambda w: {"comment": "ok"}),
    "POST /api/v1/leave-requests/{id}/reject/": R(MANAGERS, obj="leave_request", body=lambda w: {"comment": "no"}),
    "POST /api/v1/leave-requests/{id}/return/": R(MANAGERS, obj="leave_request", body=lambda w: {"comment": "?"}),
    "POST /api/v1/leave-requests/{id}/cancel/": R(frozenset({"alice", "admin"}), obj="leave_request"),
    # withdraw is for approved leave: on a pending one the allowed get a 409, the others a denial.
    "POST /api/v1/leave-requests/{id}/withdraw/": R(MANAGERS, obj="leave_request", body=lambda w: {"comment": "x"}),
    "GET /api/v1/leave-allocations/": R(ADMIN),
    "POST /api/v1/leave-allocations/": R(ADMIN),
    "GET /api/v1/leave-allocations/{id}/": R(ADMIN, obj="leave_allocation"),
    "GET /api/v1/leave-balances/": R(SIGNED, obj="employee", sees=CHAIN),
    "GET /api/v1/leave-ledger/": R(SIGNED, obj="leave_ledger", sees=CHAIN),
    "GET /api/v1/leave-ledger/{id}/": R(CHAIN, obj="leave_ledger"),
    # time tracking
    "GET /api/v1/clients/": R(SIGNED),
    "POST /api/v1/clients/": R(ADMIN),
    "GET /api/v1/clients/{id}/": R(SIGNED, obj="client"),
    "PUT /api/v1/clients/{id}/": R(ADMIN, obj="client"),
    "PATCH /api/v1/clients/{id}/": R(ADMIN, obj="client"),
    "DELETE /api/v1/clients/{id}/": R(ADMIN, obj="client"),
    "GET /api/v1/projects/": R(SIGNED),
    "POST /api/v1/projects/": R(ADMIN),
    "GET /api/v1/projects/{id}/": R(SIGNED, obj="project"),
    "PUT /api/v1/projects/{id}/": R(ADMIN, obj="project"),
    "PATCH /api/v1/projects/{id}/": R(ADMIN, obj="project"),
    "DELETE /api/v1/projects/{id}/": R(ADMIN, obj="project"),
    "GET /api/v1/tasks/": R(SIGNED),
    "POST /api/v1/tasks/": R(ADMIN),
    "GET /api/v1/tasks/{id}/": R(SIGNED, obj="task"),
    "PUT /api/v1/tasks/{id}/": R(ADMIN, obj="task"),
    "PATCH /api/v1/tasks/{id}/": R(ADMIN, obj="task"),
    "DELETE /api/v1/tasks/{id}/": R(ADMIN, obj="task"),
    "GET /api/v1/rates/": R(ADMIN),
    "POST /api/v1/rates/": R(ADMIN),
    "GET /api/v1/rates/{id}/": R(ADMIN, obj="rate"),
    "DELETE /api/v1/rates/{id}/": R(ADMIN, obj="rate"),
    "GET /api/v1/time-entries/": R(SIGNED, obj="time_entry", sees=CHAIN),
    "POST /api/v1/time-entries/": R(
        CHAIN,
        deny_field="employee",
        body=lambda w: {
            "employee": _pk(w, "employee"),
            "project": _pk(w, "project"),
            "start": at(date(2026, 2, 3), 8).isoformat(),
            "end": at(date(2026, 2, 3), 9).isoformat(),
        },
    ),
    "POST /api/v1/time-entries/approve/": R(MANAGERS, body=lambda w: {"ids": [_pk(w, "time_entry")]}),
    "GET /api/v1/time-entries/deletions/": R(SIGNED),
    "GET /api/v1/time-entries/export/": R(SIGNED, obj="time_entry", sees=CHAIN, marker=lambda w: "Website"),
    "POST /api/v1/time-entries/import/": R(SIGNED, multipart=True),
    "GET /api/v1/time-entries/{id}/": R(CHAIN, obj="time_entry"),
    "PUT /api/v1/time-entries/{id}/": R(CHAIN, obj="time_entry"),
    "PATCH /api/v1/time-entries/{id}/": R(CHAIN, obj="time_entry", body=lambda w: {"description": "x"}),
    "DELETE /api/v1/time-entries/{id}/": R(CHAIN, obj="time_entry"),
    "GET /api/v1/timer/": R(EMPLOYEES),
    "POST /api/v1/timer/start/": R(EMPLOYEES, body=lambda w: {"project": _pk(w, "project")}),
    "POST /api/v1/timer/stop/": R(EMPLOYEES),
    "POST /api/v1/timer/continue/": R(frozenset({"alice"}), body=lambda w: {"entry": _pk(w, "time_entry")}),
    "GET /api/v1/timer/preferences/": R(EMPLOYEES),
    "PUT /api/v1/timer/preferences/": R(EMPLOYEES, body=lambda w: {"short_timers": "discard"}),
    "GET /api/v1/notifications/": R(
        SIGNED, obj="in_app_notification", sees=frozenset({"alice"}), marker=lambda w: "Matrix notice for Alice"
    ),
    "GET /api/v1/notifications/{id}/": R(frozenset({"alice"}), obj="in_app_notification"),
    "POST /api/v1/notifications/{id}/read/": R(frozenset({"alice"}), obj="in_app_notification"),
    "POST /api/v1/notifications/read-all/": R(SIGNED),
    "GET /api/v1/timesheets/": R(SIGNED, obj="timesheet", sees=CHAIN),
    "POST /api/v1/timesheets/submit/": R(EMPLOYEES, body=lambda w: {"week": str(_monday_in(1))}),
    "GET /api/v1/timesheets/{id}/": R(CHAIN, obj="timesheet"),
    "POST /api/v1/timesheets/{id}/approve/": R(MANAGERS, obj="timesheet"),
    "POST /api/v1/timesheets/{id}/return/": R(MANAGERS, obj="timesheet", body=lambda w: {"comment": "fix"}),
    "GET /api/v1/reports/time/": R(SIGNED),
    "GET /api/v1/reports/budget/": R(frozenset({"bob", "mona", "admin"})),
    # billing (issue 7): administrators and the finance group (BillingAccess)
    "GET /api/v1/expense-categories/": R(ADMIN),
    "GET /api/v1/expense-categories/{id}/": R(ADMIN, obj="expense_category"),
    "PATCH /api/v1/expense-categories/{id}/": R(ADMIN, obj="expense_category"),
    "DELETE /api/v1/expense-categories/{id}/": R(ADMIN, obj="expense_category"),
    "POST /api/v1/expense-categories/": R(ADMIN),
    "GET /api/v1/mileage-rates/": R(ADMIN),
    "GET /api/v1/mileage-rates/{id}/": R(ADMIN, obj="mileage_rate"),
    "PATCH /api/v1/mileage-rates/{id}/": R(ADMIN, obj="mileage_rate"),
    "DELETE /api/v1/mileage-rates/{id}/": R(ADMIN, obj="mileage_rate"),
    "POST /api/v1/mileage-rates/": R(ADMIN),
    "GET /api/v1/per-diem-rates/": R(ADMIN),
    "GET /api/v1/per-diem-rates/{id}/": R(ADMIN, obj="per_diem_rate"),
    "PATCH /api/v1/per-diem-rates/{id}/": R(ADMIN, obj="per_diem_rate"),
    "DELETE /api/v1/per-diem-rates/{id}/": R(ADMIN, obj="per_diem_rate"),
    "POST /api/v1/per-diem-rates/": R(ADMIN),
    "GET /api/v1/expense-vendors/": R(ADMIN),
    "GET /api/v1/expense-vendors/{id}/": R(ADMIN, obj="expense_vendor"),
    "PATCH /api/v1/expense-vendors/{id}/": R(ADMIN, obj="expense_vendor"),
    "DELETE /api/v1/expense-vendors/{id}/": R(ADMIN, obj="expense_vendor"),
    "POST /api/v1/expense-vendors/": R(ADMIN),
    "GET /api/v1/expenses/": R(ADMIN),
    "GET /api/v1/expenses/{id}/": R(ADMIN, obj="expense"),
    "PATCH /api/v1/expenses/{id}/": R(ADMIN, obj="expense"),
    "DELETE /api/v1/expenses/{id}/": R(ADMIN, obj="expense"),
    "POST /api/v1/expenses/": R(ADMIN),
    "GET /api/v1/invoice-lines/": R(ADMIN),
    "GET /api/v1/invoice-lines/{id}/": R(ADMIN, obj="invoice_line"),
    "PATCH /api/v1/invoice-lines/{id}/": R(ADMIN, obj="invoice_line"),
    "DELETE /api/v1/invoice-lines/{id}/": R(ADMIN, obj="invoice_line"),
    "POST /api/v1/invoice-lines/": R(ADMIN),
    "GET /api/v1/invoices/": R(ADMIN),
    "GET /api/v1/invoices/{id}/": R(ADMIN, obj="invoice"),
    "PATCH /api/v1/invoices/{id}/": R(ADMIN, obj="invoice"),
    "DELETE /api/v1/invoices/{id}/": R(ADMIN, obj="invoice"),
    "POST /api/v1/invoices/": R(ADMIN),
    "GET /api/v1/payments/": R(ADMIN),
    "GET /api/v1/payments/{id}/": R(ADMIN, obj="payment"),
    "DELETE /api/v1/payments/{id}/": R(ADMIN, obj="payment"),
    "POST /api/v1/payments/": R(ADMIN),
    "GET /api/v1/expenses/export/": R(ADMIN),
    "GET /api/v1/expenses/{id}/receipt/": R(ADMIN, obj="expense_with_receipt"),
    "GET /api/v1/invoices/export/": R(ADMIN),
    "GET /api/v1/invoices/journal/": R(ADMIN),
    "GET /api/v1/invoices/register/": R(ADMIN),
    "GET /api/v1/invoices/{id}/cii/": R(ADMIN, obj="invoice"),
    "GET /api/v1/invoices/{id}/pdf/": R(ADMIN, obj="invoice"),
    "GET /api/v1/payments/export/": R(ADMIN),
    "GET /api/v1/reports/billing/": R(ADMIN),
    "POST /api/v1/invoices/{id}/credit-note/": R(ADMIN, obj="issued_invoice"),
    "POST /api/v1/invoices/{id}/discount/": R(ADMIN, obj="invoice"),
    "POST /api/v1/invoices/{id}/issue/": R(ADMIN, obj="invoice"),
    "POST /api/v1/invoices/{id}/regenerate/": R(ADMIN, obj="invoice"),
    "POST /api/v1/invoices/{id}/void/": R(ADMIN, obj="issued_invoice"),
    # operations (issue 9): a job is its starter's (admins see all); settings are read by all, written by admins
    "GET /api/v1/jobs/{id}/": R(ADMIN, obj="job"),
    "GET /api/v1/settings/": R(SIGNED),
    "PATCH /api/v1/settings/": R(ADMIN),
    "PUT /api/v1/settings/": R(ADMIN),
}

# Pages and exports outside /api/ (from the URL resolver). ``allow`` = who gets the page
# (2xx or a redirect that is not to the login page); the others get 302 to login (anon)
# or 403/404.
PAGES: dict[str, Row] = {
    "GET /": R(SIGNED),
    "GET /healthz": R(PUBLIC),
    "GET /admin/login/": R(PUBLIC),
    "GET /accounts/login/": R(PUBLIC),
    # single sign-on (issue 21): the pages allauth's flows end on when a sign-in cannot go on
    "GET /accounts/sso/inactive/": R(PUBLIC),
    "GET /accounts/sso/cancelled/": R(PUBLIC),
    "GET /accounts/password/change/": R(SIGNED),
    "GET /accounts/password/change/done/": R(SIGNED),
    "GET /accounts/set-password/done/": R(PUBLIC),
    "GET /accounts/password/reset/": R(PUBLIC),
    "GET /accounts/password/reset/sent/": R(PUBLIC),
    "GET /accounts/password/reset/complete/": R(PUBLIC),
    "GET /favicon.ico": R(PUBLIC),
    "GET /manifest.webmanifest": R(PUBLIC),
    "GET /sw.js": R(PUBLIC),
    "GET /kiosk/": R(PUBLIC),  # the kiosk page; it can do nothing before it is paired
    "GET /profile/": R(SIGNED),
    "POST /profile/tokens/": R(SIGNED),
    "POST /profile/kiosk-pin/": R(SIGNED),
    # two-factor (issue 21): each person's own; without a second factor they lead back to the profile
    "GET /accounts/two-factor/": R(SIGNED),
    "GET /accounts/two-factor/setup/": R(SIGNED),
    "GET /accounts/two-factor/recovery-codes/": R(SIGNED),
    "GET /accounts/two-factor/recovery-codes/download/": R(SIGNED),
    "POST /accounts/two-factor/recovery-codes/new/": R(SIGNED),
    "POST /accounts/two-factor/disable/": R(SIGNED),
    "GET /people/": R(SIGNED),
    "GET /people/export/": R(SIGNED, obj="employee", sees=CHAIN, marker=lambda w: "E003"),
    "GET /people/{employee_id}/": R(CHAIN, obj="employee"),
    "GET /attendance/": R(SIGNED),
    "POST /attendance/punch/": R(EMPLOYEES),
    "GET /attendance/corrections/new/": R(EMPLOYEES),
    "GET /attendance/swaps/new/": R(EMPLOYEES),
    # The register shows whom you may see: yourself, your reports (transitively), all (admins).
    # Marked by alice's code (a register row): her name also shows, rightly, in amir's "waiting
    # for your decision" list, since he must consent to the swap she asked him for.
    "GET /attendance/team/": R(SIGNED, obj="employee", sees=CHAIN, marker=lambda w: "E003"),
    "GET /attendance/team/export/": R(
        SIGNED,
        obj="employee",
        sees=CHAIN,
        marker=lambda w: "E003",
        query="?month=2026-03",
    ),
    "GET /leave/": R(SIGNED),
    "POST /leave/requests/": R(EMPLOYEES),
    "POST /leave/requests/{request_id}/cancel/": R(frozenset({"alice", "admin"}), obj="leave_request"),
    "POST /leave/requests/{request_id}/decide/": R(
        MANAGERS, obj="leave_request", body=lambda w: {"decision": "approve"}
    ),
    "GET /leave/calendar/": R(SIGNED),
    "POST /leave/feeds/": R(EMPLOYEES),
    # self-service (issue 8)
    "GET /inbox/": R(SIGNED),
    # issue 23: a request on its own page; seen as through the API, decided by who may decide
    "GET /inbox/{approval_id}/": R(CHAIN, obj="approval"),
    "POST /inbox/{approval_id}/": R(MANAGERS, obj="approval", body=lambda w: {"decision": "approve"}),
    "GET /palette/search/": R(SIGNED),
    "GET /attendance/team/today/": R(SIGNED),
    "GET /attendance/team/{employee_id}/": R(CHAIN, obj="employee"),
    "POST /attendance/team/{employee_id}/day-status/": R(
        MANAGERS, obj="employee", body=lambda w: {"date": "2026-03-06", "status": "present", "reason": "Trade fair"}
    ),
    "GET /leave/ledger/{leave_type_id}/": R(EMPLOYEES, obj="leave_type"),
    "POST /leave/requests/preview/": R(SIGNED),  # a login without an employee record is told so
    "GET /time/": R(EMPLOYEES),
    "POST /time/timer/start/": R(EMPLOYEES),
    "POST /time/timer/stop/": R(EMPLOYEES),
    "GET /time/timer/header/": R(EMPLOYEES),
    "POST /time/timer/preference/": R(EMPLOYEES),
    "POST /time/entries/{entry_id}/continue/": R(frozenset({"alice"}), obj="time_entry"),
    "GET /time/week/": R(EMPLOYEES),
    "GET /time/calendar/": R(EMPLOYEES),
    "POST /time/week/submit/": R(EMPLOYEES),
    "POST /time/week/duplicate/": R(EMPLOYEES),
    "GET /time/entries/new/": R(EMPLOYEES),
    "GET /time/entries/{entry_id}/": R(frozenset({"alice"}), obj="time_entry"),
    "POST /time/entries/{entry_id}/delete/": R(frozenset({"alice"}), obj="time_entry"),
    "GET /time/people/{employee_id}/week/": R(CHAIN, obj="employee"),
    # a project's budget page (budget alerts link there): its managers (none in the world) and admins
    "GET /time/projects/{project_id}/budget/": R(ADMIN, obj="project"),
    # operations (issue 9): liveness for load balancers; readiness is 503 while no worker runs
    "GET /health/": R(PUBLIC),
    "GET /health/ready/": R(PUBLIC, allowed_5xx=503),
    "GET /profile/notifications/": R(SIGNED),
    "GET /notifications/": R(
        SIGNED, obj="in_app_notification", sees=frozenset({"alice"}), marker=lambda w: "Matrix notice for Alice"
    ),
    "GET /notifications/bell/": R(SIGNED),
    "POST /notifications/read-all/": R(SIGNED),
    "POST /notifications/{notification_id}/open/": R(frozenset({"alice"}), obj="in_app_notification"),
    "POST /notifications/{notification_id}/read/": R(frozenset({"alice"}), obj="in_app_notification"),
    "GET /api/schema/": R(PUBLIC),
    "GET /api/docs/": R(PUBLIC),
    "GET /api/redoc/": R(PUBLIC),
}

# Pages covered by their own tests (a secret or a one-time link is the credential), or by
# Django's admin, or by the device protocol (devices authenticate by serial number).
PAGES_ELSEWHERE = {
    "/accounts/oidc/{provider_id}/login/": "tests/sso/test_oidc_login.py (starts a sign-in at the provider; anyone may)",
    "/accounts/oidc/{provider_id}/login/callback/": "tests/sso/test_oidc_login.py (state, nonce, matching, refusals)",
    "/accounts/logout/": "Django's LogoutView (POST only; ends the session, then redirects to the login page)",
    "/accounts/set-password/{uidb64}/{token}/": "accounts/tests (one-time token link)",
    "/accounts/password/reset/{uidb64}/{token}/": "accounts/tests/test_password_reset.py (one-time token link)",
    "/profile/tokens/{token_id}/revoke/": "test_token_revoke_page_only_revokes_own_tokens below",
    "/profile/devices/{device_id}/revoke/": "devices/tests/test_client_devices.py (the owner's only)",
    "/leave/feeds/{feed_id}/revoke/": "leave/tests/test_pages.py (feeds are the owner's)",
    "/leave/feeds/{token}.ics": "leave/tests (the secret in the URL is the credential)",
    "/attendance/requests/{approval_id}/{decision}/": "attendance/tests/test_pages.py (approver only)",
    "/iclock/cdata": "devices/tests/test_adms.py, test_adms_trust.py (serial and network; fuzzed as each persona)",
    "/iclock/getrequest": "devices/tests/test_adms.py",
    "/iclock/devicecmd": "devices/tests/test_adms.py",
    "/iclock/ping": "devices/tests/test_push_replay.py (serial and network), test_adms_trust.py (fuzzed as each persona)",
    "/iclock/fdata": "devices/tests/test_push_replay.py (serial and network), test_adms_trust.py (fuzzed as each persona)",
    "/iclock/registry": "devices/tests/test_push_replay.py (serial and network), test_adms_trust.py (fuzzed as each persona)",
    "/iclock/push": "devices/tests/test_push_replay.py (serial and network), test_adms_trust.py (fuzzed as each persona)",
    "/metrics": "etime/core/tests/test_metrics.py (a bearer token or an allow-listed address; 403, or 404 when off)",
    "/time/week/grid/": "timesheets/tests/test_week_grid.py (POST; the caller's own open week only)",
    "/time/week/copy/": "timesheets/tests/test_week_grid.py (POST; the caller's own week)",
    "/time/week/bulk/": "timesheets/tests/test_week_grid.py (POST; the caller's own entries, all or nothing)",
    "/time/calendar/feed/": "timesheets/tests/test_week_grid.py (the caller's own entries and punches)",
    "/time/calendar/entries/": "timesheets/tests/test_week_grid.py (POST; creates the caller's own entry)",
    "/time/calendar/entries/{entry_id}/": "timesheets/tests/test_week_grid.py (POST; another person's entry is 404)",
}


# --- discovery -------------------------------------------------------------------------------


def api_operations() -> list[str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    ops = []
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                ops.append(f"{method.upper()} {path}")
    return sorted(ops)


def page_routes() -> list[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: Any, prefix: str) -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    routes = set()
    for raw in walk(get_resolver().url_patterns, ""):
        if raw.startswith(("api/v1/", "admin/")) and raw != "admin/login/":
            continue
        route = raw.lstrip("^").replace("(?:\\.aspx)?/?$", "").rstrip("$")
        route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        routes.add("/" + route)
    return sorted(routes)


def test_every_api_operation_has_a_row(db: Any) -> None:
    operations = api_operations()  # one schema generation: it takes a fraction of a second each
    missing = [op for op in operations if op not in API]
    assert not missing, (
        "API operations without a row in tests/security/test_authz_matrix.py API table; add one per "
        "operation, e.g.\n"
        + "\n".join(f'    "{op}": R(ADMIN, obj="<world key>"),' for op in missing)
        + "\n(allow: who gets past authorization; obj: the world object for {id}, built in tests/security/world.py)"
    )
    stale = [op for op in API if op not in operations]
    assert not stale, f"rows for operations that no longer exist: {stale}"


def test_every_page_has_a_row(db: Any) -> None:
    covered = {key.split(" ", 1)[1] for key in PAGES} | set(PAGES_ELSEWHERE)
    missing = [route for route in page_routes() if route not in covered]
    assert not missing, (
        "Pages without a row in tests/security/test_authz_matrix.py PAGES table; add one per page, e.g.\n"
        + "\n".join(f'    "GET {route}": R(SIGNED),' for route in missing)
        + "\n(or list the route in PAGES_ELSEWHERE with the test that covers it)"
    )


# --- running the table -----------------------------------------------------------------------


@pytest.fixture
def world(people: Any) -> World:
    return build_world(people)


def _user(people: Any, persona: str) -> Any:
    person = getattr(people, "admin" if persona == "admin" else persona)
    return person if persona == "admin" else person.user


def _path(key: str, row: Row, world: World) -> tuple[str, str]:
    method, path = key.split(" ", 1)
    if "{" in path:
        assert row.obj, f"{key}: the row needs obj= for the path parameter"
        path = re.sub(r"\{\w+\}", str(world[row.obj].pk), path)
    return method, path + row.query


def _is_envelope(response: Any) -> bool:
    try:
        data = response.json()
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("error"), dict) and bool(data["error"].get("code"))


def _audit_count() -> int:
    from etime.core.models import AuditEvent

    return AuditEvent.objects.count()


def _call(client: Any, method: str, path: str, row: Row, world: World, *, json_api: bool) -> Any:
    body = row.body(world) if row.body else {}
    fn = getattr(client, method.lower())
    if method == "GET":
        return fn(path)
    if row.multipart:
        return fn(path, {"dry_run": "true"})
    if json_api:
        return fn(path, body, format="json")
    return fn(path, body)


def _check(key: str, persona: str, row: Row, response: Any, wrote: int, world: World, *, api: bool) -> list[str]:
    status = response.status_code
    allowed = persona in row.allow
    problems = []
    if status >= 500 and not (allowed and status == row.allowed_5xx):
        return [f"{key} as {persona}: {status} (server error)"]
    if allowed:
        login_redirect = status == 302 and "/login" in response.get("Location", "")
        if status in (401, 403, 404) or login_redirect:
            problems.append(f"{key} as {persona}: expected allowed, got {status} {response.content[:200]!r}")
        elif row.sees is not None and status == 200:
            text = response.content.decode("utf-8", "replace")
            marker = row.marker(world) if row.marker else str(world[row.obj].pk)  # type: ignore[index]
            if (marker in text) != (persona in row.sees):
                problems.append(
                    f"{key} as {persona}: {'sees' if marker in text else 'does not see'} alice's object; "
                    f"expected {'to see' if persona in row.sees else 'not to see'} it"
                )
    else:
        if api or persona != ANON:
            field_denial = (
                row.deny_field is not None and status == 400 and row.deny_field in response.json()["error"]["details"]
            )
            # A page form refused redirects back with a message (and writes nothing).
            page_refusal = not api and status == 302 and response.request["REQUEST_METHOD"] == "POST"
            if status not in (401, 403, 404) and not field_denial and not page_refusal:
                problems.append(f"{key} as {persona}: expected denied, got {status} {response.content[:200]!r}")
            elif api and not _is_envelope(response):
                problems.append(f"{key} as {persona}: denial without the error envelope")
        elif not (status == 302 and "/login" in response.get("Location", "")):
            problems.append(f"{key} as anon: expected a redirect to the login page, got {status}")
        if wrote:
            problems.append(f"{key} as {persona}: denied, yet wrote {wrote} audit event(s)")
    return problems


def _run_rows(
    rows: dict[str, Row], clients: dict[str, Any], world: World, *, api: bool, people: Any = None
) -> list[str]:
    problems: list[str] = []
    for key, row in rows.items():
        method, path = _path(key, row, world)
        for persona in PERSONAS:
            with transaction.atomic():
                if people is not None and persona != ANON:
                    clients[persona].force_login(_user(people, persona), backend=MODEL_BACKEND)
                before = _audit_count()
                response = _call(clients[persona], method, path, row, world, json_api=api)
                wrote = _audit_count() - before
                transaction.set_rollback(True)
            problems += _check(key, persona, row, response, wrote, world, api=api)
    return problems


def _api_clients(people: Any, token_client: Any) -> dict[str, Any]:
    clients: dict[str, Any] = {ANON: APIClient()}
    for persona in PERSONAS[1:]:
        clients[persona] = token_client(_user(people, persona), scopes=["read:all", "write:all"])
    return clients


def test_api_matrix_by_role(people: Any, world: World, token_client: Any) -> None:
    problems = _run_rows(API, _api_clients(people, token_client), world, api=True)
    assert not problems, "\n".join(problems)


def test_api_matrix_by_role_with_browser_sessions(people: Any, world: World) -> None:
    """The self-service pages call the API with the session: same answers as with tokens."""
    clients: dict[str, Any] = {ANON: APIClient()}
    for persona in PERSONAS[1:]:
        client = APIClient()
        client.force_login(_user(people, persona), backend=MODEL_BACKEND)
        clients[persona] = client
    reads = {key: row for key, row in API.items() if key.startswith("GET ")}
    problems = _run_rows(reads, clients, world, api=True)
    assert not problems, "\n".join(problems)


def test_pages_matrix_by_role(people: Any, world: World) -> None:
    clients: dict[str, Any] = {ANON: Client()}
    for persona in PERSONAS[1:]:
        client = Client()
        client.force_login(_user(people, persona), backend=MODEL_BACKEND)
        clients[persona] = client
    problems = _run_rows(PAGES, clients, world, api=False, people=people)
    assert not problems, "\n".join(problems)


def _scope_area(key: str) -> str | None:
    from django.urls import resolve

    method, path = key.split(" ", 1)
    match = resolve(re.sub(r"\{\w+\}", "00000000-0000-0000-0000-000000000000", path))
    view = match.func
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    return getattr(cls, "scope_area", None)


def test_token_scopes_narrow_and_never_widen(people: Any, world: World, token_client: Any) -> None:
    """For every scoped operation, as the admin: the area's scope is enough (read for reads,
    write for writes); another area's scope, or read for a write, is 403 insufficient_scope.
    As alice, write:all does not open admin-only operations (checked by the role matrix)."""
    from etime.core import scopes as scope_mod

    areas = sorted({a for key in API if (a := _scope_area(key))})
    known = set(getattr(scope_mod, "AREAS", areas))
    problems = []
    admin = _user(people, "admin")
    own = {a: token_client(admin, scopes=[f"write:{a}"]) for a in areas}
    read_only = {a: token_client(admin, scopes=[f"read:{a}"]) for a in areas}
    for key, row in API.items():
        area = _scope_area(key)
        if area is None or "admin" not in row.allow:
            continue
        if area not in known:
            problems.append(f"{key}: scope area {area!r} is not a known scope area")
        method, path = _path(key, row, world)
        other = next(a for a in areas if a != area)
        cases = [(own[area], True, f"write:{area}"), (own[other], False, f"write:{other}")]
        if method != "GET":
            cases.append((read_only[area], False, f"read:{area}"))
        else:
            cases.append((read_only[area], True, f"read:{area}"))
        for client, ok, label in cases:
            with transaction.atomic():
                response = _call(client, method, path, row, world, json_api=True)
                transaction.set_rollback(True)
            status = response.status_code
            if ok and status in (401, 403, 404):
                problems.append(f"{key} with {label}: expected allowed, got {status}")
            if not ok and (status != 403 or response.json()["error"]["code"] != "insufficient_scope"):
                problems.append(f"{key} with {label}: expected 403 insufficient_scope, got {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_expired_and_revoked_tokens_open_nothing(people: Any, world: World, token_client: Any, state: str) -> None:
    from accounts.models import ApiToken

    client = token_client(people.admin, scopes=["read:all", "write:all"])
    token = ApiToken.objects.order_by("-created_at").first()
    assert token is not None
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    problems = []
    for key, row in API.items():
        if key == "POST /api/v1/auth/token/":
            continue  # password login: a bearer header is not what it reads
        method, path = _path(key, row, world)
        with transaction.atomic():
            before = _audit_count()
            response = _call(client, method, path, row, world, json_api=True)
            wrote = _audit_count() - before
            transaction.set_rollback(True)
        code = response.json().get("error", {}).get("code") if _is_envelope(response) else None
        if response.status_code != 401 or code != f"token_{state}" or wrote:
            problems.append(f"{key}: {response.status_code} {code} (wrote {wrote})")
    assert not problems, "\n".join(problems)


def test_token_revoke_page_only_revokes_own_tokens(people: Any, token_client: Any) -> None:
    from accounts.models import ApiToken

    token_client(people.alice, scopes=["read:all"])
    token = ApiToken.objects.get(user=people.alice.user)
    intruder = Client()
    intruder.force_login(people.amir.user)
    response = intruder.post(f"/profile/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert not token.is_revoked
    owner = Client()
    owner.force_login(people.alice.user)
    owner.post(f"/profile/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.is_revoked


_ = field
