"""Picks the crawl's personas in the production check's database and gives them passwords.

Run by ``./etimectl production`` after ``seed_demo``:
``python -m tests.production.personas SEED_DEMO_OUTPUT`` prints ``role=username`` lines
(employee, manager, finance, admin) for tests/production/test_crawl.py.

seed_demo names its personas in ``persona <role>: <username>`` lines; where it names none
for a role, the database is asked (by role, and the billing finance group). The password
comes from ``ETIME_PRODUCTION_PASSWORD``: an operator replaces the demo's shared password,
and must replace the bootstrap admin's initial one, which etime refuses to boot with
(etime.checks E003).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

ROLES = ("employee", "manager", "finance", "admin")
PERSONA_LINE = re.compile(r"^\s*persona (?P<role>[\w-]+): (?P<username>\S+)\s*$", re.MULTILINE)


def from_seed_output(text: str) -> dict[str, str]:
    return {m["role"]: m["username"] for m in PERSONA_LINE.finditer(text) if m["role"] in ROLES}


def from_database() -> dict[str, Any]:
    from accounts.models import Role, User
    from billing.selectors import FINANCE_GROUP

    active = User.objects.filter(is_active=True).order_by("username")
    finance = active.filter(groups__name=FINANCE_GROUP, is_superuser=False)
    return {
        "employee": active.filter(role=Role.EMPLOYEE, is_superuser=False, employee__isnull=False)
        .exclude(groups__name=FINANCE_GROUP)
        .first(),
        "manager": active.filter(role=Role.MANAGER, is_superuser=False, employee__reports__isnull=False).first(),
        "finance": finance.first(),
        "admin": active.filter(is_superuser=True).first(),
    }


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "etime.settings")
    import django

    django.setup()
    from accounts.models import User

    password = os.environ.get("ETIME_PRODUCTION_PASSWORD", "")
    if len(password) < 16:
        sys.stderr.write("ETIME_PRODUCTION_PASSWORD must hold a random password of 16+ characters.\n")
        return 2
    named = from_seed_output(Path(argv[1]).read_text()) if len(argv) > 1 else {}
    found = from_database()
    for role in ROLES:
        user = User.objects.filter(username=named[role]).first() if role in named else found[role]
        if user is None:
            sys.stderr.write(f"personas: the demo data has no {role} login; the crawl will say so.\n")
            continue
        user.set_password(password)  # as `manage.py changepassword` does; clears the initial-password flag
        user.save(update_fields=["password", "password_change_required"])
        print(f"{role}={user.username}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
