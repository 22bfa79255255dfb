"""Schemathesis against our own OpenAPI schema (/api/schema/): every operation, as an admin,
a manager and an employee (bearer tokens, rotating per example), in-process through the WSGI
app on the test database.

Per response: no 500 (a 502/504 only from a device sync with a documented device_* code),
the body matches the schema for documented statuses, the content type is the documented
one, and every 4xx/5xx carries the error envelope. Half of the examples aim ``{id}`` at a
real object of the world (tests/security/world.py), so detail routes get past the 404.

``ETIME_FUZZ_EXAMPLES`` (default 4) bounds the examples per operation; ``python -m bench
fuzz`` runs the same test with many more.
"""

from __future__ import annotations

import itertools
import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from conftest import bearer_token, make_people, shared_test_data
from tests.security.test_authz_matrix import API
from tests.security.world import build_world

pytestmark = pytest.mark.postgres

EXAMPLES = int(os.environ.get("ETIME_FUZZ_EXAMPLES", "4"))
ROLES = ("admin", "bob", "alice")  # admin, manager, employee
DEVICE_CODES = {
    "device_unreachable",
    "device_auth_failed",
    "device_timeout",
    "device_protocol_error",
    "device_count_mismatch",
}


def _load_schema() -> Any:
    """The schema /api/schema/ serves, generated in-process (no request, no database)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    generated = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    return schemathesis.openapi.from_dict(_wall_clock_times(generated))


def _wall_clock_times(node: Any) -> Any:
    """OpenAPI 3.0 defines no ``time`` format; JSON Schema's (RFC 3339 full-time) demands a
    UTC offset, which a shift's wall-clock "09:00:00" rightly has not. Check the shape instead."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            node = {k: v for k, v in node.items() if k != "format"}
            node["pattern"] = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
        return {k: _wall_clock_times(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_wall_clock_times(v) for v in node]
    return node


schema = _load_schema()


@pytest.fixture
def _keep_test_connection() -> Any:
    """A bare WSGI handler closes the database connection after each request; that would
    close the test's transaction. Django's test client disconnects the same signal."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _build_fuzz_world() -> dict[str, Any]:
    people = make_people()
    world = build_world(people)
    headers = {}
    for role in ROLES:
        user = people.admin if role == "admin" else getattr(people, role).user
        raw = bearer_token(user, scopes=["read:all", "write:all"])
        headers[role] = {"Authorization": f"Bearer {raw}"}
    return {"world": world, "headers": headers}


@pytest.fixture(scope="module")
def _fuzz_world(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The people, the world and a token per role, built once for the module's ~200 operations
    (building them took about 0.4 s per operation); each operation's writes roll back."""
    yield from shared_test_data(django_db_blocker, _build_fuzz_world)


@pytest.fixture
def fuzz_env(db: Any, _fuzz_world: dict[str, Any], settings: Any, _keep_test_connection: Any) -> dict[str, Any]:
    from django.core.wsgi import get_wsgi_application

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the WSGI transport's Host
    return {**_fuzz_world, "turn": itertools.count(), "app": get_wsgi_application()}


def _aim_at_world(case: Any, env: dict[str, Any], turn: int) -> None:
    if not case.path_parameters or turn % 2:
        return
    row = API.get(f"{case.method.upper()} {case.path}")
    if row is None or row.obj is None:
        return
    for name in case.path_parameters:
        case.path_parameters[name] = str(env["world"][row.obj].pk)


def check_envelope_and_status(case: Any, response: Any) -> None:
    status = response.status_code
    if status < 400:
        return
    try:
        data = response.json()
    except ValueError:
        pytest.fail(
            f"{case.method} {case.formatted_path}: {status} without a JSON error envelope: {response.text[:300]}"
        )
    error = data.get("error") if isinstance(data, dict) else None
    assert (
        isinstance(error, dict)
        and error.get("code")
        and "message" in error
        and isinstance(error.get("details", {}), dict)
    ), f"{case.method} {case.formatted_path}: {status} body is not the error envelope: {response.text[:300]}"
    if status >= 500:
        device_failure = (
            status in (502, 504)
            and re.fullmatch(r"/api/v1/devices/[^/]+/sync/", case.formatted_path)
            and error["code"] in DEVICE_CODES
        )
        assert device_failure, f"{case.method} {case.formatted_path}: server error {status} {error}"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("ETIME_FUZZ_RANDOM") != "1",
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_fuzz(case: Any, fuzz_env: dict[str, Any]) -> None:
    turn = next(fuzz_env["turn"])
    role = ROLES[turn % len(ROLES)]
    _aim_at_world(case, fuzz_env, turn // len(ROLES))
    response = case.call(headers=fuzz_env["headers"][role], app=fuzz_env["app"])
    check_envelope_and_status(case, response)
    case.validate_response(response, checks=[response_schema_conformance, content_type_conformance])
