"""The formatting layer: one way to show dates, times, durations, money and balances."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from etime.core import formatting

pytestmark = pytest.mark.embedded

LATE_EVENING_UTC = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "12/06/2026"), ("de", "06.12.2026"), ("fr", "06/12/2026"), ("it", "06/12/2026")]
)
def test_a_date_follows_the_language(language: str, expected: str) -> None:
    with translation.override(language):
        assert formatting.date_local(date(2026, 12, 6)) == expected


def test_a_moment_shows_the_date_and_time_where_the_viewer_is() -> None:
    with timezone.override(ZoneInfo("Europe/Zurich")), translation.override("de"):
        assert formatting.date_local(LATE_EVENING_UTC) == "07.12.2026"
        assert formatting.time_local(LATE_EVENING_UTC) == "00:30"
        assert formatting.datetime_local(LATE_EVENING_UTC) == "07.12.2026 00:30"
    with timezone.override(ZoneInfo("America/New_York")), translation.override("en"):
        assert formatting.date_local(LATE_EVENING_UTC) == "12/06/2026"
        assert formatting.time_local(LATE_EVENING_UTC) == "18:30"


@pytest.mark.parametrize("language", ["en", "de", "fr", "it"])
def test_times_are_on_the_24_hour_clock_in_every_language(language: str) -> None:
    with timezone.override(ZoneInfo("UTC")), translation.override(language):
        assert formatting.time_local(LATE_EVENING_UTC) == "23:30"
        assert formatting.time_local(time(13, 5)) == "13:05"
        assert "23:30" in formatting.datetime_local(LATE_EVENING_UTC)
        assert "p.m." not in formatting.datetime_local(LATE_EVENING_UTC)


def test_durations_are_hours_and_minutes_whatever_the_unit() -> None:
    assert formatting.duration(5 * 3600) == "5:00"
    assert formatting.duration(459, "min") == "7:39"
    assert formatting.duration(Decimal("31.73"), "h") == "31:43"
    assert formatting.duration(timedelta(minutes=65)) == "1:05"
    assert formatting.duration(-30, "min") == "-0:30"
    assert formatting.duration(59) == "0:00"
    assert formatting.duration(None) == ""


def test_decimal_hours_are_for_exports_and_round_half_up() -> None:
    assert formatting.hours_decimal(459, "min") == "7.65"
    assert formatting.hours_decimal(30) == "0.01"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "CHF\u00a01,234.50"),
        ("de", "1'234.50\u00a0CHF"),
        ("fr", "1\u00a0234,50\u00a0CHF"),
        ("it", "1.234,50\u00a0CHF"),
    ],
)
def test_money_carries_its_currency_in_the_languages_way(language: str, expected: str) -> None:
    with translation.override(language):
        assert formatting.money(Decimal("1234.5"), "CHF") == expected


def test_german_money_is_swiss_in_any_currency_while_other_german_numbers_keep_the_comma() -> None:
    with translation.override("de"):
        assert formatting.money(Decimal("1234567.891"), "EUR") == "1'234'567.89\u00a0EUR"
        assert formatting.money(Decimal("-0.5"), "CHF") == "-0.50\u00a0CHF"
        assert formatting.money(Decimal("999")) == "999.00"
        assert formatting.days(Decimal("2.5")) == "2,5"


@pytest.mark.parametrize(
    ("value", "en", "de"),
    [
        (Decimal("25"), "25", "25"),
        (Decimal("0.00"), "0", "0"),
        (Decimal("2.50"), "2.5", "2,5"),
        (Decimal("-1.25"), "-1.25", "-1,25"),
    ],
)
def test_day_balances_drop_trailing_zeros(value: Decimal, en: str, de: str) -> None:
    with translation.override("en"):
        assert formatting.days(value) == en
    with translation.override("de"):
        assert formatting.days(value) == de


def test_a_month_is_named_not_numbered() -> None:
    with translation.override("en"):
        assert formatting.month_label("2026-11") == "November 2026"
    with translation.override("de"):
        assert formatting.month_label(date(2026, 3, 1)) == "März 2026"
    assert formatting.month_label("not-a-month") == "not-a-month"


def test_the_template_filters_are_the_same_functions() -> None:
    template = Template(
        "{% load etime_format %}{{ d|date_local }} {{ m|time_local }} {{ s|duration }} {{ n|duration:'min' }} "
        "{{ a|money:'EUR' }} {{ b|days }} {{ month|month_label }}"
    )
    with timezone.override(ZoneInfo("Europe/Zurich")), translation.override("de"):
        html = template.render(
            Context(
                {
                    "d": date(2026, 11, 30),
                    "m": LATE_EVENING_UTC,
                    "s": 18000,
                    "n": 459,
                    "a": Decimal("8.5"),
                    "b": Decimal("25.00"),
                    "month": "2026-11",
                }
            )
        )
    assert html == "30.11.2026 00:30 5:00 7:39 8.50\u00a0EUR 25 November 2026"
