"""Writes for time tracking (CONVENTIONS: keyword-only, one transaction, audited, domain errors
with stable codes from timesheets/errors.py). One module per concern:

- catalog: ``client_save``, ``project_save``, ``task_save``; rates: ``rate_create`` (a dated history);
- entries: ``time_entry_create`` / ``_update`` / ``_delete`` and ``time_entries_duplicate_day``, with the
  overlap rules and their resolutions (DESIGN §8, the module's docstring);
- grid: the week grid, bulk edit and copy last week (issue #23), all or nothing;
- timer: start, stop, continue, preferences, overlong timers, offline starts and stops;
- timesheets: a week submitted, approved or returned (the approval engine's callbacks), and
  ``time_entries_approve`` (managers approve entries directly);
- invoicing: billing's hooks that put approved entries on an invoice and take them off;
- reminders: end-of-day and approvals-waiting mail;
- _common: what the modules share (audited save and delete, the writers' lock, derived fields).

Callers import from here (``from timesheets import services``); the modules are the layout.
"""

from __future__ import annotations

# The two private names are for the overlap tests (the writers' lock, the constraint a write broke).
from timesheets.services._common import (
    _serialize_writers,
    _violated_constraint,
    delete_with_audit,
)
from timesheets.services.catalog import (
    client_save,
    project_save,
    task_save,
)
from timesheets.services.entries import (
    ENTRY_FIELDS,
    KEEP_MINE,
    KEEP_THEIRS,
    KEPT_FIELDS,
    MERGE,
    REPLACE,
    RESOLUTIONS,
    overlap_choices,
    overlap_differences,
    time_entries_duplicate_day,
    time_entry_create,
    time_entry_delete,
    time_entry_update,
)
from timesheets.services.grid import (
    GridCell,
    time_entries_bulk_update,
    time_entries_copy_week,
    week_grid_save,
)
from timesheets.services.invoicing import (
    time_entries_mark_invoiced,
    time_entries_release_invoice,
)
from timesheets.services.rates import (
    rate_build,
    rate_create,
    rate_delete,
)
from timesheets.services.reminders import (
    DEFAULT_REMINDER_HOUR,
    reminders_send_approvals,
    reminders_send_daily,
)
from timesheets.services.timer import (
    SHORT_TIMER,
    timer_continue,
    timer_limit,
    timer_offline_action,
    timer_preference_set,
    timer_start,
    timer_stop,
    timers_stop_overlong,
)
from timesheets.services.timesheets import (
    on_timesheet_approved,
    on_timesheet_rejected,
    on_timesheet_returned,
    time_entries_approve,
    timesheet_approve,
    timesheet_return,
    timesheet_submit,
)

__all__ = [
    "client_save",
    "DEFAULT_REMINDER_HOUR",
    "delete_with_audit",
    "ENTRY_FIELDS",
    "GridCell",
    "KEEP_MINE",
    "KEEP_THEIRS",
    "KEPT_FIELDS",
    "MERGE",
    "on_timesheet_approved",
    "on_timesheet_rejected",
    "on_timesheet_returned",
    "overlap_choices",
    "overlap_differences",
    "project_save",
    "rate_build",
    "rate_create",
    "rate_delete",
    "reminders_send_approvals",
    "reminders_send_daily",
    "REPLACE",
    "RESOLUTIONS",
    "SHORT_TIMER",
    "task_save",
    "time_entries_approve",
    "time_entries_bulk_update",
    "time_entries_copy_week",
    "time_entries_duplicate_day",
    "time_entries_mark_invoiced",
    "time_entries_release_invoice",
    "time_entry_create",
    "time_entry_delete",
    "time_entry_update",
    "timer_continue",
    "timer_limit",
    "timer_offline_action",
    "timer_preference_set",
    "timer_start",
    "timer_stop",
    "timers_stop_overlong",
    "timesheet_approve",
    "timesheet_return",
    "timesheet_submit",
    "week_grid_save",
    "_serialize_writers",
    "_violated_constraint",
]
