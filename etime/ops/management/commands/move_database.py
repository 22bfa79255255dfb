from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from etime.core.db.config import database_from_url
from etime.core.errors import DomainError
from etime.ops.backup import database
from etime.ops.backup.service import archive_read, backup_create, restore
from etime.ops.management import texts


class Command(BaseCommand):
    help = (
        "Move an installation to another database through the logical format, and prove nothing "
        "was lost (every table's rows and digest compared). Either restore ARCHIVE (taken on the "
        "old database) into this installation, or copy this installation's database --to URL."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", nargs="?", help="An archive taken on the old database")
        parser.add_argument("--to", metavar="DATABASE_URL", help="Copy this database into that (empty) database")

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["archive"]) == bool(options["to"]):
            raise CommandError(gettext("Give either ARCHIVE or --to DATABASE_URL."))
        try:
            if options["archive"]:
                manifest = archive_read(options["archive"])
                expected = self._expected(options["archive"], manifest)
                restore(options["archive"], logical=True)
                alias = "default"
            else:
                result = backup_create(logical=True, verify=False)
                manifest = result.manifest
                # The target's own engine options (MariaDB/MySQL's charset and modes), not
                # this installation's.
                target = {"OPTIONS": {}, "TEST": {}, **database_from_url(options["to"])}
                with database.extra_alias("etime_move_target", **target) as alias:
                    with TemporaryDirectory() as tmp:
                        logical = manifest["database"]["logical"]
                        archive_read(result.name, extract_to=Path(tmp), want=lambda n: n == logical)
                        expected = self._expected_from(Path(tmp) / logical, manifest)
                        database.restore_logical(Path(tmp) / logical, manifest["schema"], alias=alias)
                    got = database.canonical_digests(alias)
                self._compare(expected, got)
                moved = gettext(
                    "Moved %(rows)s to %(database)s; point DATABASE_URL at it and keep MEDIA_ROOT as it is."
                )
                rows = texts.rows(sum(t["rows"] for t in expected.values()))
                self.stdout.write(moved % {"rows": rows, "database": target["NAME"]})
                return
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self._compare({k: v for k, v in expected.items() if k != "ops.backuprecord"}, database.canonical_digests(alias))
        rows, media = texts.rows(sum(t["rows"] for t in expected.values())), texts.media_files(manifest["media_files"])
        self.stdout.write(gettext("Moved %(rows)s and %(media)s; identical.") % {"rows": rows, "media": media})

    def _expected(self, archive: str, manifest: dict[str, Any]) -> dict[str, Any]:
        if all(info.get("digest") for info in manifest["tables"].values()):
            return dict(manifest["tables"])
        with TemporaryDirectory() as tmp:
            logical = manifest["database"]["logical"]
            if not logical:
                raise CommandError(
                    gettext("The archive has no logical format (it was taken with ETIME_BACKUP_LOGICAL=false).")
                )
            archive_read(archive, extract_to=Path(tmp), want=lambda n: n == logical)
            return self._expected_from(Path(tmp) / logical, manifest)

    def _expected_from(self, logical: Path, manifest: dict[str, Any]) -> dict[str, Any]:
        """The archive's per-table rows and canonical digests. PostgreSQL archives record
        only their native digests; the canonical ones come from the logical file itself,
        after checking that it holds as many rows as the native dump."""
        tables = manifest["tables"]
        if all(info.get("digest") for info in tables.values()):
            return dict(tables)
        computed = database.logical_file_digests(logical)
        short = [label for label, info in tables.items() if computed.get(label, {}).get("rows") != info["rows"]]
        if short:
            message = gettext("The archive's logical format disagrees with its native dump in: %(tables)s")
            raise CommandError(message % {"tables": ", ".join(short)})
        return {label: computed[label] for label in tables}

    def _compare(self, expected: dict[str, Any], got: dict[str, Any]) -> None:
        different = [
            label
            for label, info in expected.items()
            if got.get(label, {}).get("rows") != info["rows"] or got.get(label, {}).get("digest") != info["digest"]
        ]
        if different:
            raise CommandError(gettext("The moved database differs in: %(tables)s") % {"tables": ", ".join(different)})
