"""Equipment warranties: apps register a provider of equipment with a warranty end date
(devices does, from its AppConfig.ready); a daily task reminds admins 30 days ahead and
the admin lists what expires soon (Operations → Jobs → "Warranties expiring")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

# provider(until) -> [{"name", "kind", "warranty_end": date, "url"}] for warranties ending on or before ``until``
Provider = Callable[[dt.date], list[dict[str, Any]]]
_providers: list[Provider] = []
REMIND_DAYS = 30


def register_provider(fn: Provider) -> None:
    if fn not in _providers:
        _providers.append(fn)


def expiring(*, within_days: int = REMIND_DAYS, today: dt.date | None = None) -> list[dict[str, Any]]:
    today = today or timezone.localdate()
    until = today + dt.timedelta(days=within_days)
    items = [item for fn in _providers for item in fn(until) if item["warranty_end"] >= today]
    for item in items:
        item["days_left"] = (item["warranty_end"] - today).days
    return sorted(items, key=lambda i: (i["warranty_end"], i["name"]))


def send_reminders(*, today: dt.date | None = None) -> int:
    """One reminder per admin and item (a repeat run sends nothing new)."""
    from etime.ops.models import Notification, NotificationKind
    from etime.ops.notifications import language_of, notify

    sent = 0
    admins = list(get_user_model()._default_manager.filter(is_active=True, is_staff=True))
    for item in expiring(today=today):
        facts = {
            "end": f"{item['warranty_end']:%Y-%m-%d}",
            "kind": item["kind"],
            "name": item["name"],
            "days": item["days_left"],
        }
        for admin in admins:
            # In the admin's language, as notify() writes it: the subject is also what
            # tells a repeat run that this admin already heard of this item.
            with translation.override(language_of(admin)):
                subject = gettext("Warranty ends %(end)s: %(kind)s %(name)s") % facts
                body = (
                    ngettext(
                        "The warranty of %(kind)s %(name)s ends on %(end)s (%(days)s day).",
                        "The warranty of %(kind)s %(name)s ends on %(end)s (%(days)s days).",
                        facts["days"],
                    )
                    % facts
                    + f"\n{item.get('url', '')}\n"
                )
            if Notification.objects.filter(
                user=admin, kind=NotificationKind.WARRANTY_EXPIRING, subject=subject
            ).exists():
                continue
            notify(admin, NotificationKind.WARRANTY_EXPIRING, subject, body)
            sent += 1
    return sent
