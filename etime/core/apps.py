from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "etime.core"
    label = "core"
    verbose_name = _("etime core")

    def ready(self) -> None:
        from etime import checks  # noqa: F401  (registers the boot-time system checks)
        from etime.core import celery_context, metrics, pg_adapters, schedules  # noqa: F401  (request id into tasks; defaults)
        from etime.core.api import schema  # noqa: F401  (OpenAPI extension for NamedChoiceField)

        metrics.connect_signals()  # task durations per queue, failed logins (docs/OPERATIONS.md "Metrics")
        pg_adapters.register()  # aware datetimes go to PostgreSQL in UTC (offsets over 15:59)
