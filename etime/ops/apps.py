from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations (DESIGN §10): backups, restore, health, jobs. Part of the core layer: it
    imports no domain app and reaches every model through the app registry."""

    name = "etime.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from etime.core import health, scopes

        scopes.register_area("jobs", "Progress of long jobs (backups, restores, reports)")
        scopes.register_area("settings", "Company settings")
        scopes.register_area("notifications", "My in-app notifications (the bell)")
        from etime.ops import schedules  # noqa: F401  (the nightly backup's and heartbeat's beat entries)
        from etime.ops.health import check_backups

        health.register_check("backups", check_backups, critical=False)

        from etime.core import registry
        from etime.ops import demo

        registry.register_demo_seeder(demo.seed_operations, order=300)
        from etime.ops import views

        registry.register_header_widget(views.bell_widget)  # last: backs up the whole demo
