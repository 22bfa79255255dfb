from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand

from etime.core.health import report


class Command(BaseCommand):
    help = "Print the readiness report (as /health/ready/ serves it); exit status 1 when not ready."

    def handle(self, *args: Any, **options: Any) -> None:
        ready, body = report()
        self.stdout.write(json.dumps(body, indent=2, sort_keys=True))
        if not ready:
            sys.exit(1)
