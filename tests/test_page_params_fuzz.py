"""Every self-service page's query parameters, fuzzed with Hypothesis as an employee, a manager
and an admin with DEBUG off: the answer is a page, a redirect, a 400 that says what is wrong
or a 404, never a 5xx (issue #15).

Nothing here lists the pages or their parameters. ``discover_pages()`` walks the URL resolver
(every pattern outside /admin/ and /api/), fills path converters with an object of the
security world (tests/security/world.py) or a random id, and reads each view's source for the
GET parameters it takes: ``request.GET.get("x")``, ``request.GET["x"]``,
``request.GET.getlist("x")``, ``"x" in request.GET``, ``etime.core.params`` helpers called with
``"x"``, and the fields of forms bound to ``request.GET``, following the project functions the
view calls. A new page or parameter is fuzzed without anyone adding it here.

``ETIME_PAGE_FUZZ_EXAMPLES`` (default 10) bounds the examples per page.
"""

from __future__ import annotations

import ast
import inspect
import os
import textwrap
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.security.world import build_world

pytestmark = pytest.mark.postgres

EXAMPLES = int(os.environ.get("ETIME_PAGE_FUZZ_EXAMPLES", "10"))
PERSONAS = ("alice", "bob", "admin")  # employee, manager, admin
PROJECT_PACKAGES = ("accounts", "attendance", "billing", "devices", "etime", "leave", "timesheets")
PARAM_HELPERS = "etime.core.params"
# 429: a throttle doing its job (the ADMS routes rate-limit unknown serials, docs/SECURITY.md).
ALLOWED = {200, 301, 302, 303, 400, 403, 404, 405, 429}
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo("Europe/Zurich"))


# --- discovery --------------------------------------------------------------------------------


@dataclass
class Page:
    name: str  # the URL name, with its namespace
    route: str
    view: Callable[..., Any]
    converters: dict[str, Any]
    params: set[str] = field(default_factory=set)


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", route, entry


def _is_page(route: str) -> bool:
    route = route.lstrip("^")
    return not route.startswith(("admin/", "api/"))


def _is_get(node: ast.AST) -> bool:
    """``request.GET`` or ``self.request.GET``."""
    return isinstance(node, ast.Attribute) and node.attr == "GET"


def _has_get(node: ast.AST, aliases: set[str]) -> bool:
    return any(_is_get(n) or (isinstance(n, ast.Name) and n.id in aliases) for n in ast.walk(node))


def _resolve(node: ast.AST, scope: dict[str, Any]) -> Any:
    """What a called name or ``module.attr`` refers to in the function's globals."""
    if isinstance(node, ast.Name):
        return scope.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, scope)
        return getattr(owner, node.attr, None) if isinstance(owner, (types.ModuleType, type)) else None
    return None


def _ours(obj: Any) -> bool:
    module = getattr(obj, "__module__", "") or ""
    return module.split(".")[0] in PROJECT_PACKAGES and not module.startswith("tests")


def _functions_of(view: Any) -> list[Any]:
    view = inspect.unwrap(view)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a class-based view: our methods along its MRO
        return [
            member
            for klass in view_class.__mro__
            if _ours(klass)
            for member in vars(klass).values()
            if inspect.isfunction(member)
        ]
    return [view] if inspect.isfunction(view) else []


def _takes_request(function: Any) -> bool:
    try:
        return next(iter(inspect.signature(function).parameters)) == "request"
    except (TypeError, ValueError, StopIteration):
        return False


def get_params(function: Any, seen: set[Any] | None = None) -> set[str]:
    """The GET parameter names ``function`` (and the project functions it calls) reads."""
    seen = set() if seen is None else seen
    if function in seen:
        return set()
    seen.add(function)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    scope = function.__globals__
    aliases = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and _has_get(node.value, set())
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found: set[str] = set()

    def literal(node: ast.AST) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_get(node.value) and literal(node.slice):
            found.add(literal(node.slice))  # type: ignore[arg-type]
        elif isinstance(node, ast.Compare) and any(_is_get(c) for c in node.comparators) and literal(node.left):
            found.add(literal(node.left))  # type: ignore[arg-type]
        elif isinstance(node, ast.Call):
            func = node.func
            if (
                isinstance(func, ast.Attribute)
                and _is_get(func.value)
                and func.attr in ("get", "getlist")
                and node.args
            ):
                if literal(node.args[0]):
                    found.add(literal(node.args[0]))  # type: ignore[arg-type]
                continue
            callee = _resolve(func, scope)
            if callee is None:
                continue
            if getattr(callee, "__module__", "") == PARAM_HELPERS and _takes_request(callee):
                names = [literal(a) for a in node.args] + [literal(k.value) for k in node.keywords if k.arg == "name"]
                found.update(n for n in names[:2] if n)  # (request, name, ...)
                defaults = inspect.signature(callee).parameters.get("name")
                if not any(names[:2]) and defaults is not None and isinstance(defaults.default, str):
                    found.add(defaults.default)
            elif inspect.isclass(callee) and issubclass(callee, forms.BaseForm):
                data = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "data")]
                if any(_has_get(a, aliases) for a in data):
                    found.update(getattr(callee, "base_fields", {}))
            elif inspect.isfunction(callee) and _ours(callee):
                found |= get_params(callee, seen)
    return found


def discover_pages() -> list[Page]:
    pages = []
    for name, route, pattern in _walk(get_resolver().url_patterns):
        if not _is_page(route):
            continue
        params: set[str] = set()
        for function in _functions_of(pattern.callback):
            params |= get_params(function)
        converters = dict(getattr(pattern.pattern, "converters", {}))
        pages.append(Page(name=name, route=route, view=pattern.callback, converters=converters, params=params))
    return pages


