from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import sso


class Command(BaseCommand):
    help = (
        "Remove a person's link to a single sign-on provider (the stored subject id), e.g. after "
        "their account at the provider was re-created. Their next sign-in links them again by "
        "verified e-mail. Audited (sso.unlinked)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the etime login (usually the e-mail address)")
        parser.add_argument("provider", help="the provider's id in ETIME_OIDC_PROVIDERS")

    def handle(self, *args: Any, **options: Any) -> None:
        removed = sso.unlink(
            username=options["username"], provider_id=options["provider"], actor="manage.py sso_unlink"
        )
        if not removed:
            raise CommandError(f"{options['username']!r} has no link to provider {options['provider']!r}.")
        self.stdout.write(f"Removed the link of {options['username']!r} to {options['provider']!r}.")
