from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, with the state before and after.

    Rows are append-only: nothing in etime updates or deletes them (the admin is
    read-only). Written by ``etime.core.audit.record`` inside the changing transaction.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_repr = models.CharField(max_length=255, blank=True, verbose_name=_("actor repr"))
    action = models.CharField(max_length=64, verbose_name=_("action"))
    object_type = models.CharField(max_length=100, help_text=_("app_label.model"), verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, verbose_name=_("object id"))
    object_repr = models.CharField(max_length=255, blank=True, verbose_name=_("object repr"))
    before = models.JSONField(null=True, blank=True, verbose_name=_("before"))
    after = models.JSONField(null=True, blank=True, verbose_name=_("after"))
    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request id"))

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_repr or 'system'} {self.action} {self.object_type}:{self.object_id}"


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an ``Idempotency-Key``.

    A row is created (claiming the key) before the write runs; a concurrent request
    with the same key then conflicts on the unique constraint instead of writing twice.
    """

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=10, verbose_name=_("method"))
    path = models.CharField(max_length=512, verbose_name=_("path"))
    request_hash = models.CharField(max_length=64, verbose_name=_("request hash"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    completed = models.BooleanField(default=False, verbose_name=_("completed"))
    response_status = models.PositiveSmallIntegerField(null=True, verbose_name=_("response status"))
    # The rendered bytes as text, so a replay is byte-for-byte the first response.
    response_body = models.TextField(null=True, verbose_name=_("response body"))
    response_headers = models.JSONField(default=dict, verbose_name=_("response headers"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned for changes")
    CANCELLED = "cancelled", _("Cancelled")


class ApprovalDecision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return with comment")


class ApprovalRequest(models.Model):
    """One pass of an object (a leave request, a timesheet, a swap...) through ordered levels.

    The object is referenced generically; its app registered the kind (etime.core.approvals)
    and gets callbacks when the request ends. ``current_type``/``current_group`` copy the
    current level so an approver's inbox is one indexed query.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    kind = models.CharField(max_length=50, verbose_name=_("kind"))
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, verbose_name=_("content type")
    )
    object_id = models.CharField(max_length=64, verbose_name=_("object id"))
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requester")
    )
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING, verbose_name=_("status")
    )
    levels = models.JSONField(
        default=list, help_text=_('[{"type": "manager"} | {"type": "group", "group": "HR"}]'), verbose_name=_("levels")
    )
    current_level = models.PositiveSmallIntegerField(default=0, verbose_name=_("current level"))
    current_type = models.CharField(max_length=10, blank=True, verbose_name=_("current type"))
    current_group = models.CharField(max_length=150, blank=True, verbose_name=_("current group"))
    summary = models.CharField(max_length=255, blank=True, verbose_name=_("summary"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))
    _display_summary: str  # set by etime.core.approvals.summaries (not a column)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(status="pending"),
                name="approval_one_pending_per_object",
            )
        ]
        indexes = [
            models.Index(fields=["status", "current_type", "requester"], name="approval_inbox_manager"),
            models.Index(fields=["status", "current_group"], name="approval_inbox_group"),
            models.Index(fields=["content_type", "object_id"], name="approval_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.status})"

    @property
    def display_summary(self) -> str:
        """The summary in the active language (``approvals.summaries`` fills it for a list in
        one query per kind); ``summary`` is the text stored at submission."""
        if not hasattr(self, "_display_summary"):
            from etime.core.approvals import summaries

            summaries([self])
        return str(self._display_summary)


class ApprovalStep(models.Model):
    """A decision at one level. One per level: the constraint makes a second impossible."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, related_name="steps", verbose_name=_("request")
    )
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Set when the actor decided as someone's delegate"),
        verbose_name=_("on behalf of"),
    )
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices, verbose_name=_("decision"))
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    decided_at = models.DateTimeField(auto_now_add=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "level"]
        constraints = [models.UniqueConstraint(fields=["request", "level"], name="approval_one_decision_per_level")]

    def __str__(self) -> str:
        return f"{self.request_id} level {self.level}: {self.decision}"


class ApprovalDelegation(models.Model):
    """While ``delegator`` is away, ``delegate`` may decide wherever the delegator could."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("delegator")
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("delegate")
    )
    starts_on = models.DateField(verbose_name=_("starts on"))
    ends_on = models.DateField(verbose_name=_("ends on"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("approval delegation")
        verbose_name_plural = _("approval delegations")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"
            ),
            models.CheckConstraint(condition=~models.Q(delegator=models.F("delegate")), name="delegation_not_to_self"),
        ]
        indexes = [models.Index(fields=["delegate", "starts_on", "ends_on"], name="delegation_active")]

    def __str__(self) -> str:
        return f"{self.delegator_id} → {self.delegate_id} {self.starts_on}–{self.ends_on}"
