"""API token scopes.

A scope is ``read:<area>`` or ``write:<area>``; ``read:all``/``write:all`` cover every
area, and ``write:<area>`` includes ``read:<area>``. Apps register their areas in their
AppConfig.ready() so the core never imports an app. A token may only be created with
known scopes.
"""

from __future__ import annotations

AREAS: dict[str, str] = {}


def register_area(area: str, description: str) -> None:
    AREAS[area] = description


def all_scopes() -> list[str]:
    scopes = ["read:all", "write:all"]
    for area in sorted(AREAS):
        scopes += [f"read:{area}", f"write:{area}"]
    return scopes


def is_known(scope: str) -> bool:
    return scope in all_scopes()


def grants(scopes: list[str] | set[str], *, area: str, write: bool) -> bool:
    held = set(scopes)
    if write:
        return "write:all" in held or f"write:{area}" in held
    return bool(held & {"read:all", "write:all", f"read:{area}", f"write:{area}"})
