from __future__ import annotations

from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = "Devices"

    def ready(self) -> None:
        from attendance import providers
        from devices import conf, demo, selectors, views
        from etime.core import registry, schedules, scopes

        scopes.register_area("devices", "Time clocks and their sync runs")
        providers.register_device_status_provider(selectors.device_sync_status)
        registry.register_demo_seeder(demo.seed_devices)
        registry.register_home_panel(views.home_panel)
        schedules.register(
            schedules.DefaultSchedule(
                name="Sync time clocks",
                task="devices.sync_due_devices",
                every_seconds=conf.fanout_seconds(),
                description="Enqueues a sync for every enabled polled device that is due (poll interval, backoff).",
            )
        )
        schedules.register(
            schedules.DefaultSchedule(
                name="Alert on offline time clocks",
                task="devices.alert_offline_devices",
                every_seconds=300,
                description="Alerts admins (once per outage) about devices failing or silent past "
                "ETIME_DEVICE_OFFLINE_ALERT_MINUTES.",
            )
        )
