"""Re-encrypt stored comm keys under the current SECRET_KEY, after a rotation that moved the
old key into SECRET_KEY_FALLBACKS (docs/DEVICE_INTEGRATION.md "Comm keys")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from devices.services import comm_keys_reencrypt


class Command(BaseCommand):
    help = "Re-encrypt every device comm key under the current SECRET_KEY."

    def handle(self, *args: Any, **opts: Any) -> None:
        done, unreadable = comm_keys_reencrypt()
        self.stdout.write(f"re-encrypted {done} comm key{'s' if done != 1 else ''}")
        if unreadable:
            names = ", ".join(d.name for d in unreadable)
            raise CommandError(
                f"{len(unreadable)} comm keys do not decrypt with SECRET_KEY or its fallbacks "
                f"(enter them again in the admin): {names}"
            )
