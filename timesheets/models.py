"""Clients, projects, tasks, dated rates, time entries and weekly timesheets.

Business rules live in ``services.py``; this module holds tables, constraints and tiny
helpers. One constraint is not declared here: on PostgreSQL, migration 0002 adds an
exclusion constraint (``timeentry_no_overlap``) over (employee, [start, end)), so two
overlapping entries of one employee can never be stored, even by concurrent writers.
It is PostgreSQL-only (GiST + btree_gist), so it lives in the migration rather than in
``Meta.constraints``, where Django would also try to build and validate it on SQLite.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

OVERLAP_CONSTRAINT = "timeentry_no_overlap"
RUNNING_TIMER_CONSTRAINT = "timeentry_one_running_timer"

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def validate_currency(value: str) -> None:
    if not _CURRENCY.match((value or "").upper()):  # stored upper case (services normalise)
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code (three capital letters, e.g. CHF).")


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s ISO week: timesheets are Monday to Sunday."""
    return day - timedelta(days=day.weekday())


class Client(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency], verbose_name=_("currency"))
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Percent; 0 means VAT-exempt (no VAT line on invoices)."),
        verbose_name=_("vat rate"),
    )
    country = models.CharField(
        max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2, e.g. CH"), verbose_name=_("country")
    )
    billing_address = models.TextField(blank=True, verbose_name=_("billing address"))
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        default="",
        choices=settings.LANGUAGES,
        help_text=_("Invoices and reminders to this client are written in it; empty: the site's default."),
    )
    payment_terms_days = models.PositiveSmallIntegerField(default=30, verbose_name=_("payment terms days"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="client_vat_rate_percent"),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    ARCHIVED = "archived", _("Archived")


class RoundingMode(models.TextChoices):
    UP = "up", _("Round up")
    NEAREST = "nearest", _("Round to nearest")
    DOWN = "down", _("Round down")


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects", verbose_name=_("client"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    billable = models.BooleanField(default=True, verbose_name=_("billable"))
    budget_hours = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, verbose_name=_("budget hours")
    )
    budget_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("In the client's currency"),
        verbose_name=_("budget amount"),
    )
    status = models.CharField(
        max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE, verbose_name=_("status")
    )
    members = models.ManyToManyField(
        "accounts.Employee",
        blank=True,
        related_name="projects",
        help_text=_("Who may log time here; nobody listed means everyone."),
        verbose_name=_("members"),
    )
    managers = models.ManyToManyField(
        "accounts.Employee",
        blank=True,
        related_name="managed_projects",
        help_text=_(
            "Told by notification when the project's hours or money budget is used up to 80 %, and again to 100 %."
        ),
        verbose_name=_("project managers"),
    )
    rounding_minutes = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(240)],
        help_text=_(
            "Round each entry's billed duration to this many minutes (0: no rounding). The raw duration is kept."
        ),
        verbose_name=_("rounding minutes"),
    )
    rounding_mode = models.CharField(
        max_length=8, choices=RoundingMode.choices, default=RoundingMode.UP, verbose_name=_("rounding mode")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="project_unique_name_per_client"),
            models.CheckConstraint(
                condition=Q(budget_hours__gte=0) | Q(budget_hours__isnull=True), name="project_budget_hours_positive"
            ),
            models.CheckConstraint(
                condition=Q(budget_amount__gte=0) | Q(budget_amount__isnull=True), name="project_budget_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def rounded(self, seconds: int) -> int:
        """The billed duration of ``seconds`` under this project's rounding rule."""
        step = self.rounding_minutes * 60
        if not step:
            return seconds
        whole, rest = divmod(seconds, step)
        if rest == 0:
            return seconds
        if self.rounding_mode == RoundingMode.UP or (self.rounding_mode == RoundingMode.NEAREST and rest * 2 >= step):
            return (whole + 1) * step
        return whole * step


class Task(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("project"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    billable = models.BooleanField(default=True, verbose_name=_("billable"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["project__name", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="task_unique_name_per_project")]

    def __str__(self) -> str:
        return self.name


class RateLevel(models.TextChoices):
    TASK = "task", _("Task")
    PROJECT = "project", _("Project")
    CLIENT = "client", _("Client")
    EMPLOYEE = "employee", _("Employee")


class RateKind(models.TextChoices):
    BILLING = "billing", _("Billing rate")
    COST = "cost", _("Internal cost rate")


class Rate(models.Model):
    """An hourly rate valid from ``effective_from`` until the next rate of the same target.

    Rates are a history: a change is a new row, never an edit of an old one, so what an
    entry was billed at can always be explained. Cost rates (internal cost of an
    employee's hour, for margins) exist at employee level only.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    kind = models.CharField(max_length=8, choices=RateKind.choices, default=RateKind.BILLING, verbose_name=_("kind"))
    level = models.CharField(max_length=8, choices=RateLevel.choices, verbose_name=_("level"))
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="rates", verbose_name=_("task")
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="rates", verbose_name=_("project")
    )
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="rates", verbose_name=_("client")
    )
    employee = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rates",
        verbose_name=_("employee"),
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], verbose_name=_("amount")
    )
    currency = models.CharField(max_length=3, validators=[validate_currency], verbose_name=_("currency"))
    effective_from = models.DateField(verbose_name=_("effective from"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["-effective_from", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_amount_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(
                        level="task",
                        task__isnull=False,
                        project__isnull=True,
                        client__isnull=True,
                        employee__isnull=True,
                    )
                    | Q(
                        level="project",
                        task__isnull=True,
                        project__isnull=False,
                        client__isnull=True,
                        employee__isnull=True,
                    )
                    | Q(
                        level="client",
                        task__isnull=True,
                        project__isnull=True,
                        client__isnull=False,
                        employee__isnull=True,
                    )
                    | Q(
                        level="employee",
                        task__isnull=True,
                        project__isnull=True,
                        client__isnull=True,
                        employee__isnull=False,
                    )
                ),
                name="rate_target_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(kind="billing") | Q(level="employee"), name="rate_cost_only_for_employees"
            ),
            models.UniqueConstraint(
                fields=["task", "effective_from"], condition=Q(level="task"), name="rate_unique_task_day"
            ),
            models.UniqueConstraint(
                fields=["project", "effective_from"], condition=Q(level="project"), name="rate_unique_project_day"
            ),
            models.UniqueConstraint(
                fields=["client", "effective_from"], condition=Q(level="client"), name="rate_unique_client_day"
            ),
            models.UniqueConstraint(
                fields=["kind", "employee", "effective_from"],
                condition=Q(level="employee"),
                name="rate_unique_employee_day",
            ),
        ]

    def __str__(self) -> str:
        return _("%(level)s %(kind)s %(amount)s %(currency)s from %(date)s") % {
            "level": self.get_level_display(),
            "kind": self.get_kind_display(),
            "amount": self.amount,
            "currency": self.currency,
            "date": self.effective_from,
        }

    @property
    def target_id(self) -> uuid.UUID | None:
        return {
            RateLevel.TASK: self.task_id,
            RateLevel.PROJECT: self.project_id,
            RateLevel.CLIENT: self.client_id,
            RateLevel.EMPLOYEE: self.employee_id,
        }.get(RateLevel(self.level))


class EntryStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("document state", "Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    INVOICED = "invoiced", _("Invoiced")


class RateSource(models.TextChoices):
    TASK = "task", _("Task")
    PROJECT = "project", _("Project")
    CLIENT = "client", _("Client")
    EMPLOYEE = "employee", _("Employee")
    NONE = "none", _("No rate (0)")


class EntrySource(models.TextChoices):
    MANUAL = "manual", _("Entered")
    TIMER = "timer", _("Timer")
    IMPORT = "import", _("Imported")


LOCKED_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.APPROVED, EntryStatus.INVOICED)


class TimeEntry(models.Model):
    """Time an employee spent on a project: the half-open range [start, end).

    A running timer is an entry without ``end`` (at most one per employee). ``date`` is
    the start's calendar date in the employee's time zone: the day and ISO week the
    entry counts for. The rate fields are a snapshot taken when the entry was resolved;
    later rate changes never touch them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("employee")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("project")
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries", verbose_name=_("task")
    )
    start = models.DateTimeField(verbose_name=_("start"))
    end = models.DateTimeField(null=True, blank=True, verbose_name=_("end"))
    date = models.DateField(
        editable=False, help_text=_("The start's date in the employee's time zone"), verbose_name=_("date")
    )
    duration_seconds = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("duration seconds")
    )
    rounded_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text=_("The duration after the project's rounding rule"),
        verbose_name=_("rounded seconds"),
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    billable = models.BooleanField(default=True, verbose_name=_("billable"))
    status = models.CharField(
        max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT, verbose_name=_("status")
    )
    rate_applied = models.DecimalField(max_digits=14, decimal_places=2, default=0, verbose_name=_("rate applied"))
    rate_currency = models.CharField(max_length=3, blank=True, verbose_name=_("rate currency"))
    rate_effective_date = models.DateField(null=True, blank=True, verbose_name=_("rate effective date"))
    rate_source = models.CharField(
        max_length=8, choices=RateSource.choices, default=RateSource.NONE, verbose_name=_("rate source")
    )
    cost_rate_applied = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, verbose_name=_("cost rate applied")
    )
    cost_rate_currency = models.CharField(max_length=3, blank=True, verbose_name=_("cost rate currency"))
    # billing depends on timesheets (never the reverse), so the invoice is a plain id
    # that billing sets through services.time_entries_mark_invoiced.
    invoice_id = models.UUIDField(null=True, blank=True, db_index=True, verbose_name=_("invoice id"))
    source = models.CharField(
        max_length=8, choices=EntrySource.choices, default=EntrySource.MANUAL, verbose_name=_("source")
    )
    auto_stopped = models.BooleanField(
        default=False, help_text=_("A timer stopped by etime at the running-time limit"), verbose_name=_("auto stopped")
    )
    external_id = models.CharField(
        max_length=128,
        blank=True,
        help_text=_("The id in the system it was imported from"),
        verbose_name=_("external id"),
    )
    # Unique, indexed list order (start, then id) for cursor pagination: a cursor needs
    # one totally ordered column, and many entries share a start time.
    sort_key = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("sort key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("time entry")
        ordering = ["-start"]
        verbose_name_plural = _("time entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")), name="timeentry_end_after_start"
            ),
            models.UniqueConstraint(fields=["employee"], condition=Q(end__isnull=True), name=RUNNING_TIMER_CONSTRAINT),
            models.CheckConstraint(
                condition=~Q(status="invoiced") | Q(invoice_id__isnull=False), name="timeentry_invoiced_has_invoice"
            ),
        ]
        indexes = [
            models.Index(fields=["employee", "start"], name="timeentry_employee_start"),
            models.Index(fields=["employee", "date"], name="timeentry_employee_date"),
            models.Index(fields=["project", "date"], name="timeentry_project_date"),
            models.Index(fields=["date"], name="timeentry_date"),
        ]

    def __str__(self) -> str:
        end = f"{self.end:%H:%M}" if self.end else "running"
        return f"{self.start:%Y-%m-%d %H:%M}–{end} UTC"

    @property
    def is_running(self) -> bool:
        return self.end is None

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