PAGES = discover_pages()
FUZZED = [page for page in PAGES if page.params]


def test_discovery_finds_the_pages_and_parameters_we_know() -> None:
    found = {(page.name, param) for page in PAGES for param in page.params}
    known = {
        ("attendance_team", "month"),
        ("attendance_team", "department"),
        ("timesheets:week", "week"),
        ("leave:calendar", "department"),
        ("leave:calendar", "month"),
    }
    assert known <= found, sorted(found)
    assert not any(page.route.startswith(("admin/", "api/")) for page in PAGES)
    assert len(FUZZED) >= 10, [page.name for page in FUZZED]


# --- values ----------------------------------------------------------------------------------

# Every parameter of every page gets each of these (the personas take turns) ...
EDGES = [
    "",
    "0001-01-01",
    "9999-12-31",
    "1969-12-31",
    "2100-01-01",
    "2026-02-30",
    "2026-13",
    "2026-00",
    "9999-12",
    "0001-01",
    "2026-W54",
    "9999-W52",
    "-1",
    "99999999999999999999999",
    "abc",
    "00000000-0000-0000-0000-000000000000",
    "\x00",
    "x" * 5000,
    "Ωmega ☃ 日本語 \u202e",
    "<script>alert(1)</script>",
]
# ... and Hypothesis combines these, other text, numbers, dates, months and ids at random.
MORE = [
    " ",
    "0000-00-00",
    "0000-01",
    "2026-W00",
    "2026-W10",
    "0",
    "-99999999999",
    "1e308",
    "NaN",
    "None",
    "null",
    "true",
    "not-a-uuid",
    "{}",
    "[]",
    "2026-03\x00",
    "a\x00b",
    "9" * 400,
    "' OR 1=1 --",
    "%",
    "..%2f",
    "2026-03",
    "2026-03-02",
    "2026",
    "csv",
    "xlsx",
    "pdf",
    "approve",
]


def value_strategy(real_ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EDGES + MORE + real_ids),
        st.text(max_size=40),
        st.integers().map(str),
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%Y-%m")),
        st.uuids().map(str),
    )


# --- the fuzz --------------------------------------------------------------------------------

ALIASES = {"entry": "time_entry", "request": "leave_request"}


def fill_path(page: Page, world: dict[str, Any]) -> str:
    """The page's URL with each path converter filled by the world's object of that name
    (``employee_id`` -> alice), else a random id that matches nothing."""
    kwargs: dict[str, Any] = {}
    for name, converter in page.converters.items():
        key = name.removesuffix("_id")
        obj = world.get(ALIASES.get(key, key))
        kwargs[name] = obj.pk if obj is not None else (uuid.uuid4() if "UUID" in type(converter).__name__ else "x")
    return reverse(page.name, kwargs=kwargs)


def problem_with(response: Any) -> str | None:
    """What is wrong with an answer to a GET with odd parameters, if anything."""
    status = response.status_code
    if status not in ALLOWED:
        return f"answered {status}"
    if status == 400 and (b"Bad Request (400)" in response.content or not response.content.strip()):
        return "answered a 400 that does not say what is wrong"
    return None


def random_queries(get: Callable[..., str | None], names: list[str], real_ids: list[str]) -> Any:
    """A Hypothesis test: random personas and combinations of values for ``names``."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        persona=st.sampled_from(PERSONAS),
        query=st.fixed_dictionaries({}, optional={name: value_strategy(real_ids) for name in names}),
    )
    def fuzz(persona: str, query: dict[str, str]) -> None:
        problem = get(persona, query)
        assert problem is None, problem

    return fuzz


@pytest.fixture
def fuzz_world(people: Any, settings: Any) -> dict[str, Any]:
    settings.DEBUG = False
    with time_machine.travel(NOW, tick=False):
        return build_world(people)


def test_no_page_parameter_answers_a_server_error(
    fuzz_world: dict[str, Any], people: Any, record_property: Any
) -> None:
    from django.test import Client

    clients = {}
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)  # a 500 comes back as the response users see
        person = getattr(people, persona)
        client.force_login(getattr(person, "user", person))
        clients[persona] = client
    real_ids = [str(fuzz_world[key].pk) for key in ("employee", "department", "leave_type", "time_entry")]
    failures: list[str] = []
    requests = 0

    def get(persona: str, path: str, query: dict[str, str]) -> str | None:
        nonlocal requests
        requests += 1
        problem = problem_with(clients[persona].get(path, query))
        shown = {
            name: value if len(value) < 60 else f"{value[:20]}...({len(value)} chars)" for name, value in query.items()
        }
        return f"GET {path} {shown!r} as {persona}: {problem}" if problem else None

    with time_machine.travel(NOW, tick=False):
        for page in FUZZED:
            path = fill_path(page, fuzz_world)
            names = sorted(page.params)
            # The personas who get the page itself take turns, so the values reach the view's code.
            reaching = [p for p in PERSONAS if clients[p].get(path).status_code == 200] or list(PERSONAS)
            for n, name in enumerate(names):
                for i, value in enumerate(EDGES):
                    if problem := get(reaching[(n + i) % len(reaching)], path, {name: value}):
                        failures.append(problem)

            try:
                random_queries(lambda persona, query, path=path: get(persona, path, query), names, real_ids)()
            except AssertionError as exc:  # Hypothesis's smallest failing example
                failures.append(str(exc).splitlines()[0])

    params = sum(len(page.params) for page in FUZZED)
    line = (
        f"page parameter fuzz: {len(FUZZED)} pages x {params} params x {requests} requests "
        f"({len(EDGES)} edge values each + {EXAMPLES} random examples per page), {len(failures)} server errors"
    )
    record_property("figure", line)  # printed under "etime figures" (conftest.py)
    assert not failures, "\n".join([line, *failures])
