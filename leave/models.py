"""Leave: types, policies and their assignments, the balance ledger, requests, calendar feeds.

Business rules live in ``leave.services`` (writes) and ``leave.selectors`` (reads); these
are tables, constraints and the immutability of ledger entries.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def default_levels() -> list[dict[str, str]]:
    return [{"type": "manager"}]


class LeaveType(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    code = models.SlugField(
        max_length=32, unique=True, help_text=_("Stable identifier, e.g. vacation"), verbose_name=_("code")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    paid = models.BooleanField(default=True, verbose_name=_("paid"))
    allow_half_days = models.BooleanField(
        default=True, help_text=_("Requests may start or end at midday"), verbose_name=_("allow half days")
    )
    counts_non_working_days = models.BooleanField(
        default=False,
        help_text=_("Every calendar day in the range counts (weekends and holidays too)"),
        verbose_name=_("counts non working days"),
    )
    allow_negative = models.BooleanField(
        default=False, help_text=_("Requests may take the balance below zero"), verbose_name=_("allow negative")
    )
    max_consecutive_days = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("Most days one request may ask for; empty: no limit"),
        verbose_name=_("max consecutive days"),
    )
    min_notice_days = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("Calendar days between the request and the first day of leave"),
        verbose_name=_("min notice days"),
    )
    attachment_required_after_days = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Requests of more than this many days need an attachment; empty: never"),
        verbose_name=_("attachment required after days"),
    )
    approval_levels = models.JSONField(
        default=default_levels,
        blank=True,
        help_text=_('Ordered approvers: [{"type": "manager"}, {"type": "group", "group": "HR"}]; [] approves at once'),
        verbose_name=_("approval levels"),
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    color = models.CharField(
        max_length=7, default="#4a90d9", help_text=_("Shown on the team calendar"), verbose_name=_("color")
    )

    class Meta:
        verbose_name = _("leave type")
        verbose_name_plural = _("leave types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        levels = self.approval_levels
        problem = None
        if not isinstance(levels, list):
            problem = "A list of levels."
        else:
            for level in levels:
                if not isinstance(level, dict) or level.get("type") not in ("manager", "group"):
                    problem = 'Each level is {"type": "manager"} or {"type": "group", "group": "<name>"}.'
                elif level["type"] == "group" and not str(level.get("group") or "").strip():
                    problem = "A group level needs the group's name."
        if problem:
            raise ValidationError({"approval_levels": problem})


class GrantMode(models.TextChoices):
    UPFRONT = "upfront", _("Upfront for the year")
    MONTHLY = "monthly", _("Accrued monthly")


class LeavePolicy(models.Model):
    """A yearly entitlement to one leave type. Reaches employees through assignments."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.PROTECT, related_name="policies", verbose_name=_("leave type")
    )
    yearly_days = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal(0))], verbose_name=_("yearly days")
    )
    grant = models.CharField(
        max_length=10, choices=GrantMode.choices, default=GrantMode.UPFRONT, verbose_name=_("grant")
    )
    prorate = models.BooleanField(
        default=True,
        help_text=_("Joiners and leavers get the share of the year they are employed"),
        verbose_name=_("prorate"),
    )
    carry_forward_max_days = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Unused days carried into the next year, at most"),
        verbose_name=_("carry forward max days"),
    )
    carry_forward_expires_after_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Carried days not used by the end of this month of the new year expire (3: 31 March); empty: never"
        ),
        verbose_name=_("carry forward expires after months"),
    )

    class Meta:
        verbose_name = _("leave policy")
        ordering = ["name"]
        verbose_name_plural = _("leave policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(carry_forward_expires_after_months__isnull=True)
                | Q(carry_forward_expires_after_months__gte=1, carry_forward_expires_after_months__lte=12),
                name="leave_policy_expiry_month_1_12",
            )
        ]

    def __str__(self) -> str:
        return self.name


