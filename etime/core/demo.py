"""What every app's demo seeder shares (``manage.py seed_demo``, etime.core.registry).

Demo data is dated relative to the day seed_demo runs, in the demo company's zone (its
headquarters are in Zurich), never on fixed calendar dates: a demo loaded next year looks
as lived-in as one loaded today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

DEMO_PASSWORD = "etime-demo-2026"  # noqa: S105  (printed by seed_demo; demo only)
DEMO_ADMIN = "admin"
DEMO_TIME_ZONE = "Europe/Zurich"


def demo_now() -> dt.datetime:
    return timezone.now().astimezone(ZoneInfo(DEMO_TIME_ZONE))


def demo_today() -> dt.date:
    return demo_now().date()


def demo_admin() -> Any:
    """The demo's administrator (created by the accounts seeder), or None before it ran."""
    from django.contrib.auth import get_user_model

    return get_user_model()._default_manager.filter(username=DEMO_ADMIN).first()
