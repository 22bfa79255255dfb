"""Time clocks, their sync runs and the ADMS command queue.

Punches themselves live in attendance (attendance.models.Punch, keyed by this Device's id);
devices only reads clocks and writes through attendance.services.punches_ingest.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from devices import conf, crypto
from etime.core.networks import Network, address_allowed, parse_networks


class Protocol(models.TextChoices):
    ZK = "zk", _("ZK standalone protocol (polled over TCP/UDP)")
    ADMS = "adms", _("ADMS push (the clock calls etime over HTTP)")


class Transport(models.TextChoices):
    TCP = "tcp", "TCP"
    UDP = "udp", "UDP"


class DeviceStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not contacted yet")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")
    ERROR = "error", _("Error")


def _default_time_zone() -> str:
    return conf.default_time_zone()


class Device(models.Model):
    """A time clock. Settings are edited by admins; the rest is written by the sync pipeline."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    vendor = models.CharField(max_length=60, default="ZKTeco", blank=True)
    model = models.CharField(max_length=60, default="identiX K20", blank=True)
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.ZK)
    host = models.CharField(max_length=255, blank=True, help_text="IP address or host name (ZK devices)")
    port = models.PositiveIntegerField(default=4370, validators=[MinValueValidator(1), MaxValueValidator(65535)])
    transport = models.CharField(max_length=3, choices=Transport.choices, default=Transport.TCP)
    # Fernet token (devices.crypto); "" = no comm key. Never shown, never audited.
    comm_key_encrypted = models.TextField(blank=True, editable=False)
    time_zone = models.CharField(
        max_length=64, default=_default_time_zone, validators=[validate_time_zone],
        help_text="The zone the device clock shows (its records carry naive local times)",
    )  # fmt: skip
    location = models.ForeignKey(
        "accounts.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Employees of this location punch here (none: everyone may)",
    )  # fmt: skip
    poll_interval_seconds = models.PositiveIntegerField(default=300, validators=[MinValueValidator(10)])
    timeout_seconds = models.FloatField(
        default=10, validators=[MinValueValidator(0.1), MaxValueValidator(120)], help_text="Seconds to wait for each reply"
    )
    # ADMS trust (docs/SECURITY.md "ADMS push"): a push clock identifies itself by its serial
    # number only, so etime also checks where the call comes from.
    push_networks = models.TextField(
        blank=True,
        help_text=_(
            "ADMS push: the networks this clock may call etime from, one CIDR per line (e.g. 192.0.2.0/24). "
            "Empty: its location's networks; both empty: any address (not recommended)."
        ),
    )
    enabled = models.BooleanField(default=True)
    correct_clock = models.BooleanField(default=False, help_text="Set the device clock when it drifts past the threshold")
    clock_drift_threshold_seconds = models.PositiveIntegerField(default=60)
    clear_log_after_sync = models.BooleanField(
        default=False, help_text="Clear the device's log once every record in it is stored (never after a failed sync)"
    )
    purchase_date = models.DateField(null=True, blank=True)
    warranty_end = models.DateField(null=True, blank=True)

    # Read from the device (ADMS: the serial identifies the device and is entered by the admin).
    serial_number = models.CharField(max_length=64, blank=True)
    firmware = models.CharField(max_length=64, blank=True)
    platform = models.CharField(max_length=64, blank=True)
    mac = models.CharField(max_length=32, blank=True)
    reported_name = models.CharField(max_length=64, blank=True, help_text="The model name the device reports")
    user_count = models.PositiveIntegerField(null=True, blank=True)
    record_count = models.PositiveIntegerField(null=True, blank=True)
    record_capacity = models.PositiveIntegerField(null=True, blank=True)

    # Written by the sync pipeline.
    status = models.CharField(max_length=8, choices=DeviceStatus.choices, default=DeviceStatus.UNKNOWN)
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error = models.TextField(blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True, help_text="Last attempt (any outcome)")
    last_success_at = models.DateTimeField(null=True, blank=True, help_text="Last sync whose punches were all stored")
    last_contact_at = models.DateTimeField(null=True, blank=True, help_text="Last time the device answered or called")
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    alerted_at = models.DateTimeField(null=True, blank=True, help_text="When the offline alert went out")
    clock_drift_seconds = models.FloatField(null=True, blank=True, help_text="Device clock minus server clock")
    clock_checked_at = models.DateTimeField(null=True, blank=True)
    # Watermark: the first `watermark_position` records of the device log are stored; the
    # last of them is `watermark_record` ("user_id|device-local ISO time") to detect a log
    # that was cleared or replaced since.
    watermark_position = models.PositiveIntegerField(default=0)
    watermark_record = models.CharField(max_length=64, blank=True)
    # Database lease (when no REDIS_URL): who syncs this device, until when.
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["serial_number"], condition=~Q(serial_number=""), name="device_serial_unique"),
            models.CheckConstraint(condition=Q(protocol="adms") | ~Q(host=""), name="device_zk_needs_host"),
            models.CheckConstraint(condition=Q(protocol="zk") | ~Q(serial_number=""), name="device_adms_needs_serial"),
            models.CheckConstraint(
                condition=Q(purchase_date__isnull=True) | Q(warranty_end__isnull=True) | Q(warranty_end__gte=models.F("purchase_date")),
                name="device_warranty_after_purchase",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_networks(self.push_networks)
        except ValueError as exc:
            raise ValidationError({"push_networks": _("Not a network in CIDR notation: %(error)s") % {"error": exc}}) from None

    def push_network_list(self) -> list[Network]:
        """Where an ADMS call for this clock may come from: its own networks, else its
        location's; empty means any address."""
        own = parse_networks(self.push_networks)
        if own:
            return own
        return self.location.networks() if self.location is not None else []

    @property
    def push_from_anywhere(self) -> bool:
        """No network restriction (nothing set, or a /0): anyone who knows the serial is this clock."""
        try:
            networks = self.push_network_list()
        except ValueError:  # a list saved around validation: push_allows() refuses every address
            return False
        return not networks or any(n.prefixlen == 0 for n in networks)

    def push_allows(self, address: str | None) -> bool:
        """May an ADMS call for this clock come from ``address``? Closed when a list is unreadable."""
        try:
            networks = self.push_network_list()
        except ValueError:
            return False
        return address_allowed(address, networks)

    @property
    def has_comm_key(self) -> bool:
        return bool(self.comm_key_encrypted)

    @property
    def comm_key(self) -> int:
        """The decrypted comm key (0 = none). Raises crypto.CommKeyUnreadable."""
        return crypto.decrypt_comm_key(self.comm_key_encrypted)

    def set_comm_key(self, value: int | None) -> None:
        self.comm_key_encrypted = crypto.encrypt_comm_key(int(value or 0))

    @property
    def is_pollable(self) -> bool:
        return self.protocol == Protocol.ZK

    @property
    def under_warranty(self) -> bool | None:
        if self.warranty_end is None:
            return None
        return timezone.localdate() <= self.warranty_end


class SyncTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule (beat)")
    ADMIN = "admin", _("Admin")
    API = "api", _("API")
    ADMS = "adms", _("ADMS push")
    COMMAND = "command", _("Management command")


class SyncStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class SyncRun(models.Model):
    """One attempt to bring a device's log into etime (or one ADMS upload)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=10, choices=SyncTrigger.choices)
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0, help_text="Records read from the device (or pushed)")
    already_synced = models.PositiveIntegerField(default=0, help_text="Records before the watermark, known stored")
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    unmapped = models.PositiveIntegerField(default=0, help_text="Stored punches whose device user id maps to no employee")
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    clock_drift_seconds = models.FloatField(null=True, blank=True)
    clock_corrected = models.BooleanField(default=False)
    log_cleared = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    worker = models.CharField(max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["device", "-started_at"], name="syncrun_device_started")]

    def __str__(self) -> str:
        return f"{self.device} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class AdmsCommandStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent to the device")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# Commands whose text hands the clock a secret: a keypad password or card number in a user
# record, biometric templates, or the comm key. They go only to a clock whose calls are
# restricted to known networks (devices.services.adms.adms_next_commands).
_SECRET_FIELD = re.compile(r"(?:^|[\s\t])(?:Passwd|Password|Pwd|Card|CommKey|ComKey|ComPwd)=(?![\s\t]|$)", re.IGNORECASE)
_SECRET_TABLE = re.compile(r"^\s*DATA\s+(?:UPDATE\s+)?(?:FINGERTMP|FACE|FVEIN|BIODATA|BIOPHOTO|USERPIC)\b", re.IGNORECASE)


def command_carries_secret(command: str) -> bool:
    return bool(_SECRET_FIELD.search(command or "") or _SECRET_TABLE.search(command or ""))


class AdmsCommand(models.Model):
    """A command for a push device, handed out on its next /iclock/getrequest as `C:<id>:<command>`."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="adms_commands")
    command = models.CharField(max_length=500, help_text="e.g. INFO, CHECK, REBOOT, DATA QUERY ATTLOG ...")
    status = models.CharField(max_length=8, choices=AdmsCommandStatus.choices, default=AdmsCommandStatus.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    return_code = models.IntegerField(null=True, blank=True)
    result = models.TextField(blank=True)
    carries_secret = models.BooleanField(
        default=False, editable=False, help_text=_("Sent only to a clock whose calls are restricted to known networks")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "ADMS command"
        ordering = ["id"]
        indexes = [models.Index(fields=["device", "status"], name="admscommand_device_status")]

    def __str__(self) -> str:
        return f"C:{self.id}:{self.command}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived from the text, whichever path queued it (service, admin, shell).
        self.carries_secret = command_carries_secret(self.command)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class PushKnock(models.Model):
    """An ADMS call with a serial number no enabled push clock has: someone is trying (or a
    new clock waits to be adopted). One row per serial; admins hear of each serial once."""

    id = models.BigAutoField(primary_key=True)
    serial_number = models.CharField(max_length=64, unique=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    last_address = models.GenericIPAddressField(null=True, blank=True)
    calls = models.PositiveIntegerField(default=1)
    reported_at = models.DateTimeField(null=True, blank=True, help_text=_("When admins were told"))

    class Meta:
        verbose_name = _("knocking clock")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.serial_number
