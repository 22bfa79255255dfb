"""Typed readers for environment variables.

Every setting etime takes from the environment is read through these helpers, in
``etime/settings.py`` only. A malformed value stops the process at import time with
a message naming the variable, rather than surfacing later as odd behaviour.
``NAME_FILE`` may point at a file holding the value (Docker/Kubernetes secrets).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


class ImproperlyConfiguredEnv(RuntimeError):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def raw(name: str) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfiguredEnv(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name)


def env_str(name: str, default: str = "") -> str:
    value = raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfiguredEnv(f"{name}={value!r} is not a boolean; use true or false")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfiguredEnv(f"{name}={number} must be at least {minimum}")
    return number


def env_map(name: str, default: dict[str, str], *, keys: set[str] | None = None) -> dict[str, str]:
    """``key=value,key=value`` over ``default``; a key outside ``keys`` or an item without
    ``=`` stops the boot with the variable's name."""
    result = dict(default)
    for item in env_list(name):
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ImproperlyConfiguredEnv(f"{name}: {item!r} is not key=value")
        if keys is not None and key not in keys:
            raise ImproperlyConfiguredEnv(f"{name}: unknown key {key!r}; known: {', '.join(sorted(keys))}")
        result[key] = value
    return result


def env_format(name: str, default: str, **example: Any) -> str:
    """A ``str.format`` pattern; one that does not format with ``example`` stops the boot."""
    value = env_str(name, default) or default
    try:
        value.format(**example)
    except (KeyError, IndexError, ValueError) as exc:
        raise ImproperlyConfiguredEnv(f"{name}={value!r} is not a valid pattern: {exc!r}") from None
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
