from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from etime.core.errors import DomainError
from etime.ops.backup.service import archive_read, restore


class Command(BaseCommand):
    help = (
        "Restore database and media from an archive (a name in the backup storage or a path). "
        "Verifies first and takes a restore point of the current state."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation")
        parser.add_argument("--logical", action="store_true", help="Restore from the logical format")
        parser.add_argument("--no-restore-point", action="store_true", help="Skip the restore point (not advised)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = archive_read(options["archive"])
            self.stdout.write(
                f"Archive verified: {manifest['engine']} backup of {manifest['created_at']}, "
                f"{sum(t['rows'] for t in manifest['tables'].values())} rows, {manifest['media_files']} media files."
            )
            if not options["yes"]:
                answer = input("This replaces the current database and media. Type 'restore' to continue: ")
                if answer.strip() != "restore":
                    raise CommandError("Cancelled; nothing was changed.")
            report = restore(
                options["archive"],
                logical=options["logical"],
                restore_point=not options["no_restore_point"],
                progress=lambda step: self.stderr.write(f"… {step}"),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} Nothing was changed.") from exc
        self.stdout.write(
            f"Restored {report.archive} ({report.method} format, {sum(report.rows.values())} rows, "
            f"{report.media_files} media files){'; migrated to the current schema' if report.migrated else ''}."
        )
        if report.restore_point:
            self.stdout.write(f"Restore point of the previous state: {report.restore_point}")
