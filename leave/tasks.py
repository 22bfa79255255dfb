"""Celery tasks for leave: ids in, one service call. Beat schedules are in leave/apps.py."""

from __future__ import annotations

from datetime import date, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone


@shared_task(name="leave.send_request_email", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_request_email(request_id: str, event: str, recipients: list[str], comment: str = "") -> int:
    from leave.models import LeaveRequest
    from leave.notifications import SUBJECTS

    request = LeaveRequest.objects.select_related("employee", "leave_type").filter(pk=request_id).first()
    if request is None or not recipients:
        return 0
    context = {
        "request": request, "event": event, "comment": comment, "company": settings.ETIME_COMPANY_NAME,
        "link": f"{settings.ETIME_BASE_URL}/leave/",
    }
    return send_mail(
        subject=f"{SUBJECTS.get(event, 'Leave request')}: {request.employee.full_name}, {request.leave_type.name}",
        message=render_to_string("leave/email/request_event.txt", context),
        from_email=None,
        recipient_list=recipients,
    )


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
