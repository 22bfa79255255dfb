"""Celery tasks for accounts: ids in, one call, retries."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


@shared_task(name="accounts.send_password_reset", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset(user_ids: list[str], language: str = "") -> int:
    """Mail a set-password link to each user still active with an address, in the user's
    saved language, else the language of the page they asked from. Returns mails sent.

    Sent directly like the invitation, not through ``etime.ops.notifications``:
    that stores each body for the admin to read, and this body is a live credential."""
    from accounts.models import User
    from accounts.services import password_link

    sent = 0
    offered = {code for code, _name in settings.LANGUAGES}
    for user in User.objects.filter(pk__in=user_ids, is_active=True).exclude(email=""):
        chosen = next((code for code in (user.language, language) if code in offered), settings.LANGUAGE_CODE)
        with translation.override(chosen):
            context = {
                "user": user,
                "link": password_link(user, "password_reset_confirm"),
                "company": settings.ETIME_COMPANY_NAME,
                "valid_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
            }
            subject = " ".join(render_to_string("registration/password_reset_subject.txt", context).split())
            body = render_to_string("registration/password_reset_email.txt", context)
        # Content-Language says which language was chosen (RFC 3282): mail clients and
        # our tests can tell.
        EmailMessage(subject, body, to=[user.email], headers={"Content-Language": chosen}).send()
        sent += 1
    return sent
