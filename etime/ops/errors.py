"""Operations' domain errors. Codes are public (docs/OPERATIONS.md, docs/API.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from etime.core.errors import DomainError


class BackupError(DomainError):
    code = "backup_failed"
    status = 500
    message = _("The backup failed.")


class ArchiveRefused(DomainError):
    """The archive cannot be trusted; nothing was changed."""

    code = "backup_archive_invalid"
    status = 400
    message = _("The archive is invalid.")


class ArchiveCorrupted(ArchiveRefused):
    code = "backup_archive_corrupted"
    message = _("The archive is corrupted: a checksum does not match.")


class ArchiveTruncated(ArchiveRefused):
    code = "backup_archive_truncated"
    message = _("The archive is truncated: it ends before its last part.")


class ArchiveWrongKey(ArchiveRefused):
    code = "backup_wrong_key"
    message = _("The archive was encrypted with a different key than ETIME_BACKUP_KEY.")


class ArchiveKeyMissing(ArchiveRefused):
    code = "backup_key_missing"
    message = _("The archive is encrypted and ETIME_BACKUP_KEY is not set.")


class ArchiveNotFound(ArchiveRefused):
    code = "backup_archive_not_found"
    status = 404
    message = _("No such archive.")


class ArchiveIncompatible(ArchiveRefused):
    code = "backup_archive_incompatible"
    message = _("The archive cannot be restored into this installation.")
