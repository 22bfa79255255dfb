"""``{% load etime_format %}``: the template face of ``etime.core.formatting``.

``|date_local``, ``|time_local``, ``|datetime_local``, ``|duration`` (seconds; ``:"min"``
or ``:"h"`` for other units), ``|hours_decimal`` (exports only), ``|money:currency``,
``|days``, ``|month_label`` and ``|weekday_label``. Each is the function of the same name in
``etime.core.formatting``; the rules live there.
"""

from __future__ import annotations

from django import template

from etime.core import formatting

register = template.Library()

register.filter("date_local", formatting.date_local)
register.filter("time_local", formatting.time_local)
register.filter("datetime_local", formatting.datetime_local)
register.filter("duration", formatting.duration)
register.filter("hours_decimal", formatting.hours_decimal)
register.filter("money", formatting.money)
register.filter("days", formatting.days)
register.filter("month_label", formatting.month_label)
register.filter("weekday_label", formatting.weekday_label)