def make_sort_key(start: datetime, entry_id: uuid.UUID) -> str:
    """(start in UTC to the microsecond, id): sorts as the entries' start order."""
    from datetime import UTC

    return f"{start.astimezone(UTC):%Y%m%d%H%M%S%f}{entry_id.hex}"


class DeletionReason(models.TextChoices):
    """Why a time entry went: the tombstone's ``reason``, a value integrators sync on."""

    DELETED = "deleted", _("deleted by a person")
    MERGED = "merged", _("merged into a new entry that overlapped it")
    REPLACED = "replaced", _("replaced by a new entry that overlapped it")
    TRIMMED = "trimmed", _("covered entirely by a new entry that kept its time")
    DISCARDED = "discarded", _("a timer stopped within its first minute, discarded as its owner chose")


def _explain_choices(choices: type[models.TextChoices]) -> str:
    """``value: label; …`` as a field's help text, in the reader's language, built from the
    field's choices so a new value cannot go unexplained. Each value is the same in every
    language (integrators sync on it), so it is set as ``<code>`` (admin help texts and the
    API description are HTML)."""
    return lazy(lambda: "; ".join(f"<code>{value}</code>: {label}" for value, label in choices.choices), str)()


class ShortTimer(models.TextChoices):
    """What stopping a timer that ran under a minute does (a person's choice)."""

    KEEP = "keep", _("Keep it as one minute")
    DISCARD = "discard", _("Discard it")


