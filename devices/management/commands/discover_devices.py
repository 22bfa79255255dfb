"""Find ZK time clocks on a network: `python manage.py discover_devices 192.168.1.0/24 [--port 4370]`.

Reports every address that answers the ZK connect over TCP and/or UDP, with its serial
number, model and firmware, and whether etime already knows it.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from devices.discovery import discover
from devices.models import Device


class Command(BaseCommand):
    help = "Find ZK time clocks on a network (CIDR) that answer the ZK connect over TCP/UDP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("cidr", help="network to scan, e.g. 192.168.1.0/24 (or one address)")
        parser.add_argument("--port", type=int, default=4370, help="ZK port (default 4370)")
        parser.add_argument("--transport", choices=["tcp", "udp", "both"], default="both")
        parser.add_argument("--timeout", type=float, default=1.0, help="seconds to wait per address (default 1)")
        parser.add_argument("--comm-key", type=int, default=0, help="comm key to read identities with")
        parser.add_argument("--json", action="store_true", help="one JSON object per device")

    def handle(self, *args: Any, **opts: Any) -> None:
        transports = ("tcp", "udp") if opts["transport"] == "both" else (opts["transport"],)
        try:
            found = list(
                discover(
                    opts["cidr"],
                    port=opts["port"],
                    transports=transports,
                    timeout=opts["timeout"],
                    comm_key=opts["comm_key"],
                )
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for f in found:
            known = Device.objects.filter(
                Q(host=f.host, port=f.port)
                | (Q(serial_number=f.info.serial) if f.info and f.info.serial else Q(pk=None))
            ).first()
            row: dict[str, Any] = {
                "host": f.host,
                "port": f.port,
                "transport": f.transport,
                "comm_key": f.needs_key,
                "serial": f.info.serial if f.info else None,
                "model": f.info.device_name if f.info else None,
                "firmware": f.info.firmware if f.info else None,
                "platform": f.info.platform if f.info else None,
                "registered_as": known.name if known else None,
                "error": f.error or None,
            }
            if opts["json"]:
                self.stdout.write(json.dumps(row))
                continue
            identity = (
                f"serial {row['serial']}, model {row['model']}, firmware {row['firmware']}, platform {row['platform']}"
                if f.info
                else f.error
            )
            extra = f" (registered as {known.name})" if known else ""
            key = ", comm key set" if f.needs_key else ""
            self.stdout.write(f"{f.host}:{f.port}/{f.transport}: {identity}{key}{extra}")
        if not opts["json"]:
            self.stdout.write(
                f"{len(found)} answer{'s' if len(found) != 1 else ''} on {opts['cidr']} port {opts['port']}"
            )
