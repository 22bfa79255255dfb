"""Writes for attendance (CONVENTIONS: keyword-only, one transaction, audited, domain errors).

- punches: ``punches_ingest`` (device logs, idempotent), ``punch_create`` (web/API/manual);
- dirty: ``mark_dirty(pairs)``, the entry point for anything that changes a day's inputs;
- recompute: ``recompute`` (a range), ``recompute_dirty`` (task), ``close_days`` (beat);
- plans: shifts, schedules, assignments, overrides, swaps;
- regularisations: corrections and their approval; locks: closed periods;
- offline: ``offline_punch_submit``, punches a client device queued offline (policy rule 6);
- manual: a day's status set by hand (``day_status_set`` / ``day_status_clear``).
"""

from __future__ import annotations

from attendance.services.dirty import mark_dirty, mark_dirty_for_punches, mark_dirty_range
from attendance.services.kiosk import greeting as kiosk_greeting
from attendance.services.kiosk import kiosk_offline_punch, kiosk_punch_create
from attendance.services.locks import ensure_unlocked, period_lock_create, period_lock_delete
from attendance.services.manual import day_status_clear, day_status_set
from attendance.services.offline import OfflineResult, offline_punch_action, offline_punch_submit
from attendance.services.plans import (
    assignment_delete,
    assignment_save,
    direction_rule_delete,
    direction_rule_save,
    ensure_no_overlap,
    override_delete,
    override_set,
    override_update,
    schedule_delete,
    schedule_save,
    shift_delete,
    shift_save,
    swap_cancel,
    swap_request,
    swaps_allowed,
)
from attendance.services.punches import (
    IngestResult,
    PunchInput,
    parse_position,
    punch_create,
    punches_attach_unmapped,
    punches_ingest,
)
from attendance.services.recompute import RecomputeResult, close_days, recompute, recompute_dirty
from attendance.services.regularisations import regularisation_cancel, regularisation_request

__all__ = [
    "kiosk_greeting",
    "kiosk_offline_punch",
    "kiosk_punch_create",
    "OfflineResult",
    "offline_punch_action",
    "offline_punch_submit",
    "IngestResult",
    "PunchInput",
    "RecomputeResult",
    "assignment_delete",
    "assignment_save",
    "close_days",
    "day_status_clear",
    "day_status_set",
    "direction_rule_delete",
    "direction_rule_save",
    "ensure_unlocked",
    "mark_dirty",
    "mark_dirty_for_punches",
    "mark_dirty_range",
    "override_delete",
    "override_set",
    "ensure_no_overlap",
    "override_update",
    "period_lock_create",
    "period_lock_delete",
    "parse_position",
    "punch_create",
    "punches_attach_unmapped",
    "punches_ingest",
    "recompute",
    "recompute_dirty",
    "regularisation_cancel",
    "regularisation_request",
    "schedule_delete",
    "schedule_save",
    "shift_delete",
    "shift_save",
    "swap_cancel",
    "swap_request",
    "swaps_allowed",
]
