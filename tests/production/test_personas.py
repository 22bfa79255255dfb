"""The production check's personas: named by seed_demo, found in the database otherwise,
and given real passwords so that etime boots with DEBUG off (etime.checks E003)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.services import bootstrap_admin_create
from etime.checks import check_bootstrap_admin
from tests.production.personas import from_seed_output, main

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-real-random-password-for-the-check"  # noqa: S105


def test_seed_demo_persona_lines_name_the_logins() -> None:
    output = (
        "Demo logins (password for all: etime-demo-2026):\n"
        "persona employee: hugo.meier@demo.etime.test\n"
        "persona finance: david.keller@demo.etime.test\n"
        "  admin:    admin\n"
        "persona admin: admin\n"
        "persona visitor: nobody\n"
    )
    assert from_seed_output(output) == {
        "employee": "hugo.meier@demo.etime.test",
        "finance": "david.keller@demo.etime.test",
        "admin": "admin",
    }


def test_personas_get_real_passwords_and_etime_may_boot_with_debug_off(
    people: Any, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    bootstrap_admin_create(username="root", password="initial-password-from-bootstrap")
    Group.objects.create(name="finance").user_set.add(people.dave.user)
    assert [m.id for m in check_bootstrap_admin()] == ["etime.E003"]
    seed_output = tmp_path / "seed_demo.log"
    seed_output.write_text(f"persona manager: {people.bob.user.username}\n")
    monkeypatch.setenv("ETIME_PRODUCTION_PASSWORD", NEW_PASSWORD)

    assert main(["personas", str(seed_output)]) == 0

    printed = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert printed["manager"] == people.bob.user.username  # named by seed_demo
    assert printed["finance"] == people.dave.user.username  # the finance group
    assert printed["admin"] == "root"
    assert User.objects.get(username=printed["employee"]).role == "employee"
    for username in printed.values():
        assert User.objects.get(username=username).check_password(NEW_PASSWORD), username
    assert check_bootstrap_admin() == []


def test_a_short_password_is_refused(monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.setenv("ETIME_PRODUCTION_PASSWORD", "short")
    assert main(["personas"]) == 2
    assert "16+ characters" in capsys.readouterr().err
