"""Mail about leave requests, to the employee and to whoever must decide next.

Recipients are worked out inside the deciding transaction (who approves *this* level);
the mail goes out through a task enqueued after the commit, so a rolled-back decision
sends nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from etime.core import approvals

# event -> subject line (the body template is templates/leave/email/request_event.txt)
SUBJECTS = {
    "submitted": _("Leave request submitted"),
    "needs_approval": _("Leave request waiting for your approval"),
    "advanced": _("Leave request approved at one level, waiting for the next"),
    "approved": _("Leave request approved"),
    "rejected": _("Leave request rejected"),
    "returned": _("Leave request returned for changes"),
    "cancelled": _("Leave request cancelled"),
    "withdrawn": _("Approved leave withdrawn"),
}


def _email_of(user: Any) -> str | None:
    return getattr(user, "email", None) or None


def request_event(request: Any, event: str, *, approval: Any = None, comment: str = "") -> None:
    """Queue the mails of one step: the employee hears of ``event``; when the request now
    waits at a level (submitted, advanced), that level's approvers are asked to decide; a
    pending request that is cancelled tells those who had been asked."""
    from leave.tasks import send_request_email

    employee_user = request.employee.user
    if employee_user is not None and _email_of(employee_user):
        send_request_email.delay(str(request.pk), event, [employee_user.email], comment)
    if approval is None:
        return
    if event in ("submitted", "advanced"):
        approval.refresh_from_db()
        approvers = approvals.approvers_for(approval)
        approver_event = "needs_approval"
    elif event == "cancelled":
        approvers = _approvers_when_pending(approval)
        approver_event = "cancelled"
    else:
        return
    emails = sorted({u.email for u in approvers if _email_of(u) and u.pk != getattr(employee_user, "pk", None)})
    if emails:
        send_request_email.delay(str(request.pk), approver_event, emails, comment)


def _approvers_when_pending(approval: Any) -> list[Any]:
    # approvers_for() lists only a pending request's approvers; ask as if it still were.
    status = approval.status
    approval.status = "pending"
    try:
        return approvals.approvers_for(approval)
    finally:
        approval.status = status
