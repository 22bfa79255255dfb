"""Extension points the core declares and apps fill in their AppConfig.ready().

The core imports no app (DESIGN §1): pages that gather several apps (the home
dashboard, later the manager inbox) iterate these registries instead.

- ``register_home_panel(fn)``: ``fn(request) -> dict | None``; the dict has ``template``
  and ``context``; None hides the panel for this user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HomePanel = Callable[[HttpRequest], dict[str, Any] | None]
_home_panels: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if panel not in _home_panels:
        _home_panels.append(panel)


def home_panels() -> list[HomePanel]:
    return list(_home_panels)


# --- Demo data --------------------------------------------------------------------------
# ``manage.py seed_demo`` creates the demo company (accounts), then runs each registered
# seeder in registration order: ``fn(*, rng, stdout) -> None``. Seeders must be idempotent.
DemoSeeder = Callable[..., None]
_demo_seeders: list[DemoSeeder] = []


def register_demo_seeder(seeder: DemoSeeder) -> None:
    if seeder not in _demo_seeders:
        _demo_seeders.append(seeder)


def demo_seeders() -> list[DemoSeeder]:
    return list(_demo_seeders)
