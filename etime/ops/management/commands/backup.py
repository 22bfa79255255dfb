from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from etime.core.errors import DomainError
from etime.ops.backup.service import backup_create, backup_verify
from etime.ops.management import texts
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
                files = len(manifest["files"])
                verified = ngettext(
                    "%(archive)s verified (%(count)d file).", "%(archive)s verified (%(count)d files).", files
                )
                self.stdout.write("OK: " + verified % {"archive": options["verify_only"], "count": files})
                return
            result = backup_create(
                kind=BackupRecord.Kind.MANUAL,
                logical=False if options["no_logical"] else None,
                verify=False if options["no_verify"] else None,
                progress=lambda step: self.stderr.write(texts.step(step)),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        record = result.record
        rows = sum(result.manifest["tables"][t]["rows"] for t in result.manifest["tables"])
        facts = [
            ngettext("%(count)d byte", "%(count)d bytes", record.size or 0) % {"count": record.size or 0},
            texts.rows(rows),
            texts.media_files(result.manifest["media_files"]),
            gettext("encrypted") if record.encrypted else gettext("not encrypted"),
            gettext("verified") if record.verified else gettext("NOT verified"),
        ]
        self.stdout.write(f"OK: {result.name} ({', '.join(facts)})")
