from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "devices"
    verbose_name = _("Devices")

    def ready(self) -> None:
        from attendance import providers
        from devices import conf, demo, selectors, views
        from etime.core import registry, schedules, scopes

        scopes.register_area("devices", "Time clocks and their sync runs")
        scopes.register_area("client_devices", "Installed apps and kiosks (device credentials)")
        providers.register_device_status_provider(selectors.device_sync_status)
        from attendance import partitions

        def _punches_archived(sender: object, start: object, end: object, **kwargs: object) -> None:
            # The punch table has no constraint a photo's reference could follow (partitioned
            # on PostgreSQL): a photo of an archived punch keeps its image, unmatched.
            from devices.models import PunchPhoto

            PunchPhoto.objects.filter(punch__timestamp__gte=start, punch__timestamp__lt=end).update(punch=None)

        partitions.punches_archived.connect(_punches_archived, dispatch_uid="devices.punches_archived")
        registry.register_demo_seeder(demo.seed_devices)
        registry.register_demo_seeder(demo.seed_push_clock)
        registry.register_demo_seeder(demo.seed_simulated_push_clock)
        registry.register_demo_seeder(demo.seed_client_device, order=200)
        registry.register_demo_seeder(demo.seed_kiosk, order=210)
        from devices import pages

        registry.register_profile_panel(pages.profile_panel)
        registry.register_home_panel(views.home_panel)
        from etime.core import health  # operations: offline clocks show in /health/ready/ (warn only)

        def _devices_health() -> dict[str, object]:
            from devices.models import Device, DeviceStatus

            enabled = Device.objects.filter(enabled=True)
            offline = enabled.filter(status__in=[DeviceStatus.OFFLINE, DeviceStatus.ERROR]).count()
            # Push clocks anyone may push as (no networks of their own or their location's).
            push_open = sum(
                1 for d in enabled.filter(protocol="adms").select_related("location") if d.push_from_anywhere
            )
            status = "fail" if offline else "warn" if push_open else "ok"
            found: dict[str, object] = {"status": status, "enabled": enabled.count(), "offline": offline}
            return {**found, "push_any_network": push_open} if push_open else found

        health.register_check("devices", _devices_health, critical=False)
        from etime.ops import warranties  # operations: warranty reminders and the "expires soon" list

        def _device_warranties(until: object) -> list[dict[str, object]]:
            from devices.models import Device

            found = Device.objects.filter(warranty_end__isnull=False, warranty_end__lte=until).order_by("warranty_end")
            return [
                {
                    "name": d.name,
                    "kind": "Time clock",
                    "warranty_end": d.warranty_end,
                    "url": f"/admin/devices/device/{d.pk}/change/",
                }
                for d in found
            ]

        warranties.register_provider(_device_warranties)
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
                name="Purge old kiosk photos",
                task="devices.purge_kiosk_photos",
                crontab={"minute": "41", "hour": "3"},
                description="Deletes photos kiosks took at punches once older than ETIME_KIOSK_PHOTO_DAYS.",
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
