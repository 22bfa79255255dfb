from __future__ import annotations

import uuid
from datetime import date as _date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PunchSource(models.TextChoices):
    DEVICE = "device", _("Time clock (polled)")
    ADMS = "adms", _("Time clock (HTTP push)")
    WEB = "web", _("Web")
    API = "api", _("API")
    MANUAL = "manual", _("Manual correction")


class PunchDirection(models.TextChoices):
    IN = "in", pgettext_lazy("punch direction", "In")
    OUT = "out", pgettext_lazy("punch direction", "Out")
    # The device said nothing usable (ZK's state 255, or no state at all). Such punches
    # are never dropped; the engine pairs them by position (first in, last out).
    UNKNOWN = "unknown", _("Unknown")


class GeofenceStatus(models.TextChoices):
    INSIDE = "inside", _("Inside the geofence")
    OUTSIDE = "outside", _("Outside the geofence")
    UNKNOWN = "unknown", _("Position unknown")


class Punch(models.Model):
    """One clocking, in UTC. Punches are facts: corrections add punches, never edit them.

    ``device_id`` is the id of the devices.Device that recorded it. It is deliberately not a
    foreign key: attendance sits below devices and never imports it (DESIGN §1). A punch whose
    ``device_user_id`` maps to no employee yet is kept with ``employee`` empty and attached
    when an employee gets that id (attendance.signals).

    On PostgreSQL the table is partitioned by month of ``timestamp`` (UTC), with a DEFAULT
    partition for months that have none yet (attendance.partitions, migration 0008). A
    partitioned table's primary key must hold the partition key, so the database's key is
    (``id``, ``timestamp``) while Django keeps ``id`` as the pk: ids are random UUIDs,
    unique in practice though no single index spans the partitions. The same rule is why
    the foreign keys *to* a punch (``PunchVoid.punch``, ``devices.PunchPhoto.punch``) are
    declared without a database constraint: PostgreSQL can only reference a unique
    constraint, and there is none on ``id`` alone. Django's collector still applies their
    ``on_delete``; archiving a month (``partitions.archive_month``) handles them itself.
    SQLite keeps one plain table.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="punches",
        verbose_name=_("employee"),
    )
    timestamp = models.DateTimeField(verbose_name=_("timestamp"))
    source = models.CharField(max_length=10, choices=PunchSource.choices, verbose_name=_("source"))
    direction = models.CharField(
        max_length=8, choices=PunchDirection.choices, default=PunchDirection.UNKNOWN, verbose_name=_("direction")
    )
    device_id = models.UUIDField(null=True, blank=True, verbose_name=_("device id"))
    device_user_id = models.CharField(max_length=24, blank=True, verbose_name=_("device user id"))
    raw_state = models.SmallIntegerField(
        null=True, blank=True, help_text=_("The device's punch state, as sent"), verbose_name=_("raw state")
    )
    verify_mode = models.SmallIntegerField(
        null=True, blank=True, help_text=_("Fingerprint, card, face, PIN, ..."), verbose_name=_("verify mode")
    )
    note = models.CharField(max_length=500, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    regularisation = models.ForeignKey(
        "Regularisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="punches",
        help_text=_("The approved correction that added this manual punch"),
        verbose_name=_("regularisation"),
    )
    # Geofenced clock-in (attendance.geofence): the phone's position, stored only with a
    # self-service punch at a location with a geofence, and what the fence made of it.
    latitude = models.FloatField(null=True, blank=True, verbose_name=_("latitude"))
    longitude = models.FloatField(null=True, blank=True, verbose_name=_("longitude"))
    accuracy_m = models.FloatField(
        null=True,
        blank=True,
        help_text=_("The position's accuracy as the browser reported it"),
        verbose_name=_("accuracy (m)"),
    )
    geofence = models.CharField(
        max_length=8,
        blank=True,
        choices=GeofenceStatus.choices,
        verbose_name=_("geofence"),
        help_text=_("Where the position lay against the location's geofence (empty: not checked)"),
    )
    geofence_distance_m = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Distance from the geofence centre"),
        verbose_name=_("distance from site (m)"),
    )
    geofence_flagged = models.BooleanField(
        default=False,
        help_text=_("Accepted outside the geofence or without a usable position"),
        verbose_name=_("geofence flag"),
    )
    # Set only for a punch queued offline on a client device (an installed app, a kiosk) and
    # accepted at sync under the punch policy's rule 6: how far the device's clock was off.
    offline_drift_seconds = models.IntegerField(
        null=True,
        blank=True,
        verbose_name=_("offline drift (s)"),
        help_text=_("Queued offline on a client device; its clock's drift at sync, in seconds (device minus server)"),
    )

    class Meta:
        verbose_name = _("punch")
        verbose_name_plural = _("punches")
        ordering = ["timestamp", "id"]
        constraints = [
            # Idempotent ingestion: a device's log can be read (or pushed) any number of times.
            models.UniqueConstraint(
                fields=["device_id", "device_user_id", "timestamp"],
                condition=Q(device_id__isnull=False),
                name="punch_unique_per_device",
            ),
            models.CheckConstraint(
                condition=Q(device_id__isnull=True) | ~Q(device_user_id=""), name="punch_device_needs_user_id"
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "timestamp"], name="punch_employee_time"),
            models.Index(fields=["device_user_id"], condition=Q(employee__isnull=True), name="punch_unmapped"),
            models.Index(fields=["device_id", "timestamp"], name="punch_device_time"),
        ]

    def __str__(self) -> str:
        who = self.employee_id or f"device user {self.device_user_id}"
        return f"{who} {self.direction} {self.timestamp:%Y-%m-%d %H:%M:%S}"

    @property
    def is_offline(self) -> bool:
        return self.offline_drift_seconds is not None


# --- Plans: shifts, schedules, assignments, overrides, swaps ---------------------------------

MAX_WINDOW_MINUTES = 12 * 60


class HolidayWork(models.TextChoices):
    """What a shift makes of work on a public holiday it is planned on (attendance.engine)."""

    OVERTIME = "overtime", _("Overtime: present, all of it overtime")
    NORMAL = "normal", _("Normal time: an ordinary day of the shift")
    IGNORED = "ignored", _("Ignored: check-ins are ignored, the day stays a holiday")


class Shift(models.Model):
    """A working time pattern (DESIGN §6). An ``end_time`` at or before ``start_time`` ends
    the next day (a night shift); equal times make a 24-hour shift."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))
    code = models.CharField(
        max_length=8, unique=True, help_text=_("Short code shown in rosters, e.g. E, N, OFF"), verbose_name=_("code")
    )
    start_time = models.TimeField(verbose_name=_("start time"))
    end_time = models.TimeField(help_text=_("At or before the start: ends the next day"), verbose_name=_("end time"))
    unpaid_break_minutes = models.PositiveSmallIntegerField(default=0, verbose_name=_("unpaid break minutes"))
    break_after_minutes = models.PositiveSmallIntegerField(
        default=360,
        help_text=_("The break is deducted only when raw worked time exceeds this"),
        verbose_name=_("break after minutes"),
    )
    late_grace_minutes = models.PositiveSmallIntegerField(default=0, verbose_name=_("late grace minutes"))
    early_exit_grace_minutes = models.PositiveSmallIntegerField(default=0, verbose_name=_("early exit grace minutes"))
    checkin_window_before_minutes = models.PositiveSmallIntegerField(
        default=120, validators=[MaxValueValidator(MAX_WINDOW_MINUTES)], verbose_name=_("checkin window before minutes")
    )
    checkout_window_after_minutes = models.PositiveSmallIntegerField(
        default=240, validators=[MaxValueValidator(MAX_WINDOW_MINUTES)], verbose_name=_("checkout window after minutes")
    )
    half_day_below_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("4.00"), verbose_name=_("half day below hours")
    )
    absent_below_hours = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("2.00"), verbose_name=_("absent below hours")
    )
    overtime_after_minutes = models.PositiveSmallIntegerField(
        default=0, help_text=_("Minimum excess before overtime counts"), verbose_name=_("overtime after minutes")
    )
    color = models.CharField(
        max_length=7, blank=True, help_text=_("Roster colour, e.g. #1f6feb"), verbose_name=_("color")
    )
    holiday_work = models.CharField(
        max_length=10,
        choices=HolidayWork.choices,
        default=HolidayWork.OVERTIME,
        help_text=_("What work on a public holiday counts as when this shift is planned"),
        verbose_name=_("work on a holiday"),
    )

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(absent_below_hours__lte=models.F("half_day_below_hours")),
                name="shift_absent_below_half_day",
            ),
            models.CheckConstraint(
                condition=Q(checkin_window_before_minutes__lte=MAX_WINDOW_MINUTES)
                & Q(checkout_window_after_minutes__lte=MAX_WINDOW_MINUTES),
                name="shift_windows_at_most_12h",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_time:%H:%M}–{self.end_time:%H:%M})"


