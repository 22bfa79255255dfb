"""Domain errors of time tracking. The codes are public (docs/API.md); never rename one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from etime.core.errors import DomainError
from etime.core.errors import PeriodLocked as CorePeriodLocked


class TimeEntryOverlap(DomainError):
    """``details.conflicts``: the stored entries in the way, as the API shows them;
    ``details.differences``: per conflict id, which of project, task and billable differ
    from the attempted entry; ``details.resolutions``: the choices that can succeed."""

    code = "time_entry_overlap"
    status = 409
    message = _(
        "The entry overlaps other entries of this employee; retry with one of the resolutions offered "
        "(merge, replace, keep_mine or keep_theirs)."
    )


class OverlapNeedsChoice(TimeEntryOverlap):
    """Merge or replace asked for while a conflict is on another project or task or
    differs in billability: that would move its time silently. Details as the overlap's."""

    code = "overlap_needs_choice"
    status = 409
    message = _(
        "The overlapping entries differ in project, task or billability: merging or replacing would move their "
        "time. Choose which side to keep (keep_mine or keep_theirs), or cancel."
    )


class TimerAlreadyRunning(DomainError):
    """``details.entry``: the timer that is running."""

    code = "timer_already_running"
    status = 409
    message = _("A timer is already running for this employee; stop it first.")


class TimerNotRunning(DomainError):
    code = "timer_not_running"
    status = 409
    message = _("No timer is running.")


class PeriodLocked(CorePeriodLocked):
    message = _("This time is submitted, approved or invoiced and can no longer be changed.")


class TimesheetNotOpen(DomainError):
    code = "timesheet_not_open"
    status = 409
    message = _("This timesheet is already submitted or approved.")


class NotAllowed(DomainError):
    code = "permission_denied"
    status = 403
    message = _("You may not do this.")


class EntriesNotSaved(DomainError):
    """A week grid save, a bulk edit or a calendar change refused as a whole (nothing
    written). ``details.items``: per grid cell name (or entry id), ``{"code", "message"}``
    of the refusal there: ``period_locked``, ``time_entry_overlap``, ``validation_error``,
    ``cell_has_several_entries``, ``cell_has_timer``."""

    code = "entries_not_saved"
    status = 409
    message = _("Nothing was saved: some changes were refused.")
