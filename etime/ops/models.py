from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class BackupRecord(models.Model):
    """One backup or restore attempt and how it ended. Written by etime.ops.backup.service."""

    class Kind(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled backup")
        MANUAL = "manual", _("Manual backup")
        RESTORE_POINT = "restore_point", _("Restore point (before a restore)")
        RESTORE = "restore", _("Restore")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING, verbose_name=_("state"))
    name = models.CharField(
        max_length=255, blank=True, help_text=_("Archive name in the backup storage"), verbose_name=_("name")
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    size = models.BigIntegerField(null=True, blank=True, verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("sha256"))
    encrypted = models.BooleanField(default=False, verbose_name=_("encrypted"))
    engine = models.CharField(max_length=16, blank=True, verbose_name=_("engine"))
    verified = models.BooleanField(default=False, verbose_name=_("verified"))
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("verified at"))
    summary = models.JSONField(
        default=dict, blank=True, help_text=_("Schema version, row counts, media files"), verbose_name=_("summary")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("backup record")
        verbose_name_plural = _("backup records")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "state", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.state}"


class Job(models.Model):
    """A long-running task's progress, polled by the page that started it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    kind = models.CharField(max_length=64, help_text=_("e.g. backup, restore, report"), verbose_name=_("kind"))
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, verbose_name=_("state"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    total = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("total"))
    message = models.CharField(max_length=255, blank=True, verbose_name=_("message"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    result = models.JSONField(default=dict, blank=True, verbose_name=_("result"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.state} {self.done}/{self.total or '?'}"


def _validate_time_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from django.core.exceptions import ValidationError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(gettext("%(value)r is not an IANA time zone.") % {"value": value}) from None


def _default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


# The periodic close looks 7 days back (ETIME_ATTENDANCE_CLOSE_LOOKBACK_DAYS): a window closes
# at most ~2.5 days after its date, so 72 h later is still inside the look-back.
ABSENT_AFTER_MAX_HOURS = 72
# Punch retention (attendance.partitions.retention_apply): 0 keeps everything; otherwise at
# least this many months, so the current month and the recent past are never archived.
PUNCH_RETENTION_MIN_MONTHS = 3
PUNCH_RETENTION_MAX_MONTHS = 1200


class CompanySettings(models.Model):
    """The one row of company-wide settings (pk is always 1). Read with
    ``etime.ops.company.company_settings()``; written by ``company_settings_update``."""

    class DateFormat(models.TextChoices):
        ISO = "YYYY-MM-DD", "YYYY-MM-DD"
        DOTTED = "DD.MM.YYYY", "DD.MM.YYYY"
        US = "MM/DD/YYYY", "MM/DD/YYYY"
        SLASHED = "DD/MM/YYYY", "DD/MM/YYYY"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class SwapScope(models.TextChoices):
        """Whom an employee may offer a shift swap (attendance.selectors.swap_colleagues)."""

        NONE = "none", _("Nobody: shift swaps are turned off")
        TEAM = "team", _("The same team (the same manager)")
        DEPARTMENT = "department", _("The same department")
        LOCATION = "location", _("The same location")
        COMPANY = "company", _("Anyone in the company")

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    company_name = models.CharField(max_length=200, default="etime", verbose_name=_("company name"))
    address = models.TextField(blank=True, verbose_name=_("address"))
    logo = models.FileField(upload_to="company/", blank=True, verbose_name=_("logo"))
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    default_currency = models.CharField(
        max_length=3, default="EUR", help_text=_("ISO 4217 code"), verbose_name=_("default currency")
    )
    date_format = models.CharField(
        max_length=10, choices=DateFormat.choices, default=DateFormat.ISO, verbose_name=_("date format")
    )
    week_start = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, verbose_name=_("week start")
    )
    default_time_zone = models.CharField(
        max_length=64, default="UTC", validators=[_validate_time_zone], verbose_name=_("default time zone")
    )
    weekly_hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=40,
        help_text=_("Expected hours per week"),
        verbose_name=_("weekly hours"),
    )
    daily_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=8,
        help_text=_("Expected hours per working day"),
        verbose_name=_("daily hours"),
    )
    working_days = models.JSONField(
        default=_default_working_days, help_text=_("Weekdays worked, 0 = Monday"), verbose_name=_("working days")
    )
    swap_scope = models.CharField(
        max_length=16,
        choices=SwapScope.choices,
        default=SwapScope.DEPARTMENT,
        verbose_name=_("shift swaps between"),
        help_text=_(
            "Whom an employee may offer a shift swap. The colleague agrees and the managers decide in every case; "
            "a manager or an admin may also arrange a swap with someone they manage."
        ),
    )
    absent_after_hours = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(ABSENT_AFTER_MAX_HOURS)],
        verbose_name=_("absence recorded after (hours)"),
        help_text=_(
            "A planned day without punches becomes absent this many hours after its shift's window closes "
            "(0: at the close). Off days, holidays and leave are not delayed."
        ),
    )
    punch_retention_months = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(PUNCH_RETENTION_MAX_MONTHS)],
        verbose_name=_("keep punches (months)"),
        help_text=_(
            "0 keeps every punch. Otherwise punches of older months (the current month counts as one) are "
            "written to an archive file in the backup directory and removed, once a day; their days stay as "
            "computed and are locked. PostgreSQL only."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = verbose_name_plural = _("company settings")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="ops_company_settings_singleton")]

    def __str__(self) -> str:
        return self.company_name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        if not (
            len(self.default_currency) == 3 and self.default_currency.isalpha() and self.default_currency.isupper()
        ):
            errors["default_currency"] = gettext("Use a three-letter ISO 4217 code such as EUR.")
        days = self.working_days
        if (
            not isinstance(days, list)
            or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days)
            or len(set(days)) != len(days)
        ):
            errors["working_days"] = gettext("A list of distinct weekdays, 0 (Monday) to 6 (Sunday).")
        if 0 < self.punch_retention_months < PUNCH_RETENTION_MIN_MONTHS:
            errors["punch_retention_months"] = gettext(
                "Keep at least %(months)d months of punches, or 0 to keep them all."
            ) % {"months": PUNCH_RETENTION_MIN_MONTHS}
        if self.iban and (len(self.iban.replace(" ", "")) < 15 or not self.iban.replace(" ", "").isalnum()):
            errors["iban"] = gettext("Not an IBAN.")
        if errors:
            raise ValidationError(errors)


class NotificationKind(models.TextChoices):
    TIMER_RUNNING = "timer_running", _("A timer left running")
    MISSING_TIME = "missing_time", _("Missing time entries")
    APPROVALS_WAITING = "approvals_waiting", _("Approvals waiting for me")
    LEAVE_DECIDED = "leave_decided", _("My leave request was decided")
    DEVICE_OFFLINE = "device_offline", _("A time clock went offline")
    WARRANTY_EXPIRING = "warranty_expiring", _("Equipment warranty ending soon")
    BACKUP_FAILED = "backup_failed", _("A backup failed")
    INVOICE_OVERDUE = "invoice_overdue", _("An invoice is overdue")
    PROJECT_BUDGET = "project_budget", _("A project I manage reached a budget threshold (80 %, 100 %)")
    TIMESHEET_RETURNED = "timesheet_returned", _("My timesheet was returned")


class NotificationPreference(models.Model):
    """A user's choice for one kind, per channel; no row means the defaults (both on)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, verbose_name=_("kind"))
    email = models.BooleanField(default=True, verbose_name=_("email"))
    in_app = models.BooleanField(default=True, verbose_name=_("in the app"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="ops_notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} email {'on' if self.email else 'off'}, app {'on' if self.in_app else 'off'}"


class Notification(models.Model):
    """What etime sent (or chose not to send, and why)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued (sent after commit)")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))  # its admin shows the id: labelled
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    recipient = models.EmailField(blank=True, verbose_name=_("recipient"))
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, verbose_name=_("kind"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("body"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status"))
    reason = models.CharField(max_length=255, blank=True, verbose_name=_("reason"))
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Sending attempts so far (failed ones are retried)"), verbose_name=_("attempts")
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient or self.user_id}: {self.status}"


class InAppNotification(models.Model):
    """One notification in a person's list (the bell), written by ``notify`` beside the mail.
    Read ones are deleted after ETIME_NOTIFICATIONS_READ_RETENTION_DAYS (``ops.purge_notifications``)."""

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, verbose_name=_("kind"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    link = models.CharField(
        max_length=500, blank=True, help_text=_("A page of this site about the object"), verbose_name=_("link")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("in-app notification")
        verbose_name_plural = _("in-app notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ops_inapp_user_created"),
            models.Index(fields=["user"], condition=models.Q(read_at__isnull=True), name="ops_inapp_unread"),
            models.Index(fields=["read_at"], condition=models.Q(read_at__isnull=False), name="ops_inapp_read"),
        ]

    def __str__(self) -> str:
        return self.subject or self.get_kind_display()


class ReportSubscription(models.Model):
    """People who receive a report by email on a schedule (see etime.ops.reports)."""

    class Schedule(models.TextChoices):
        DAILY = "daily", _("Daily (yesterday)")
        WEEKLY = "weekly", _("Weekly on Monday (last week)")
        MONTHLY = "monthly", _("Monthly on the 1st (last month)")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        XLSX = "xlsx", "XLSX"

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=120, verbose_name=_("name"))
    report = models.CharField(
        max_length=64, help_text=_("A registered report (see the choices in the admin)"), verbose_name=_("report")
    )
    schedule = models.CharField(
        max_length=8, choices=Schedule.choices, default=Schedule.MONTHLY, verbose_name=_("schedule")
    )
    format = models.CharField(max_length=4, choices=Format.choices, default=Format.PDF, verbose_name=_("format"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("recipients")
    )
    extra_emails = models.TextField(
        blank=True, help_text=_("More addresses, one a line"), verbose_name=_("extra emails")
    )
    active = models.BooleanField(default=True, verbose_name=_("active"))
    last_period_end = models.DateField(null=True, blank=True, editable=False, verbose_name=_("last period end"))
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last sent at"))

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")

    def __str__(self) -> str:
        return self.name

    def recipient_emails(self) -> list[str]:
        emails = [u.email for u in self.recipients.filter(is_active=True) if u.email]
        emails += [line.strip() for line in self.extra_emails.splitlines() if line.strip()]
        return sorted(set(emails))
