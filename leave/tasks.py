"""Celery tasks for leave: ids in, one service call. Beat schedules are in leave/apps.py."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# What leave.notifications mails only to approvers. Any event mailed to the requester is
# about their own request (leave_decided); one mailed to someone else asks them to decide,
# or tells them a request they were asked about was cancelled (approvals_waiting).
APPROVER_EVENTS = {"needs_approval"}


@shared_task(name="leave.send_request_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_request_email(request_id: str, event: str, recipients: list[str], comment: str = "") -> int:
    """Notify ``recipients`` (addresses of users, worked out when the step was taken) of one
    step of a leave request through ``etime.ops.notifications``: the requester under
    ``leave_decided``, approvers under ``approvals_waiting``. Returns the mails queued."""
    from django.urls import reverse

    from accounts.models import User
    from etime.core.queue import task_row
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import notify
    from leave.models import LeaveRequest
    from leave.notifications import SUBJECTS

    request = task_row(LeaveRequest.objects.select_related("employee__user", "leave_type"), request_id)
    if request is None or not recipients:
        return 0
    context = {
        "request": request,
        "event": event,
        "comment": comment,
        "company": settings.ETIME_COMPANY_NAME,
        "link": f"{settings.ETIME_BASE_URL}/leave/",
    }
    # Lazy: notify() renders subject and body in each recipient's language.
    subject = format_lazy(
        _("{event}: {employee}, {leave_type}"),
        event=SUBJECTS.get(event, _("Leave request")),
        employee=request.employee.full_name,
        leave_type=request.leave_type.name,
    )
    requester = request.employee.user
    users = {u.email: u for u in User.objects.filter(email__in=recipients)}
    records = []
    with transaction.atomic():
        for address in dict.fromkeys(recipients):
            user = users.get(address)
            someone_else = user is not None and (requester is None or user.pk != requester.pk)
            kind = (
                NotificationKind.APPROVALS_WAITING
                if event in APPROVER_EVENTS or someone_else
                else NotificationKind.LEAVE_DECIDED
            )
            # An address no user has any more (changed since the step) is still mailed, as before.
            # The bell links the requester to their leave page, approvers to their inbox.
            link = reverse("inbox") if kind == NotificationKind.APPROVALS_WAITING else reverse("leave:mine")
            records.append(
                notify(
                    user,
                    kind,
                    subject,
                    template="leave/email/request_event.txt",
                    context=context,
                    address=None if user is not None else address,
                    link=link,
                )
            )
    return sum(r.status == Notification.Status.QUEUED for r in records)


@shared_task(name="leave.post_entitlements")
def post_entitlements(on: str | None = None) -> int:
    """On the 1st of a month: accruals for the month that just ended, and upfront grants
    (with proration) for the current year."""
    from leave import services

    today = date.fromisoformat(on) if on else timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    posted = services.entitlements_post(year=last_month.year, through_month=last_month.month)
    if today.year != last_month.year:
        posted += services.entitlements_post(year=today.year, through_month=1)
    return posted


@shared_task(name="leave.close_year")
def close_year(year: int | None = None) -> int:
    """On 1 January: carry-forward and expiry for the year that just ended."""
    from leave import services

    return services.year_end_close(year=year or timezone.localdate().year - 1)


@shared_task(name="leave.expire_carry_forward")
def expire_carry_forward(on: str | None = None) -> int:
    from leave import services

    return services.carry_forward_expire(today=date.fromisoformat(on) if on else None)
