from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.models import User
from accounts.services import bootstrap_admin_create


class Command(BaseCommand):
    help = (
        "Create the first administrator with a generated initial password (printed once). "
        "With DEBUG off etime refuses to start until that password is changed."
    )
    requires_system_checks: list[str] = []  # must work while the boot checks refuse

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username=options["username"]).exists():
            self.stdout.write(f"User {options['username']!r} exists; nothing to do.")
            return
        _user, password = bootstrap_admin_create(username=options["username"], email=options["email"])
        self.stdout.write(f"Created admin {options['username']!r} with initial password: {password}")
        self.stdout.write("Change it now: python manage.py changepassword " + options["username"])