class LeavePolicyAssignment(models.Model):
    """A policy for one employee, a department or a location. The most specific wins:
    employee, then department, then location. ``leave_type`` copies the policy's so that
    one target has at most one policy per leave type (a constraint, not a convention)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    policy = models.ForeignKey(
        LeavePolicy, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("policy")
    )
    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("leave type")
    )
    employee = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("employee"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    location = models.ForeignKey(
        "accounts.Location",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("location"),
    )

    class Meta:
        verbose_name = _("leave policy assignment")
        verbose_name_plural = _("leave policy assignments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(employee__isnull=False, department__isnull=True, location__isnull=True)
                    | Q(employee__isnull=True, department__isnull=False, location__isnull=True)
                    | Q(employee__isnull=True, department__isnull=True, location__isnull=False)
                ),
                name="leave_assignment_one_target",
            ),
            models.UniqueConstraint(fields=["leave_type", "employee"], name="leave_assignment_unique_employee"),
            models.UniqueConstraint(fields=["leave_type", "department"], name="leave_assignment_unique_department"),
            models.UniqueConstraint(fields=["leave_type", "location"], name="leave_assignment_unique_location"),
        ]

    def __str__(self) -> str:
        target = self.employee or self.department or self.location
        return f"{self.policy} → {target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.leave_type_id = self.policy.leave_type_id
        super().save(*args, **kwargs)


class EntryKind(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation")
    ACCRUAL = "accrual", _("Accrual")
    TAKEN = "taken", _("Taken")
    REVERSAL = "reversal", _("Reversal")
    ADJUSTMENT = "adjustment", _("Adjustment")
    CARRY_FORWARD = "carry_forward", _("Carry-forward")
    EXPIRY = "expiry", _("Expiry")


class LedgerImmutable(Exception):
    """Ledger entries are facts: corrections are new entries, never edits."""


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerImmutable("Ledger entries cannot be updated; post a correcting entry.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerImmutable("Ledger entries cannot be deleted; post a correcting entry.")


class LedgerEntry(models.Model):
    """One movement of a balance, in days (positive adds, negative takes away).

    The balance of (employee, leave type, year) is the sum of its entries. Entries are
    immutable: ``save`` refuses an existing row, ``delete`` and queryset ``update``/``delete``
    refuse always, the admin is read-only. ``key`` makes automatic postings (accruals,
    carry-forward, expiry, taken and reversal of a request) idempotent: a task that runs
    twice posts once.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("employee")
    )
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+", verbose_name=_("leave type"))
    year = models.PositiveSmallIntegerField(
        help_text=_("The leave year the entry counts toward"), verbose_name=_("year")
    )
    kind = models.CharField(max_length=16, choices=EntryKind.choices, verbose_name=_("kind"))
    days = models.DecimalField(max_digits=7, decimal_places=2, verbose_name=_("days"))
    effective_date = models.DateField(verbose_name=_("effective date"))
    request = models.ForeignKey(
        "leave.LeaveRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("request"),
    )
    key = models.CharField(max_length=160, null=True, blank=True, unique=True, editable=False, verbose_name=_("key"))
    note = models.CharField(max_length=255, blank=True, verbose_name=_("note"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("ledger entries")
        indexes = [
            # The balance GROUP BY reads (year, employee, leave_type, days) from this index alone.
            models.Index(fields=["year", "employee", "leave_type", "days"], name="ledger_balance"),
            models.Index(fields=["employee", "leave_type", "effective_date"], name="ledger_employee_type_date"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.leave_type_id} {self.year} {self.kind} {self.days:+}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerImmutable("Ledger entries cannot be changed; post a correcting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerImmutable("Ledger entries cannot be deleted; post a correcting entry.")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn after approval")


ACTIVE_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


def attachment_path(instance: LeaveRequest, filename: str) -> str:
    return f"leave/{instance.employee_id}/{uuid.uuid4().hex}/{filename[-100:]}"


class LeaveRequest(models.Model):
    """A date range of leave. ``start_half``: the first day starts at midday (afternoon only);
    ``end_half``: the last day ends at midday (morning only). ``days`` is computed at
    submission (DESIGN §7) and kept, so later calendar changes do not move a decided request."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, related_name="leave_requests", verbose_name=_("employee")
    )
    leave_type = models.ForeignKey(
        LeaveType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("leave type")
    )
    start_date = models.DateField(verbose_name=_("start date"))
    end_date = models.DateField(verbose_name=_("end date"))
    start_half = models.BooleanField(default=False, verbose_name=_("start half"))
    end_half = models.BooleanField(default=False, verbose_name=_("end half"))
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    attachment = models.FileField(upload_to=attachment_path, null=True, blank=True, verbose_name=_("attachment"))
    days = models.DecimalField(max_digits=6, decimal_places=1, verbose_name=_("days"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING, verbose_name=_("status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="leave_request_dates_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "start_date", "end_date"], name="leave_request_employee_range"),
            models.Index(fields=["status", "year", "employee", "leave_type"], name="leave_request_pending"),
            models.Index(fields=["start_date", "end_date"], name="leave_request_range"),
        ]

    def __str__(self) -> str:
        return f"{self.leave_type} {self.start_date}–{self.end_date} ({self.status})"

    def slots(self) -> tuple[int, int]:
        """[first, last) half-day slots: day ordinal × 2, + 1 for the afternoon."""
        first = self.start_date.toordinal() * 2 + (1 if self.start_half else 0)
        last = self.end_date.toordinal() * 2 + (1 if self.end_half else 2)
        return first, last


class FeedKind(models.TextChoices):
    EMPLOYEE = "employee", _("One employee's leave")
    TEAM = "team", _("A team's leave")


class CalendarFeed(models.Model):
    """A secret iCalendar URL. Only the token's SHA-256 is stored; the URL is shown once.
    Revoking it makes the URL answer 404. What a feed shows is decided at each fetch by
    what its owner may see then."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave_feeds", verbose_name=_("owner")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    kind = models.CharField(max_length=10, choices=FeedKind.choices, verbose_name=_("kind"))
    employee = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("employee"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Team feeds: this department; empty: everyone the owner may see"),
        verbose_name=_("department"),
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    prefix = models.CharField(max_length=12, verbose_name=_("prefix"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_fetched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last fetched at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