class TimerPreference(models.Model):
    """One person's timer choices; no row means the defaults (short timers kept as a minute)."""

    employee = models.OneToOneField(
        "accounts.Employee", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    short_timers = models.CharField(
        max_length=8,
        choices=ShortTimer.choices,
        default=ShortTimer.KEEP,
        verbose_name=_("timers stopped within a minute"),
        help_text=_explain_choices(ShortTimer),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("timer preference")
        verbose_name_plural = _("timer preferences")

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.short_timers}"


class TimeEntryDeletion(models.Model):
    """A tombstone, so integrators syncing with ``updated_since`` learn of deletions."""

    id = models.BigAutoField(primary_key=True)
    entry_id = models.UUIDField(db_index=True, verbose_name=_("entry id"))
    employee_id = models.UUIDField(db_index=True, verbose_name=_("employee id"))
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("deleted at"))
    reason = models.CharField(
        max_length=16,
        choices=DeletionReason.choices,
        default=DeletionReason.DELETED,
        help_text=_explain_choices(DeletionReason),
        verbose_name=_("reason"),
    )

    class Meta:
        verbose_name = _("time entry deletion")
        verbose_name_plural = _("time entry deletions")
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return _("%(entry)s %(reason)s at %(when)s") % {
            "entry": self.entry_id,
            "reason": self.reason,
            "when": f"{self.deleted_at:%Y-%m-%d %H:%M}",
        }


class TimesheetStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("timesheet state", "Open")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class Timesheet(models.Model):
    """One employee's week (Monday to Sunday, by entry date), submitted for approval."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, related_name="timesheets", verbose_name=_("employee")
    )
    week_start = models.DateField(help_text=_("Monday"), verbose_name=_("week start"))
    status = models.CharField(
        max_length=10, choices=TimesheetStatus.choices, default=TimesheetStatus.OPEN, verbose_name=_("status")
    )
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    comment = models.TextField(
        blank=True, help_text=_("The approver's comment when returned"), verbose_name=_("comment")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("timesheet")
        verbose_name_plural = _("timesheets")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "week_start"], name="timesheet_unique_employee_week")
        ]
        indexes = [models.Index(fields=["status", "week_start"], name="timesheet_status_week")]

    def __str__(self) -> str:
        return f"{self.employee} week of {self.week_start}"

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def is_locked(self) -> bool:
        return self.status in (TimesheetStatus.SUBMITTED, TimesheetStatus.APPROVED)


class ReminderKind(models.TextChoices):
    DAILY_SHORTFALL = "daily_shortfall", _("Logged less than expected")
    APPROVALS_WAITING = "approvals_waiting", _("Timesheets waiting for approval")


class ReminderLog(models.Model):
    """A reminder sent: claimed by inserting this row first, so a task delivered twice
    (Celery may) never mails twice."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=20, choices=ReminderKind.choices, verbose_name=_("kind"))
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    day = models.DateField(verbose_name=_("day"))
    sent_at = models.DateTimeField(auto_now_add=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("reminder log")
        verbose_name_plural = _("reminder logs")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["kind", "employee", "day"], name="reminder_once_per_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.employee_id} {self.day}"


class BudgetMeasure(models.TextChoices):
    HOURS = "hours", _("Hours")
    AMOUNT = "amount", _("Amount")


class ProjectBudgetAlert(models.Model):
    """A budget threshold a project has reached and its managers were told of: one row per
    project, measure and threshold, so each alert goes out once. When the budget is raised
    and the project falls below a threshold again, its row is deleted and the alert goes
    out again when the threshold is next reached."""

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_alerts", verbose_name=_("project")
    )
    measure = models.CharField(max_length=8, choices=BudgetMeasure.choices, verbose_name=_("measure"))
    threshold = models.PositiveSmallIntegerField(verbose_name=_("threshold (%)"))
    reached_at = models.DateTimeField(verbose_name=_("reached at"))

    class Meta:
        verbose_name = _("project budget alert")
        verbose_name_plural = _("project budget alerts")
        ordering = ["-reached_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "measure", "threshold"], name="project_budget_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.measure} {self.threshold}%"
