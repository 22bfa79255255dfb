from __future__ import annotations

import uuid
import zoneinfo
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from etime.core.networks import Network, parse_networks


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not an IANA time zone (for example Europe/Zurich).", code="invalid")


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    EMPLOYEE = "employee", _("Employee")


class User(AbstractUser):
    """The login. Its role decides what it may see; its Employee record what it is."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EMPLOYEE)
    # Set on the bootstrap/demo admin: with DEBUG off etime refuses to boot until the
    # password is changed (etime.checks.E003). Cleared by any later set_password().
    password_change_required = models.BooleanField(default=False)
    # Blank: the browser's Accept-Language decides (LocaleMiddleware); else one of LANGUAGES.
    language = models.CharField(max_length=8, blank=True, default="", choices=settings.LANGUAGES)

    @property
    def is_admin_role(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.ADMIN)

    @property
    def is_manager_role(self) -> bool:
        return self.is_active and self.role == Role.MANAGER

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_change_required = False


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2, e.g. CH")
    subdivision = models.CharField(max_length=10, blank=True, help_text="ISO 3166-2 code without country, e.g. ZH")
    address = models.TextField(blank=True)
    # Web punches from employees at this location are accepted only from these networks
    # (CIDRs, one per line, e.g. 192.0.2.0/24); empty: from anywhere.
    allowed_networks = models.TextField(
        blank=True, help_text="Web clock-in only from these networks: one CIDR per line (empty: anywhere)."
    )
    # The punch policy (attendance.punch_policy): which doors people of this location may
    # punch through. A person's own web and API punches also need allowed_networks.
    punch_from_devices = models.BooleanField(
        _("punches from time clocks"), default=True, help_text=_("Accept punches read from this location's time clocks.")
    )
    punch_from_web = models.BooleanField(
        _("punches from the browser"), default=True, help_text=_("People may clock in and out in the browser.")
    )
    punch_from_api = models.BooleanField(
        _("punches through the API"), default=True, help_text=_("People may punch for themselves through the API.")
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def networks(self) -> list[Network]:
        return parse_networks(self.allowed_networks)

    def clean(self) -> None:
        import holidays

        try:
            self.networks()
        except ValueError as exc:
            raise ValidationError({"allowed_networks": f"Not a network in CIDR notation: {exc}"}) from None
        if not self.country:
            if self.subdivision:
                raise ValidationError({"subdivision": "A subdivision needs a country."})
            return
        self.country = self.country.upper()
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValidationError({"country": f"{self.country!r} is not a country with holiday data."})
        if self.subdivision and self.subdivision not in supported[self.country]:
            raise ValidationError(
                {"subdivision": f"{self.subdivision!r} is not a subdivision of {self.country}."}
            )


class Department(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=20, unique=True, null=True, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    code = models.CharField(max_length=32, unique=True, help_text="Personnel number, unique")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(null=True, blank=True, unique=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="employees")
    time_zone = models.CharField(
        max_length=64, blank=True, validators=[validate_time_zone],
        help_text="IANA zone; empty means the location's zone",
    )
    hire_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    device_user_id = models.CharField(
        max_length=24, null=True, blank=True, unique=True,
        help_text="User id / badge PIN on the time clocks",
    )
    card_number = models.CharField(max_length=32, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(hire_date__isnull=True) | Q(end_date__gte=models.F("hire_date")),
                name="employee_end_after_hire",
            ),
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="employee_not_own_manager"),
        ]
        indexes = [models.Index(fields=["manager"]), models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def effective_time_zone(self) -> str:
        from etime.core.zones import employee_zone_name  # the one rule (own, location, TIME_ZONE)

        return employee_zone_name(self)

    def is_active_on(self, day: date | None = None) -> bool:
        day = day or timezone.localdate()
        return (self.hire_date is None or self.hire_date <= day) and (self.end_date is None or day <= self.end_date)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.hire_date and self.end_date and self.end_date < self.hire_date:
            errors["end_date"] = "The end date is before the hire date."
        if self.manager_id and self.pk and self.manager_id == self.pk:
            errors["manager"] = "An employee cannot be their own manager."
        elif self.manager_id and self.pk:
            # Walk up from the proposed manager: meeting ourselves means a cycle.
            seen: set[Any] = set()
            current: Any = self.manager_id
            while current and current not in seen:
                if current == self.pk:
                    errors["manager"] = "This manager reports to this employee; that would make a cycle."
                    break
                seen.add(current)
                current = Employee.objects.filter(pk=current).values_list("manager_id", flat=True).first()
        if errors:
            raise ValidationError(errors)


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once at creation.

    Tokens are 256-bit random values, so a fast hash is safe here (no guessing a
    pre-image) and lets every request look the token up by hash in one indexed query.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise the token")
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
from accounts.holidays import Holiday, HolidayCalendar, HolidaySource  # noqa: E402,F401  (holiday calendars)