class Schedule(models.Model):
    """A cycle of ``cycle_length`` days anchored at ``anchor_date``; each day a shift or off.

    Day ``i`` of the cycle falls on ``anchor_date + i + k * cycle_length`` for every whole k
    (before the anchor too). Weekly patterns are 7 days anchored on a Monday.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=80, unique=True, verbose_name=_("name"))
    cycle_length = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("Days in one cycle"),
        verbose_name=_("cycle length"),
    )
    anchor_date = models.DateField(help_text=_("The date of cycle day 1"), verbose_name=_("anchor date"))
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cycle_length__gte=1) & Q(cycle_length__lte=366), name="schedule_cycle_1_to_366"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScheduleDay(models.Model):
    """A shift of cycle day ``day_index`` (0-based) of a schedule; no row or no shift means off.

    A cycle day may hold several shifts (a split shift: 10:00–14:00 and 18:00–22:00), one
    row each, numbered by ``position``; their planned times must not overlap
    (services.schedule_save, ``shift_overlap``)."""

    id = models.BigAutoField(primary_key=True)
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="days", verbose_name=_("schedule"))
    day_index = models.PositiveSmallIntegerField(verbose_name=_("day index"))
    position = models.PositiveSmallIntegerField(
        default=0, help_text=_("Order of this shift within the cycle day (0 = the first)"), verbose_name=_("position")
    )
    shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("shift")
    )

    class Meta:
        verbose_name = _("schedule day")
        verbose_name_plural = _("schedule days")
        ordering = ["schedule", "day_index", "position"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "day_index", "position"], name="schedule_day_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} day {self.day_index + 1}: {self.shift.code if self.shift else 'off'}"


class ScheduleAssignment(models.Model):
    """Employee E follows ``schedule`` from ``start_date`` to ``end_date`` (inclusive, open
    when empty). One employee's assignments never overlap (services.assignment_save),
    except ``additional`` ones: they add their schedule's shifts beside the main plan (a
    second shift every Saturday), as long as the shifts' times do not overlap."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="schedule_assignments", verbose_name=_("employee")
    )
    schedule = models.ForeignKey(
        Schedule, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("schedule")
    )
    start_date = models.DateField(verbose_name=_("start date"))
    end_date = models.DateField(null=True, blank=True, verbose_name=_("end date"))
    additional = models.BooleanField(
        default=False,
        help_text=_("Add this schedule's shifts beside the main schedule's instead of replacing them"),
        verbose_name=_("additional"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("schedule assignment")
        verbose_name_plural = _("schedule assignments")
        ordering = ["employee", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="assignment_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["employee", "start_date"], name="assignment_employee_start")]

    def __str__(self) -> str:
        until = self.end_date.isoformat() if self.end_date else "open"
        return f"{self.employee_id}: {self.schedule} {self.start_date.isoformat()}–{until}"


class ShiftOverride(models.Model):
    """One employee's plan for one date: a shift, or off (``shift`` empty). Wins over the schedule.

    With ``adds`` the override plans its shift beside the date's other shifts (a second
    shift that day) instead of replacing them; one date may have several such rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="shift_overrides", verbose_name=_("employee")
    )
    date = models.DateField(verbose_name=_("date"))
    shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("shift")
    )
    adds = models.BooleanField(
        default=False,
        help_text=_("Plan this shift beside the day's other shifts instead of replacing them"),
        verbose_name=_("additional shift"),
    )
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    swap = models.ForeignKey(
        "ShiftSwapRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="overrides",
        help_text=_("Set when an approved swap made this override"),
        verbose_name=_("swap"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shift override")
        verbose_name_plural = _("shift overrides")
        ordering = ["employee", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "date"], condition=Q(adds=False), name="override_unique_employee_date_replacing"
            ),
            models.UniqueConstraint(
                fields=["employee", "date", "shift"], condition=Q(adds=True), name="override_unique_added_shift"
            ),
            models.CheckConstraint(condition=Q(adds=False) | Q(shift__isnull=False), name="override_added_needs_shift"),
        ]
        indexes = [models.Index(fields=["date"], name="override_date")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date.isoformat()}: {self.shift.code if self.shift else 'off'}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    CANCELLED = "cancelled", _("Cancelled")


class ShiftSwapRequest(models.Model):
    """Two employees exchange their planned shifts on ``date`` once a manager approves.

    The plans are copied when the request is made (for the approver to see) and taken
    afresh when it is approved; approval writes one override per employee.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    requester = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="swap_requests", verbose_name=_("requester")
    )
    counterpart = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="swap_offers", verbose_name=_("counterpart")
    )
    date = models.DateField(verbose_name=_("date"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    requester_shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requester shift")
    )
    counterpart_shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("counterpart shift")
    )
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, verbose_name=_("status")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_comment = models.CharField(max_length=500, blank=True, verbose_name=_("decision comment"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("shift swap request")
        verbose_name_plural = _("shift swap requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(requester=models.F("counterpart")), name="swap_two_employees"),
        ]
        indexes = [models.Index(fields=["status", "date"], name="swap_status_date")]

    def __str__(self) -> str:
        return _("Swap %(date)s %(requester)s ⇄ %(counterpart)s (%(status)s)") % {
            "date": self.date.isoformat(),
            "requester": self.requester_id,
            "counterpart": self.counterpart_id,
            "status": self.get_status_display(),
        }


# --- Corrections and locks --------------------------------------------------------------------


class RegularisationKind(models.TextChoices):
    PUNCH = "punch", _("Add or correct punches")
    DAY = "day", _("Correct the whole day")


class Regularisation(models.Model):
    """An employee's request to correct attendance: add punches (``items``), optionally
    replacing stored punches (``replace_punch_ids``); kind ``day`` replaces every punch of
    the day. Approval adds the items as ``manual`` punches; replaced punches stay stored
    and are voided (PunchVoid), so the original facts are never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="regularisations", verbose_name=_("employee")
    )
    date = models.DateField(help_text=_("The business date being corrected"), verbose_name=_("date"))
    kind = models.CharField(
        max_length=8, choices=RegularisationKind.choices, default=RegularisationKind.PUNCH, verbose_name=_("kind")
    )
    items = models.JSONField(
        default=list,
        help_text=_('[{"timestamp": ISO 8601 with offset, "direction": "in"|"out"|"unknown"}]'),
        verbose_name=_("items"),
    )
    replace_punch_ids = models.JSONField(default=list, blank=True, verbose_name=_("replace punch ids"))
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, verbose_name=_("status")
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decision_comment = models.CharField(max_length=500, blank=True, verbose_name=_("decision comment"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("regularisation")
        verbose_name_plural = _("regularisations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["employee", "date"], name="regularisation_employee_date")]

    def __str__(self) -> str:
        return _("Correction %(date)s for %(employee)s (%(status)s)") % {
            "date": self.date.isoformat(),
            "employee": self.employee_id,
            "status": self.get_status_display(),
        }


class PunchVoid(models.Model):
    """A stored punch that an approved correction replaced: the engine ignores it."""

    id = models.BigAutoField(primary_key=True)
    # No database constraint: the punch table is partitioned on PostgreSQL (see Punch).
    punch = models.OneToOneField(
        Punch, on_delete=models.CASCADE, db_constraint=False, related_name="void", verbose_name=_("punch")
    )
    regularisation = models.ForeignKey(
        Regularisation, on_delete=models.PROTECT, related_name="voids", verbose_name=_("regularisation")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("punch void")
        verbose_name_plural = _("punch voids")

    def __str__(self) -> str:
        return f"void {self.punch_id}"


class PeriodLock(models.Model):
    """A closed period: no attendance change for dates in [date_from, date_to] (``period_locked``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    date_from = models.DateField(verbose_name=_("date from"))
    date_to = models.DateField(verbose_name=_("date to"))
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("locked by"),
    )
    locked_at = models.DateTimeField(auto_now_add=True, verbose_name=_("locked at"))

    class Meta:
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")
        ordering = ["-date_from"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")), name="period_lock_range"),
        ]

    def __str__(self) -> str:
        return f"Locked {self.date_from.isoformat()}–{self.date_to.isoformat()}"


class DirectionMode(models.TextChoices):
    FIRST_LAST = "first_last", _("First punch in, last punch out")
    DEVICE_STATE = "device_state", _("The device's in/out state (pairs)")
    ALTERNATING = "alternating", _("Alternating in, out, in, out")
    IN_OUT = "in_out", _("First IN to last OUT (by the punches' directions)")


class PunchDirectionRule(models.Model):
    """How punches become in/out, per device (opaque device id) or per location. A device's
    rule wins over the employee's location's; without either, first-in/last-out."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    device_id = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        help_text=_("The id of a time clock (devices app)"),
        verbose_name=_("device id"),
    )
    location = models.OneToOneField(
        "accounts.Location",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("location"),
    )
    mode = models.CharField(
        max_length=16, choices=DirectionMode.choices, default=DirectionMode.FIRST_LAST, verbose_name=_("mode")
    )

    class Meta:
        verbose_name = _("punch direction rule")
        verbose_name_plural = _("punch direction rules")
        constraints = [
            models.CheckConstraint(
                condition=(Q(device_id__isnull=True) & Q(location__isnull=False))
                | (Q(device_id__isnull=False) & Q(location__isnull=True)),
                name="direction_rule_device_xor_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location or self.device_id}: {self.get_mode_display()}"


# --- Results -------------------------------------------------------------------------------


class DayStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    HALF_DAY = "half_day", _("Half day")
    MISSING_PUNCH = "missing_punch", _("Missing punch")
    ON_LEAVE = "on_leave", _("On leave")
    HOLIDAY = "holiday", _("Holiday")
    WEEKLY_OFF = "weekly_off", _("Weekly off")


# An AttendanceDay's result as the engine computes it (what the API, the export and the
# recompute's bulk update all carry), then the state of its decision (what it waits for,
# the punch window, a manual status).
DAY_RESULT_FIELDS = (
    "shift",
    "status",
    "first_in",
    "last_out",
    "worked_minutes",
    "late_minutes",
    "early_exit_minutes",
    "overtime_minutes",
    "is_off_day",
    "is_holiday",
    "leave_kind",
    "punch_count",
    "is_final",
)
DAY_STATE_FIELDS = (
    "waiting_for",
    "window_start",
    "window_end",
    "is_manual",
    "manual_reason",
    "manual_by",
)


class AttendanceDay(models.Model):
    """The engine's result for one employee and business date. Derived data: recomputing
    from the same inputs writes the same row (attendance.engine)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="attendance_days", verbose_name=_("employee")
    )
    date = models.DateField(verbose_name=_("date"))
    shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("shift")
    )
    status = models.CharField(max_length=16, choices=DayStatus.choices, verbose_name=_("status"))
    first_in = models.DateTimeField(null=True, blank=True, verbose_name=_("first in"))
    last_out = models.DateTimeField(null=True, blank=True, verbose_name=_("last out"))
    worked_minutes = models.PositiveIntegerField(default=0, verbose_name=_("worked minutes"))
    late_minutes = models.PositiveIntegerField(default=0, verbose_name=_("late minutes"))
    early_exit_minutes = models.PositiveIntegerField(default=0, verbose_name=_("early exit minutes"))
    overtime_minutes = models.PositiveIntegerField(default=0, verbose_name=_("overtime minutes"))
    is_off_day = models.BooleanField(default=False, verbose_name=_("is off day"))
    is_holiday = models.BooleanField(default=False, verbose_name=_("is holiday"))
    leave_kind = models.CharField(max_length=40, blank=True, verbose_name=_("leave kind"))
    punch_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("punch count"))
    is_final = models.BooleanField(default=False, verbose_name=_("is final"))
    waiting_for = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Devices that may still hold punches for this day"),
        verbose_name=_("waiting for"),
    )
    window_start = models.DateTimeField(verbose_name=_("window start"))
    window_end = models.DateTimeField(verbose_name=_("window end"))
    computed_at = models.DateTimeField(
        help_text=_("When this result last changed (recomputing to the same result writes nothing)"),
        verbose_name=_("computed at"),
    )
    # Copied from ManualDayStatus by the recompute: a status set by hand, and why and by whom.
    is_manual = models.BooleanField(default=False, verbose_name=_("set by hand"))
    manual_reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason for the manual status"))
    manual_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("status set by"),
    )
    # One entry per planned shift on days with several (engine.PartResult as JSON, in
    # planned order); empty on days with one shift or none, whose part is the day itself
    # (``shift_parts``). The day's status and totals are derived from the parts.
    parts = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The result of each shift on a day with several"),
        verbose_name=_("shifts"),
    )
    # date + employee id: a unique, indexed, chronological key for cursor pagination.
    sort_key = models.CharField(max_length=48, unique=True, editable=False, verbose_name=_("sort key"))

    class Meta:
        verbose_name = _("attendance day")
        verbose_name_plural = _("attendance days")
        ordering = ["date", "employee"]
        constraints = [models.UniqueConstraint(fields=["employee", "date"], name="attendance_day_unique")]
        indexes = [
            models.Index(fields=["date", "status"], name="attendance_day_date_status"),
            models.Index(fields=["window_end"], condition=Q(is_final=False), name="attendance_day_provisional"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date.isoformat()} {self.status}"

    def shift_parts(self) -> list[dict[str, Any]]:
        """The day's result per shift: the stored parts, or the day itself as its one part
        (a day with one shift); none on a day without a shift."""
        if self.parts:
            return list(self.parts)
        if self.shift_id is None:
            return []
        return [
            {
                "shift": str(self.shift_id),
                "code": self.shift.code if AttendanceDay.shift.is_cached(self) and self.shift else "",
                "status": self.status,
                "first_in": self.first_in.isoformat() if self.first_in else None,
                "last_out": self.last_out.isoformat() if self.last_out else None,
                "worked_minutes": self.worked_minutes,
                "late_minutes": self.late_minutes,
                "early_exit_minutes": self.early_exit_minutes,
                "overtime_minutes": self.overtime_minutes,
                "punch_count": self.punch_count,
                "is_final": self.is_final,
            }
        ]

    def part_rows(self) -> list[dict[str, Any]]:
        """The stored parts for pages: times as aware datetimes, the status's label (None
        while a shift is not due yet)."""
        from datetime import datetime

        def moment(value: str | None) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return [
            {
                **part,
                "first_in": moment(part.get("first_in")),
                "last_out": moment(part.get("last_out")),
                "start": moment(part.get("start")),
                "end": moment(part.get("end")),
                "status_label": DayStatus(part["status"]).label if part.get("status") else None,
            }
            for part in self.parts
        ]

    @staticmethod
    def make_sort_key(day: _date, employee_id: Any) -> str:
        return f"{day.isoformat()}{uuid.UUID(str(employee_id)).hex}"


class ManualDayStatus(models.Model):
    """A day's status set by hand (an admin or the person's manager) with a reason, e.g.
    present on a business trip without punches. The recompute keeps it as the day's status
    until it is deleted (cleared); the punches' metrics stay as computed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="manual_day_statuses", verbose_name=_("employee")
    )
    date = models.DateField(verbose_name=_("date"))
    status = models.CharField(max_length=16, choices=DayStatus.choices, verbose_name=_("status"))
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(auto_now=True, verbose_name=_("set at"))

    class Meta:
        verbose_name = _("manual day status")
        verbose_name_plural = _("manual day statuses")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["employee", "date"], name="manual_day_status_unique")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.date.isoformat()} {self.status} (manual)"


class DirtyDay(models.Model):
    """An employee-date whose inputs changed since it was last computed.

    ``version`` grows on every re-mark; a task claims rows (``claim``, ``claimed_until``,
    ``claimed_version``), recomputes them and deletes only the rows still at the version it
    claimed, so a change that arrives mid-computation is never lost (services.recompute).
    """

    id = models.BigAutoField(primary_key=True)
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    date = models.DateField(verbose_name=_("date"))
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    marked_at = models.DateTimeField(verbose_name=_("marked at"))
    claim = models.UUIDField(null=True, blank=True, verbose_name=_("claim"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    claimed_version = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("claimed version"))

    class Meta:
        verbose_name = _("dirty day")
        verbose_name_plural = _("dirty days")
        constraints = [models.UniqueConstraint(fields=["employee", "date"], name="dirty_day_unique")]
        indexes = [models.Index(fields=["claim"], name="dirty_day_claim")]

    def __str__(self) -> str:
        return f"dirty {self.employee_id} {self.date.isoformat()}"
