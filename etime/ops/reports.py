"""Scheduled reports. Apps register the reports they can render (the core imports no
app); admins subscribe people in the admin; a daily task renders due subscriptions for
the period that just ended and emails them as attachments.

``register_report(ReportKind(key, title, render))`` where
``render(*, fmt, start, end) -> bytes`` for ``fmt`` in ``ReportKind.formats``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from etime.core.api.schema import XLSX_CONTENT_TYPE
from etime.ops.jobs import Progress, job_create
from etime.ops.models import ReportSubscription

CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": XLSX_CONTENT_TYPE}


@dataclass(frozen=True)
class ReportKind:
    key: str
    title: Any  # lazy text (gettext_lazy): shown in the reader's language
    render: Callable[..., bytes]
    formats: tuple[str, ...] = ("pdf", "xlsx")


_reports: dict[str, ReportKind] = {}


def register_report(kind: ReportKind) -> None:
    _reports[kind.key] = kind


def report_kinds() -> dict[str, ReportKind]:
    return dict(_reports)


def period_before(schedule: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period a subscription reports on when it runs ``today``, or None if not due."""
    if schedule == ReportSubscription.Schedule.MONTHLY:
        if today.day != 1:
            return None
        end = today - dt.timedelta(days=1)
        return end.replace(day=1), end
    if schedule == ReportSubscription.Schedule.WEEKLY:
        if today.weekday() != 0:
            return None
        return today - dt.timedelta(days=7), today - dt.timedelta(days=1)
    return today - dt.timedelta(days=1), today - dt.timedelta(days=1)


def deliver(subscription: ReportSubscription, *, start: dt.date, end: dt.date) -> int:
    kind = _reports.get(subscription.report)
    if kind is None or subscription.format not in kind.formats:
        raise ValueError(f"{subscription.report} cannot be rendered as {subscription.format}")
    recipients = subscription.recipient_emails()
    if not recipients:
        return 0
    content = kind.render(fmt=subscription.format, start=start, end=end)
    message = EmailMessage(
        subject=f"[etime] {kind.title}, {start:%Y-%m-%d} – {end:%Y-%m-%d}",
        body=f"Attached: {kind.title} for {start:%Y-%m-%d} to {end:%Y-%m-%d}.\n\nSubscription: {subscription.name}\n",
        to=recipients,
    )
    message.attach(f"{kind.key}-{start:%Y-%m-%d}.{subscription.format}", content, CONTENT_TYPES[subscription.format])
    return message.send()


def send_due(*, today: dt.date | None = None) -> int:
    """Deliver every active subscription due today, once per period (claimed atomically)."""
    today = today or timezone.localdate()
    due = [(s, p) for s in ReportSubscription.objects.filter(active=True) if (p := period_before(s.schedule, today))]
    if not due:
        return 0
    job = job_create(kind="scheduled_reports", total=len(due))
    sent = 0
    with Progress(job) as progress:
        for subscription, (start, end) in due:
            with transaction.atomic():
                claimed = (
                    ReportSubscription.objects.filter(pk=subscription.pk)
                    .exclude(last_period_end=end)
                    .update(last_period_end=end, last_sent_at=timezone.now())
                )
                if not claimed:
                    progress.advance()
                    continue
                try:
                    sent += deliver(subscription, start=start, end=end)
                except Exception as exc:
                    progress.error(f"{subscription.name}: {exc}")
                    transaction.set_rollback(True)
            progress.advance()
    return sent
