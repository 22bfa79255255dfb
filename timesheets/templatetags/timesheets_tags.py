"""Template helpers of the time-tracking pages."""

from __future__ import annotations

from typing import Any

from django import template

from etime.core import formatting

register = template.Library()


@register.filter
def duration(seconds: Any) -> str:
    """Seconds as hours and minutes, ``7:05`` (empty for None: a running timer); the rule
    is ``etime.core.formatting.duration``, shared by every page."""
    return formatting.duration(seconds)


@register.filter
def clock(seconds: Any) -> str:
    """Seconds as a running clock, ``1:05:09``."""
    total = int(seconds or 0)
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


@register.filter
def at(sequence: Any, index: int) -> Any:
    """``row.cells|at:forloop.counter0``: an item of a list by position."""
    try:
        return sequence[index]
    except (IndexError, KeyError, TypeError):
        return None
