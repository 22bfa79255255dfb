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
from django.utils.translation import gettext
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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EMPLOYEE, verbose_name=_("role"))
    # Set on the bootstrap/demo admin: with DEBUG off etime refuses to boot until the
    # password is changed (etime.checks.E003). Cleared by any later set_password().
    password_change_required = models.BooleanField(default=False, verbose_name=_("password change required"))
    # Blank: the browser's Accept-Language decides (LocaleMiddleware); else one of LANGUAGES.
    language = models.CharField(
        max_length=8, blank=True, default="", choices=settings.LANGUAGES, verbose_name=_("language")
    )
    # This person signs in only through the directory (LDAP) or single sign-on; their local
    # password is refused with a clear message (accounts.ldap_policy; ETIME_PASSWORD_LOGIN
    # turns it off for everyone but superusers). Set by an administrator, and at a person's
    # first directory sign-in (accounts.services.user_password_login_retire).
    password_login_disabled = models.BooleanField(
        default=False,
        verbose_name=_("password login disabled"),
        help_text=_(
            "Refuse this person's local password: they sign in through the directory or single sign-on. "
            "Set automatically when they first sign in through the directory."
        ),
    )

    @property
    def is_admin_role(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.ADMIN)

    @property
    def is_manager_role(self) -> bool:
        return self.is_active and self.role == Role.MANAGER

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_change_required = False


class GeofencePolicy(models.TextChoices):
    """What a person's own web or API punch needs from the phone's position (attendance.geofence)."""

    OFF = "off", _("Off: no position asked")
    REQUIRE = "require", _("Require: refuse outside or unknown")
    FLAG = "flag", _("Flag: accept outside or unknown, flagged")


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone], verbose_name=_("time zone")
    )
    country = models.CharField(
        max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2, e.g. CH"), verbose_name=_("country")
    )
    subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text=_("ISO 3166-2 code without country, e.g. ZH"),
        verbose_name=_("subdivision"),
    )
    address = models.TextField(blank=True, verbose_name=_("address"))
    # Web punches from employees at this location are accepted only from these networks
    # (CIDRs, one per line, e.g. 192.0.2.0/24); empty: from anywhere.
    allowed_networks = models.TextField(
        blank=True,
        help_text=_("Web clock-in only from these networks: one CIDR per line (empty: anywhere)."),
        verbose_name=_("allowed networks"),
    )
    # The punch policy (attendance.punch_policy): which doors people of this location may
    # punch through. A person's own web and API punches also need allowed_networks.
    punch_from_devices = models.BooleanField(
        _("punches from time clocks"),
        default=True,
        help_text=_("Accept punches read from this location's time clocks."),
    )
    punch_from_web = models.BooleanField(
        _("punches from the browser"), default=True, help_text=_("People may clock in and out in the browser.")
    )
    punch_from_api = models.BooleanField(
        _("punches through the API"), default=True, help_text=_("People may punch for themselves through the API.")
    )

    # The geofence (attendance.geofence, docs/SECURITY.md): a centre and a radius; the policy
    # says what a person's own web/API punch needs. Positions are stored only with the punch.
    geofence_policy = models.CharField(
        max_length=8,
        choices=GeofencePolicy.choices,
        default=GeofencePolicy.OFF,
        verbose_name=_("geofence policy"),
        help_text=_(
            "For clocking in and out in the browser or the app: off (no position asked); require (the phone's "
            "position must be inside the circle, else the punch is refused); flag (accepted, but flagged for the "
            "manager when outside or unknown)."
        ),
    )
    geofence_latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        verbose_name=_("geofence centre latitude"),
        help_text=_("Decimal degrees, WGS 84 (as map apps show them), e.g. 47.376887."),
    )
    geofence_longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        verbose_name=_("geofence centre longitude"),
        help_text=_("Decimal degrees, WGS 84, e.g. 8.541694 (west of Greenwich: negative)."),
    )
    geofence_radius_m = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name=_("geofence radius (m)"),
        help_text=_("Metres around the centre that count as on site (10 to 50000)."),
    )

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
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
        self.clean_geofence()
        if not self.country:
            if self.subdivision:
                raise ValidationError({"subdivision": "A subdivision needs a country."})
            return
        self.country = self.country.upper()
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValidationError({"country": f"{self.country!r} is not a country with holiday data."})
        if self.subdivision and self.subdivision not in supported[self.country]:
            raise ValidationError({"subdivision": f"{self.subdivision!r} is not a subdivision of {self.country}."})

    def clean_geofence(self) -> None:
        errors: dict[str, str] = {}
        lat, lon, radius = self.geofence_latitude, self.geofence_longitude, self.geofence_radius_m
        if lat is not None and not -90 <= lat <= 90:
            errors["geofence_latitude"] = gettext("A latitude lies between -90 and 90 degrees.")
        if lon is not None and not -180 <= lon <= 180:
            errors["geofence_longitude"] = gettext("A longitude lies between -180 and 180 degrees.")
        if radius is not None and not 10 <= radius <= 50000:
            errors["geofence_radius_m"] = gettext("The radius is 10 to 50000 metres.")
        if self.geofence_policy != GeofencePolicy.OFF:
            for name, value in (("geofence_latitude", lat), ("geofence_longitude", lon), ("geofence_radius_m", radius)):
                if value is None:
                    errors.setdefault(name, gettext("A geofence policy needs the centre and the radius."))
        if errors:
            raise ValidationError(errors)


class Department(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    code = models.CharField(max_length=20, unique=True, null=True, blank=True, verbose_name=_("code"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    user = models.OneToOneField(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
        verbose_name=_("user"),
    )
    code = models.CharField(max_length=32, unique=True, help_text=_("Personnel number, unique"), verbose_name=_("code"))
    first_name = models.CharField(max_length=100, verbose_name=_("first name"))
    last_name = models.CharField(max_length=100, verbose_name=_("last name"))
    email = models.EmailField(null=True, blank=True, unique=True, verbose_name=_("email"))
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name=_("department"),
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports", verbose_name=_("manager")
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="employees", verbose_name=_("location")
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("IANA zone; empty means the location's zone"),
        verbose_name=_("time zone"),
    )
    hire_date = models.DateField(null=True, blank=True, verbose_name=_("hire date"))
    end_date = models.DateField(null=True, blank=True, verbose_name=_("end date"))
    device_user_id = models.CharField(
        max_length=24,
        null=True,
        blank=True,
        unique=True,
        help_text=_("User id / badge PIN on the time clocks"),
        verbose_name=_("device user id"),
    )
    card_number = models.CharField(max_length=32, null=True, blank=True, unique=True, verbose_name=_("card number"))
    # The shared kiosk at the door (issue #20): badge number (device_user_id) + this PIN. Only
    # the hash is kept (Django's password hashers); accounts.kiosk_pin checks it and locks it.
    kiosk_pin = models.CharField(max_length=128, blank=True, verbose_name=_("kiosk PIN (hash)"))
    kiosk_pin_failures = models.PositiveSmallIntegerField(default=0, verbose_name=_("wrong kiosk PINs in a row"))
    kiosk_pin_locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("kiosk PIN locked until"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    prefix = models.CharField(
        max_length=16, help_text=_("First characters, to recognise the token"), verbose_name=_("prefix")
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    scopes = models.JSONField(default=list, verbose_name=_("scopes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))

    class Meta:
        verbose_name_plural = _("API tokens")
        verbose_name = _("API token")
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
