from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class PunchSource(models.TextChoices):
    DEVICE = "device", "Time clock (polled)"
    ADMS = "adms", "Time clock (HTTP push)"
    WEB = "web", "Web"
    API = "api", "API"
    MANUAL = "manual", "Manual correction"


class PunchDirection(models.TextChoices):
    IN = "in", "In"
    OUT = "out", "Out"
    # The device said nothing usable (ZK's state 255, or no state at all). Such punches
    # are never dropped; the engine pairs them by position (first in, last out).
    UNKNOWN = "unknown", "Unknown"


class Punch(models.Model):
    """One clocking, in UTC. Punches are facts: corrections add punches, never edit them.

    ``device_id`` is the id of the devices.Device that recorded it. It is deliberately not a
    foreign key: attendance sits below devices and never imports it (DESIGN §1). A punch whose
    ``device_user_id`` maps to no employee yet is kept with ``employee`` empty and attached
    when an employee gets that id (attendance.signals).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee = models.ForeignKey(
        "accounts.Employee", null=True, blank=True, on_delete=models.PROTECT, related_name="punches"
    )
    timestamp = models.DateTimeField()
    source = models.CharField(max_length=10, choices=PunchSource.choices)
    direction = models.CharField(max_length=8, choices=PunchDirection.choices, default=PunchDirection.UNKNOWN)
    device_id = models.UUIDField(null=True, blank=True)
    device_user_id = models.CharField(max_length=24, blank=True)
    raw_state = models.SmallIntegerField(null=True, blank=True, help_text="The device's punch state, as sent")
    verify_mode = models.SmallIntegerField(null=True, blank=True, help_text="Fingerprint, card, face, PIN, ...")
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
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
