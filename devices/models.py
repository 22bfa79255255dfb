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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    vendor = models.CharField(max_length=60, default="ZKTeco", blank=True, verbose_name=_("vendor"))
    model = models.CharField(max_length=60, default="identiX K20", blank=True, verbose_name=_("model"))
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.ZK, verbose_name=_("protocol"))
    host = models.CharField(
        max_length=255, blank=True, help_text=_("IP address or host name (ZK devices)"), verbose_name=_("host")
    )
    port = models.PositiveIntegerField(
        default=4370, validators=[MinValueValidator(1), MaxValueValidator(65535)], verbose_name=_("port")
    )
    transport = models.CharField(
        max_length=3, choices=Transport.choices, default=Transport.TCP, verbose_name=_("transport")
    )
    # Fernet token (devices.crypto); "" = no comm key. Never shown, never audited.
    comm_key_encrypted = models.TextField(blank=True, editable=False, verbose_name=_("comm key encrypted"))
    time_zone = models.CharField(
        max_length=64,
        default=_default_time_zone,
        validators=[validate_time_zone],
        help_text=_("The zone the device clock shows (its records carry naive local times)"),
        verbose_name=_("time zone"),
    )
    location = models.ForeignKey(
        "accounts.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Employees of this location punch here (none: everyone may)"),
        verbose_name=_("location"),
    )
    poll_interval_seconds = models.PositiveIntegerField(
        default=300, validators=[MinValueValidator(10)], verbose_name=_("poll interval seconds")
    )
    timeout_seconds = models.FloatField(
        default=10,
        validators=[MinValueValidator(0.1), MaxValueValidator(120)],
        help_text=_("Seconds to wait for each reply"),
        verbose_name=_("timeout seconds"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    correct_clock = models.BooleanField(
        default=False,
        help_text=_("Set the device clock when it drifts past the threshold"),
        verbose_name=_("correct clock"),
    )
    clock_drift_threshold_seconds = models.PositiveIntegerField(
        default=60, verbose_name=_("clock drift threshold seconds")
    )
    # ADMS trust (docs/SECURITY.md "ADMS push"): a push clock identifies itself by its serial
    # number only, so etime also checks where the call comes from.
    push_networks = models.TextField(
        blank=True,
        help_text=_(
            "ADMS push: the networks this clock may call etime from, one CIDR per line (e.g. 192.0.2.0/24). "
            "Empty: its location's networks; both empty: any address (not recommended)."
        ),
        verbose_name=_("push networks"),
    )
    push_photos = models.BooleanField(
        default=False,
        help_text=_(
            "ADMS push: keep the photos the clock takes at a punch (stored beside the punch). "
            "Off: photos are acknowledged and discarded."
        ),
        verbose_name=_("keep punch photos"),
    )
    clear_log_after_sync = models.BooleanField(
        default=False,
        help_text=_("Clear the device's log once every record in it is stored (never after a failed sync)"),
        verbose_name=_("clear log after sync"),
    )
    purchase_date = models.DateField(null=True, blank=True, verbose_name=_("purchase date"))
    warranty_end = models.DateField(null=True, blank=True, verbose_name=_("warranty end"))

    # Read from the device (ADMS: the serial identifies the device and is entered by the admin).
    serial_number = models.CharField(max_length=64, blank=True, verbose_name=_("serial number"))
    firmware = models.CharField(max_length=64, blank=True, verbose_name=_("firmware"))
    platform = models.CharField(max_length=64, blank=True, verbose_name=_("platform"))
    mac = models.CharField(max_length=32, blank=True, verbose_name=_("mac"))
    reported_name = models.CharField(
        max_length=64, blank=True, help_text=_("The model name the device reports"), verbose_name=_("reported name")
    )
    user_count = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("user count"))
    record_count = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("record count"))
    record_capacity = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("record capacity"))
    # ADMS push 3.x: the code etime handed the clock at /iclock/registry, and the push version
    # the clock last announced (`pushver`), which picks the handshake it gets.
    push_registry_code = models.CharField(max_length=32, blank=True, editable=False, verbose_name=_("registry code"))
    push_version = models.CharField(max_length=16, blank=True, verbose_name=_("push version"))

    # Written by the sync pipeline.
    status = models.CharField(
        max_length=8, choices=DeviceStatus.choices, default=DeviceStatus.UNKNOWN, verbose_name=_("status")
    )
    last_error_code = models.CharField(max_length=40, blank=True, verbose_name=_("last error code"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    last_sync_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Last attempt (any outcome)"), verbose_name=_("last sync at")
    )
    last_success_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Last sync whose punches were all stored"), verbose_name=_("last success at")
    )
    last_contact_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Last time the device answered or called"), verbose_name=_("last contact at")
    )
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("next sync at"))
    failing_since = models.DateTimeField(null=True, blank=True, verbose_name=_("failing since"))
    consecutive_failures = models.PositiveIntegerField(default=0, verbose_name=_("consecutive failures"))
    alerted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the offline alert went out"), verbose_name=_("alerted at")
    )
    clock_drift_seconds = models.FloatField(
        null=True, blank=True, help_text=_("Device clock minus server clock"), verbose_name=_("clock drift seconds")
    )
    clock_checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("clock checked at"))
    # Watermark: the first `watermark_position` records of the device log are stored; the
    # last of them is `watermark_record` ("user_id|device-local ISO time") to detect a log
    # that was cleared or replaced since.
    watermark_position = models.PositiveIntegerField(default=0, verbose_name=_("watermark position"))
    watermark_record = models.CharField(max_length=64, blank=True, verbose_name=_("watermark record"))
    # Database lease (when no REDIS_URL): who syncs this device, until when.
    lease_owner = models.CharField(max_length=64, blank=True, verbose_name=_("lease owner"))
    lease_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("lease expires at"))

    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["serial_number"], condition=~Q(serial_number=""), name="device_serial_unique"
            ),
            models.CheckConstraint(condition=Q(protocol="adms") | ~Q(host=""), name="device_zk_needs_host"),
            models.CheckConstraint(condition=Q(protocol="zk") | ~Q(serial_number=""), name="device_adms_needs_serial"),
            models.CheckConstraint(
                condition=Q(purchase_date__isnull=True)
                | Q(warranty_end__isnull=True)
                | Q(warranty_end__gte=models.F("purchase_date")),
                name="device_warranty_after_purchase",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            parse_networks(self.push_networks)
        except ValueError as exc:
            raise ValidationError(
                {"push_networks": _("Not a network in CIDR notation: %(error)s") % {"error": exc}}
            ) from None

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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="sync_runs", verbose_name=_("device"))
    trigger = models.CharField(max_length=10, choices=SyncTrigger.choices, verbose_name=_("trigger"))
    status = models.CharField(
        max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING, verbose_name=_("status")
    )
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    fetched = models.PositiveIntegerField(
        default=0, help_text=_("Records read from the device (or pushed)"), verbose_name=_("fetched")
    )
    already_synced = models.PositiveIntegerField(
        default=0, help_text=_("Records before the watermark, known stored"), verbose_name=_("already synced")
    )
    created = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    duplicates = models.PositiveIntegerField(default=0, verbose_name=_("duplicates"))
    unmapped = models.PositiveIntegerField(
        default=0, help_text=_("Stored punches whose device user id maps to no employee"), verbose_name=_("unmapped")
    )
    error_code = models.CharField(max_length=40, blank=True, verbose_name=_("error code"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    clock_drift_seconds = models.FloatField(null=True, blank=True, verbose_name=_("clock drift seconds"))
    clock_corrected = models.BooleanField(default=False, verbose_name=_("clock corrected"))
    log_cleared = models.BooleanField(default=False, verbose_name=_("log cleared"))
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    worker = models.CharField(max_length=120, blank=True, verbose_name=_("worker"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
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
_SECRET_FIELD = re.compile(
    r"(?:^|[\s\t])(?:Passwd|Password|Pwd|Card|CommKey|ComKey|ComPwd)=(?![\s\t]|$)", re.IGNORECASE
)
_SECRET_TABLE = re.compile(
    r"^\s*DATA\s+(?:UPDATE\s+)?(?:FINGERTMP|FACE|FVEIN|BIODATA|BIOPHOTO|USERPIC)\b", re.IGNORECASE
)


def command_carries_secret(command: str) -> bool:
    return bool(_SECRET_FIELD.search(command or "") or _SECRET_TABLE.search(command or ""))


class AdmsCommand(models.Model):
    """A command for a push device, handed out on its next /iclock/getrequest as `C:<id>:<command>`."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="adms_commands", verbose_name=_("device"))
    command = models.CharField(
        max_length=500, help_text=_("e.g. INFO, CHECK, REBOOT, DATA QUERY ATTLOG ..."), verbose_name=_("command")
    )
    status = models.CharField(
        max_length=8, choices=AdmsCommandStatus.choices, default=AdmsCommandStatus.QUEUED, verbose_name=_("status")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    return_code = models.IntegerField(null=True, blank=True, verbose_name=_("return code"))
    result = models.TextField(blank=True, verbose_name=_("result"))
    carries_secret = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Sent only to a clock whose calls are restricted to known networks"),
        verbose_name=_("carries a secret"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name_plural = _("ADMS commands")
        verbose_name = _("ADMS command")
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

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))
    serial_number = models.CharField(max_length=64, unique=True, verbose_name=_("serial number"))
    first_seen_at = models.DateTimeField(default=timezone.now, verbose_name=_("first seen at"))
    last_seen_at = models.DateTimeField(default=timezone.now, verbose_name=_("last seen at"))
    last_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("last address"))
    calls = models.PositiveIntegerField(default=1, verbose_name=_("calls"))
    reported_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When admins were told"), verbose_name=_("reported at")
    )

    class Meta:
        verbose_name = _("knocking clock")
        verbose_name_plural = _("knocking clocks")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return self.serial_number


def punch_photo_path(instance: PunchPhoto, filename: str) -> str:
    return f"punch-photos/{instance.device_id}/{instance.taken_at:%Y/%m}/{uuid.uuid4().hex}.jpg"


class PunchPhoto(models.Model):
    """A photo a push clock took at a punch (ATTPHOTO), kept only for clocks with
    `push_photos` on. Matched to the punch by device, device user id and instant; a photo
    that arrives before its punch is matched when the punch arrives."""

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="punch_photos", verbose_name=_("device"))
    device_user_id = models.CharField(max_length=24, verbose_name=_("device user id"))
    taken_at = models.DateTimeField(verbose_name=_("taken at"))
    # No database constraint: the punch table is partitioned on PostgreSQL (attendance.Punch).
    punch = models.ForeignKey(
        "attendance.Punch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        verbose_name=_("punch"),
    )
    image = models.FileField(upload_to=punch_photo_path, verbose_name=_("image"))
    size = models.PositiveIntegerField(default=0, verbose_name=_("size"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("punch photo")
        verbose_name_plural = _("punch photos")
        ordering = ["-taken_at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "device_user_id", "taken_at"], name="punchphoto_once"),
        ]

    def __str__(self) -> str:
        return f"{self.device_user_id} {self.taken_at:%Y-%m-%d %H:%M:%S}"


# --- Client devices: a person's installed app, a shared kiosk (issue #20) --------------------


class ClientKind(models.TextChoices):
    APP = "app", _("Installed app (a person's own)")
    KIOSK = "kiosk", _("Kiosk (a shared tablet at a location)")


class ClientDevice(models.Model):
    """A browser that holds a device credential: a person's installed app (``owner``) or a
    kiosk at a ``location``. It sends what it queued offline with ``Authorization: Device
    <credential>`` (docs/SECURITY.md "Client devices").

    Only the credential's SHA-256 is stored; the credential (256 random bits) is given once,
    at registration. ``last_contact_at`` is the last time the device spoke to etime online:
    a punch it queued offline must have been recorded after it (punch policy rule 6b).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    kind = models.CharField(max_length=8, choices=ClientKind.choices, verbose_name=_("kind"))
    name = models.CharField(max_length=100, verbose_name=_("name"))
    owner = models.ForeignKey(
        "accounts.Employee",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="client_devices",
        verbose_name=_("owner"),
        help_text=_("The person whose installed app this is"),
    )
    location = models.ForeignKey(
        "accounts.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="client_devices",
        verbose_name=_("location"),
        help_text=_("Where the kiosk stands"),
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("credential hash"))
    prefix = models.CharField(max_length=16, verbose_name=_("prefix"), help_text=_("First characters, to recognise it"))
    user_agent = models.CharField(max_length=200, blank=True, verbose_name=_("browser"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_contact_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last online contact"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    # A kiosk is paired by a one-time code an administrator reads off the admin (devices.services.kiosks):
    # only the code's keyed hash is kept, until it is used or expires.
    pairing_code_hash = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("pairing code (hash)")
    )
    pairing_code_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("pairing code expires at"))
    paired_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paired at"))
    take_photos = models.BooleanField(
        default=False,
        verbose_name=_("photo at punch"),
        help_text=_(
            "Kiosks: take a still from the camera at each punch. Off by default; photos are deleted after "
            "the retention period (ETIME_KIOSK_PHOTO_DAYS)."
        ),
    )

    class Meta:
        verbose_name = _("client device")
        verbose_name_plural = _("client devices")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="app") & Q(owner__isnull=False)) | (Q(kind="kiosk") & Q(location__isnull=False)),
                name="client_device_app_owner_kiosk_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def kiosk_photo_path(instance: KioskPhoto, filename: str) -> str:
    return f"kiosk-photos/{instance.kiosk_id}/{instance.taken_at:%Y/%m}/{uuid.uuid4().hex}.jpg"


class KioskPhoto(models.Model):
    """A still a kiosk's camera took at a punch (kiosks with *photo at punch* on; the pattern
    of PunchPhoto for push clocks). Deleted with its image after ETIME_KIOSK_PHOTO_DAYS by the
    periodic task devices.purge_kiosk_photos (docs/SECURITY.md "Kiosk photos")."""

    id = models.BigAutoField(primary_key=True, verbose_name=_("ID"))
    kiosk = models.ForeignKey(ClientDevice, on_delete=models.CASCADE, related_name="photos", verbose_name=_("kiosk"))
    punch = models.ForeignKey(
        "attendance.Punch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("punch")
    )
    taken_at = models.DateTimeField(db_index=True, verbose_name=_("taken at"))
    image = models.FileField(upload_to=kiosk_photo_path, verbose_name=_("image"))
    size = models.PositiveIntegerField(default=0, verbose_name=_("size"))

    class Meta:
        verbose_name = _("kiosk photo")
        verbose_name_plural = _("kiosk photos")
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.kiosk.name} {self.taken_at:%Y-%m-%d %H:%M:%S}"


class ClientSubmission(models.Model):
    """One action a client device queued offline, stored with the answer it got, so that the
    same idempotency key sent again (a retry, a second tab, Background Sync after a page
    already sent it) gets that answer back and changes nothing. Refusals are not stored."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(
        ClientDevice, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("device")
    )
    key = models.UUIDField(verbose_name=_("idempotency key"))
    action = models.CharField(max_length=24, verbose_name=_("action"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at (device clock)"))
    result = models.JSONField(default=dict, verbose_name=_("result"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))

    class Meta:
        verbose_name = _("offline submission")
        verbose_name_plural = _("offline submissions")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["device", "key"], name="client_submission_unique_key")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
