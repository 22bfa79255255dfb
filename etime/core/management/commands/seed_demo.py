from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand

from etime.core import registry


class Command(BaseCommand):
    help = "Create the demo company (idempotent): people, then whatever each app adds to the demo."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (the demo is deterministic)")

    def handle(self, *args: Any, **options: Any) -> None:
        from accounts.demo import DEMO_ADMIN, DEMO_PASSWORD, seed_company

        rng = random.Random(options["seed"])  # noqa: S311  (deterministic demo data)
        employees = seed_company(rng=rng, stdout=self.stdout)
        for seeder in registry.demo_seeders():
            seeder(rng=rng, stdout=self.stdout)
        manager = next((e.user for e in employees if e.user and e.user.role == "manager" and e.manager_id), None)
        worker = next((e.user for e in employees if e.user and e.user.role == "employee"), None)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write(f"  admin:    {DEMO_ADMIN}")
        if manager:
            self.stdout.write(f"  manager:  {manager.username}")
        if worker:
            self.stdout.write(f"  employee: {worker.username}")
