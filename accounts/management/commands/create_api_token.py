from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from accounts.services import api_token_create
from etime.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API token for a user and print only the token (shown once; store it now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="Username (employees log in with their email)")
        parser.add_argument("--scopes", nargs="+", required=True, help="e.g. read:all write:time_entries")
        parser.add_argument("--name", default="CLI token")
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        days = options["expires_in_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        try:
            _token, raw = api_token_create(
                user=user,
                name=options["name"],
                scopes_requested=options["scopes"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
                actor="manage.py create_api_token",
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from None
        self.stdout.write(raw)
