"""Attendance's domain errors. Codes are public (docs/API.md); never rename one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from etime.core.errors import Conflict, DomainError
from etime.core.errors import PeriodLocked as CorePeriodLocked


class PeriodLocked(CorePeriodLocked):
    message = _("This period is locked; attendance in it can no longer change.")


class AssignmentOverlap(Conflict):
    code = "schedule_assignment_overlap"
    message = _("The employee already has a schedule assignment in this period.")


class RequestNotPending(Conflict):
    code = "request_not_pending"
    message = _("This request has already been decided or withdrawn.")


class SwapsDisabled(DomainError):
    code = "swaps_disabled"
    status = 403
    message = _("Shift swaps are turned off in this company.")


class PunchNotAllowed(DomainError):
    """The punch policy refused a punch (attendance.punch_policy); always audited."""

    code = "punch_not_allowed"
    status = 403
    message = _("This punch is not allowed.")


class PunchSourceNotAllowed(PunchNotAllowed):
    code = "punch_source_not_allowed"
    message = _("Punches of this kind are not accepted for this person's location.")


class PunchNetworkNotAllowed(PunchNotAllowed):
    code = "punch_network_not_allowed"
    message = _("Punching is allowed only from your location's network.")


class PunchTimeNotAllowed(PunchNotAllowed):
    code = "punch_time_not_allowed"
    message = _("Your own punch takes the server's time: send no timestamp, or the current time.")


class PunchOutsideGeofence(PunchNotAllowed):
    code = "punch_outside_geofence"
    message = _("You are not at your work location: clocking in and out needs you on site.")


class PunchPositionRequired(PunchNotAllowed):
    code = "punch_position_required"
    message = _("Clocking in and out here needs your position: allow location access in your browser and try again.")


class PunchPositionInaccurate(PunchNotAllowed):
    code = "punch_position_inaccurate"
    message = _(
        "Your position is too imprecise to tell whether you are on site: turn on precise location and try again."
    )


class OfflineDriftTooLarge(PunchNotAllowed):
    """Punch policy rule 6a: the device's clock was too far off at sync."""

    code = "offline_drift_too_large"
    message = _("This device's clock is too far off to accept what it recorded offline. Set its clock and try again.")


class OfflineTimeBeforeContact(PunchNotAllowed):
    """Punch policy rule 6b: recorded before the device's last online contact."""

    code = "offline_time_before_contact"
    message = _("This was recorded before the device's last online contact: it is not accepted as an offline punch.")


class OfflineTimeInFuture(PunchNotAllowed):
    """Punch policy rule 6b: recorded after the device's own reading of now."""

    code = "offline_time_in_future"
    message = _("This was recorded at a time the device has not reached yet.")


class OfflineTimeTooOld(PunchNotAllowed):
    """An offline timer action older than ETIME_OFFLINE_MAX_AGE_HOURS (a punch becomes a correction instead)."""

    code = "offline_time_too_old"
    message = _("This was queued offline too long ago to be accepted.")


class ShiftOverlap(Conflict):
    """Two shifts planned for one person on one date overlap in time (issue #25)."""

    code = "shift_overlap"
    message = _("Two shifts planned for the same person on the same date overlap.")
