from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from etime.core.errors import DomainError
from etime.ops.backup.service import backup_create, backup_verify
from etime.ops.models import BackupRecord


class Command(BaseCommand):
    help = "Back up database and media into one verified archive (docs/OPERATIONS.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-logical", action="store_true", help="Skip the database-neutral format")
        parser.add_argument("--no-verify", action="store_true", help="Skip the scratch-database verification")
        parser.add_argument("--verify-only", metavar="ARCHIVE", help="Verify an existing archive and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verify_only"]:
                manifest = backup_verify(options["verify_only"])
                self.stdout.write(f"OK: {options['verify_only']} verified ({len(manifest['files'])} files).")
                return
            result = backup_create(
                kind=BackupRecord.Kind.MANUAL,
                logical=False if options["no_logical"] else None,
                verify=False if options["no_verify"] else None,
                progress=lambda step: self.stderr.write(f"… {step}"),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        record = result.record
        rows = sum(result.manifest["tables"][t]["rows"] for t in result.manifest["tables"])
        self.stdout.write(
            f"OK: {result.name} ({record.size} bytes, {rows} rows, {result.manifest['media_files']} media files, "
            f"{'encrypted' if record.encrypted else 'not encrypted'}, {'verified' if record.verified else 'NOT verified'})"
        )
