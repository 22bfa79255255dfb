"""``{% load etime_format %}``: the template face of ``etime.core.formatting``.

``|date_local``, ``|time_local``, ``|datetime_local``, ``|duration`` (seconds; ``:"min"``
or ``:"h"`` for other units), ``|hours_decimal`` (exports only), ``|money:currency``,
``|days`` and ``|month_label``. Each is the function of the same name in
``etime.core.formatting``; the rules live there.
"""

from __future__ import annotations

from typing import Any

from django import template

from etime.core import formatting

register = template.Library()


@register.filter
def date_local(value: Any, format_name: str = "SHORT_DATE_FORMAT") -> str:
    return formatting.date_local(value, format_name)


@register.filter
def time_local(value: Any) -> str:
    return formatting.time_local(value)


@register.filter
def datetime_local(value: Any) -> str:
    return formatting.datetime_local(value)


@register.filter
def duration(value: Any, unit: str = "seconds") -> str:
    return formatting.duration(value, unit)


@register.filter
def hours_decimal(value: Any, unit: str = "seconds") -> str:
    return formatting.hours_decimal(value, unit)


@register.filter
def money(value: Any, currency: str = "") -> str:
    return formatting.money(value, currency)


@register.filter
def days(value: Any) -> str:
    return formatting.days(value)


@register.filter
def month_label(value: Any) -> str:
    return formatting.month_label(value)


@register.filter
def weekday_label(value: Any) -> str:
    return formatting.weekday_label(value)
