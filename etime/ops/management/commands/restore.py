from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from etime.core.errors import DomainError
from etime.ops.backup.service import archive_read, restore
from etime.ops.management import texts

CONFIRMATION = "restore"  # typed as it is in every language


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
            verified = gettext("Archive verified: %(engine)s backup of %(created)s, %(rows)s, %(media)s.")
            self.stdout.write(
                verified
                % {
                    "engine": manifest["engine"],
                    "created": manifest["created_at"],
                    "rows": texts.rows(sum(t["rows"] for t in manifest["tables"].values())),
                    "media": texts.media_files(manifest["media_files"]),
                }
            )
            if not options["yes"]:
                question = gettext("This replaces the current database and media. Type '%(word)s' to continue: ")
                answer = input(question % {"word": CONFIRMATION})
                if answer.strip() != CONFIRMATION:
                    raise CommandError(gettext("Cancelled; nothing was changed."))
            report = restore(
                options["archive"],
                logical=options["logical"],
                restore_point=not options["no_restore_point"],
                progress=lambda step: self.stderr.write(texts.step(step)),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message} {texts.nothing_changed()}") from exc
        if report.migrated:
            restored = gettext(
                "Restored %(archive)s (%(method)s format, %(rows)s, %(media)s); migrated to the current schema."
            )
        else:
            restored = gettext("Restored %(archive)s (%(method)s format, %(rows)s, %(media)s).")
        self.stdout.write(
            restored
            % {
                "archive": report.archive,
                "method": report.method,
                "rows": texts.rows(sum(report.rows.values())),
                "media": texts.media_files(report.media_files),
            }
        )
        if report.restore_point:
            self.stdout.write(gettext("Restore point of the previous state: %(name)s") % {"name": report.restore_point})
