"""The layering of docs/ARCHITECTURE.md and docs/CONVENTIONS.md, checked on the source.

The import direction between apps is import-linter's job (pyproject.toml, run by the lint
step). What an import graph cannot see is *writing* another app's rows: billing may import
timesheets, but must change a time entry through timesheets' services. This check reads
every production module (tests, migrations and demo seeders are left out) and reports

- a write (``create``, ``update``, ``delete``, ``bulk_create``, …) through the manager of a
  model imported from another app's ``models`` module, and
- any use of the approval engine's tables outside ``etime.core`` (apps ask
  ``etime.core.approvals`` instead).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

# Source checks: no database, so they run in every pass.
pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "attendance", "devices", "leave", "timesheets", "billing", "etime")
WRITES = {"create", "bulk_create", "update", "delete", "get_or_create", "update_or_create", "bulk_update"}
APPROVAL_TABLES = {"ApprovalRequest", "ApprovalStep", "ApprovalDecision", "ApprovalDelegation"}


def _owner(module: str) -> str | None:
    """The app that owns ``module`` (``etime.ops`` and ``etime.core`` are apps of their own),
    or None for third-party code."""
    parts = module.split(".")
    if parts[0] == "etime":
        return ".".join(parts[:2]) if len(parts) > 1 else "etime"
    return parts[0] if parts[0] in APPS else None


def violations(source: str, module: str) -> list[str]:
    """What ``source`` (the text of ``module``) does against the rules above."""
    tree = ast.parse(source)
    me = _owner(module)
    foreign: dict[str, str] = {}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[-1] == "models":
            owner = _owner(node.module)
            for alias in node.names:
                if owner == "etime.core" and alias.name in APPROVAL_TABLES and me != "etime.core":
                    found.append(
                        f"{module}:{node.lineno}: reads the approval table {alias.name}: ask etime.core.approvals"
                    )
                if owner is not None and owner != me:
                    foreign[alias.asname or alias.name] = node.module
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            root: ast.expr = node.func.value
            while isinstance(root, (ast.Call, ast.Attribute)):
                root = root.func if isinstance(root, ast.Call) else root.value
            if isinstance(root, ast.Name) and root.id in foreign:
                found.append(
                    f"{module}:{node.lineno}: writes {foreign[root.id]}.{root.id} ({node.func.attr}): "
                    "call that app's services"
                )
    return found


def production_modules() -> list[tuple[Path, str]]:
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(rel.parts) or rel.name in {"demo.py", "conftest.py"}:
                continue
            modules.append((path, ".".join(rel.with_suffix("").parts)))
    return modules


def test_no_app_writes_another_apps_rows_or_reads_the_approval_tables() -> None:
    found = [v for path, module in production_modules() for v in violations(path.read_text(), module)]
    assert found == []


def test_the_check_sees_a_cross_app_write_and_an_approval_table_read() -> None:
    source = (
        "from timesheets.models import TimeEntry as Entry\n"
        "from billing.models import Invoice\n"
        "from etime.core.models import ApprovalRequest\n"
        "def issue(invoice):\n"
        "    Invoice.objects.filter(pk=invoice.pk).update(status='issued')\n"  # its own rows: fine
        "    Entry.objects.filter(invoice_id=invoice.pk).update(status='invoiced')\n"
    )
    found = violations(source, "billing.services")
    assert len(found) == 2
    assert "approval table ApprovalRequest" in found[0] and "billing.services:3" in found[0]
    assert "writes timesheets.models.Entry (update)" in found[1] and "billing.services:6" in found[1]


def test_the_import_direction_contracts_hold() -> None:
    """pyproject.toml's import-linter contracts: the core imports no app, apps depend one way."""
    run = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in run.stdout
