"""One place that tells people of reminders and alerts, by email and in the app (the bell),
records it, and honours each user's preferences per kind and channel (``/profile/notifications/``).

``notify(user, kind, subject, body=... | template=..., context=..., link=...)``: ``kind`` is
one of ``NotificationKind``; mail goes out after the surrounding transaction commits; a user
who switched the kind's mail off, is inactive or has no address gets a ``skipped`` record
instead. In the same transaction an active user who keeps the kind's in-app channel on gets
an ``InAppNotification`` (subject, body, ``link``: a path of this site about the object),
also when they have no address. ``backup_failed`` cannot be switched off (an admin must hear
about it).
``notify_many(users, kind, ...)`` does the same for each distinct user.

``address=`` mails that address instead of the user's own (an employee record's address
when the login has none); with ``user=None`` it mails someone without an account (a
finance mailbox): recorded like the rest, but no preferences apply to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy

from etime.core import zones
from etime.ops.models import InAppNotification, Notification, NotificationKind, NotificationPreference

logger = logging.getLogger(__name__)
MANDATORY = {NotificationKind.BACKUP_FAILED}


EMAIL, IN_APP = "email", "in_app"
CHANNELS = (EMAIL, IN_APP)


def wants(user: Any, kind: str, channel: str = EMAIL) -> bool:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if kind in MANDATORY:
        return True
    pref = NotificationPreference.objects.filter(user=user, kind=kind).values_list(channel, flat=True).first()
    return True if pref is None else bool(pref)


def language_of(user: Any) -> str:
    """The language mail to ``user`` is written in: their Profile → Language, else the
    site's default (a mail has no browser to ask)."""
    chosen = getattr(user, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def lazy_text(build: Callable[[], str]) -> Promise:
    """Text that ``build`` writes when notify() renders it, so in the recipient's language:
    for subjects and bodies with plurals or dates (``ngettext``, ``date_format``)."""
    return cast(Promise, lazy(build, str)())


def notify(
    user: Any,
    kind: str,
    subject: str | Promise,
    body: str | Promise | None = None,
    *,
    template: str | None = None,
    context: dict[str, Any] | None = None,
    address: str | None = None,
    link: str = "",
) -> Notification:
    """Record one notification and mail it after commit, unless the user may not or
    does not want to receive it. Give ``user``, ``address`` or both.

    Subject, body and template are rendered in the recipient's language (``language_of``):
    pass lazy strings (``gettext_lazy``, ``format_lazy``) so they translate here, per user."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if (body is None) == (template is None):
        raise ValueError("give exactly one of body or template")
    if user is None and not (address or "").strip():
        raise ValueError("give a user or an address")
    if link and not (link.startswith("/") and not link.startswith("//")):
        raise ValueError("link is a path of this site, such as /leave/")
    # Times in a mail are the recipient's local times (etime.core.zones), not the worker's.
    with translation.override(language_of(user)), timezone.override(zones.user_zone(user)):
        if template is not None:
            body = render_to_string(
                template,
                {
                    "company": settings.ETIME_COMPANY_NAME,
                    "base_url": settings.ETIME_BASE_URL,
                    "user": user,
                    **(context or {}),
                },
            )
        if body is None:
            raise ValueError("the template rendered nothing")
        subject, body = str(subject), str(body)
    email = ((address or "").strip() or (getattr(user, "email", "") or "")).strip()
    reason = ""
    if user is not None and not getattr(user, "is_active", False):
        reason = "inactive user"
    elif not email:
        reason = "no email address"
    elif user is not None and not wants(user, kind):
        reason = "switched off by the user"
    # Both channels in one transaction: the bell never shows what the mail log rolled back.
    with transaction.atomic():
        record = Notification.objects.create(
            user=user,
            recipient=email,
            kind=kind,
            subject=subject[:255],
            body=body,
            status=Notification.Status.SKIPPED if reason else Notification.Status.QUEUED,
            reason=reason,
        )
        if user is not None and getattr(user, "is_active", False) and wants(user, kind, IN_APP):
            InAppNotification.objects.create(user=user, kind=kind, subject=subject[:255], body=body, link=link[:500])
    if not reason:
        transaction.on_commit(lambda: _send(record.pk))
    return record


def notify_many(
    users: Iterable[Any],
    kind: str,
    subject: str | Promise,
    body: str | Promise | None = None,
    *,
    template: str | None = None,
    context: dict[str, Any] | None = None,
    link: str = "",
) -> list[Notification]:
    """``notify`` each distinct user once (a user listed twice gets one mail)."""
    seen: set[Any] = set()
    records = []
    for user in users:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        records.append(notify(user, kind, subject, body, template=template, context=context, link=link))
    return records


MAX_ATTEMPTS = 5
RETRY_WITHIN = timedelta(hours=24)


def retry_failed(*, now: Any = None) -> int:
    """Send again what failed (an SMTP outage, a refused connection) in the last day, up to
    MAX_ATTEMPTS tries each; run by beat every 15 minutes. Each row is claimed with a
    conditional update, so two sweeps at once send it once. Returns the mails sent."""
    now = now or timezone.now()
    candidates = Notification.objects.filter(
        status=Notification.Status.FAILED, attempts__lt=MAX_ATTEMPTS, created_at__gte=now - RETRY_WITHIN
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(candidates[:500]):
        claimed = Notification.objects.filter(pk=pk, status=Notification.Status.FAILED).update(
            status=Notification.Status.QUEUED
        )
        if claimed:
            sent += _send(pk)
    return sent


def _send(notification_id: int) -> bool:
    """Mail one queued notification; records sent or failed (with the reason)."""
    Notification.objects.filter(pk=notification_id).update(attempts=F("attempts") + 1)
    record = Notification.objects.get(pk=notification_id)
    try:
        send_mail(
            subject=f"[etime] {record.subject}", message=record.body, from_email=None, recipient_list=[record.recipient]
        )
    except Exception as exc:
        logger.exception("notification %s failed", notification_id)
        Notification.objects.filter(pk=notification_id).update(status=Notification.Status.FAILED, reason=str(exc)[:255])
        return False
    Notification.objects.filter(pk=notification_id).update(status=Notification.Status.SENT, sent_at=timezone.now())
    return True


def preferences(user: Any) -> list[dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {
        row["kind"]: dict(row)
        for row in NotificationPreference.objects.filter(user=user).values("kind", "email", "in_app")
    }
    return [
        {
            "kind": kind,
            "label": label,
            "email": kind in MANDATORY or chosen.get(kind, {}).get("email", True),
            "in_app": kind in MANDATORY or chosen.get(kind, {}).get("in_app", True),
            "mandatory": kind in MANDATORY,
        }
        for kind, label in NotificationKind.choices
    ]


def preferences_set(*, user: Any, enabled: set[str], in_app: set[str] | None = None) -> None:
    """``enabled``: the kinds mailed; ``in_app``: the kinds shown in the app (None: unchanged)."""
    with transaction.atomic():
        for kind in NotificationKind.values:
            if kind in MANDATORY:
                continue
            defaults = {"email": kind in enabled}
            if in_app is not None:
                defaults["in_app"] = kind in in_app
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults=defaults)


# --- In the app: the bell and /notifications/ ---------------------------------------------


def unread_count(user: Any) -> int:
    return InAppNotification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_of(user: Any) -> Any:
    """The user's in-app notifications, newest first (a user sees only their own)."""
    return InAppNotification.objects.filter(user=user).order_by("-created_at", "-id")


def mark_read(*, user: Any, ids: Iterable[int] | None = None, now: Any = None) -> int:
    """Mark the user's notifications read (``ids``; None: all of them). Others' ids and
    ones already read are left alone; returns how many changed."""
    unread = InAppNotification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=now or timezone.now())


def purge_read(*, now: Any = None) -> int:
    """Delete notifications read more than ETIME_NOTIFICATIONS_READ_RETENTION_DAYS ago (beat, daily)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ETIME_NOTIFICATIONS_READ_RETENTION_DAYS)
    deleted, _ = InAppNotification.objects.filter(read_at__lt=cutoff).delete()
    return deleted
