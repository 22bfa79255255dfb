from __future__ import annotations

import random
from typing import Any

from django.core.management.base import BaseCommand

from etime.core import registry
from etime.core.demo import DEMO_PASSWORD

# The order the logins are printed in; each is one line ``persona <name>: <username>``.
PERSONAS = ("employee", "manager", "finance", "admin")


class Command(BaseCommand):
    help = (
        "Create the demo company (idempotent): each app's registered demo seeder, in order, then the "
        "demo logins as `persona <name>: <username>` lines."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (the demo is deterministic)")

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])  # noqa: S311  (deterministic demo data)
        for seeder in registry.demo_seeders():
            seeder(rng=rng, stdout=self.stdout)
        personas = registry.demo_personas()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for name in sorted(personas, key=lambda n: (PERSONAS.index(n) if n in PERSONAS else len(PERSONAS), n)):
            self.stdout.write(f"persona {name}: {personas[name]}")
