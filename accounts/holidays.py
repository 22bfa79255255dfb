"""Holiday calendars: public holidays by country and subdivision, plus company days.

A calendar exists per (country, subdivision) and is filled from the ``holidays`` package
one year at a time, on demand (the first time anyone asks about that year). Company days
are added by admins: on one calendar, or on none (``calendar`` empty) to apply to every
calendar. A location gets the calendar of its country and subdivision; an employee gets
their location's. An employee without a location, or a location without a country, has
no public holidays.

accounts sits below attendance and leave (DESIGN §1): both read holidays from here.
``accounts.models`` star-imports this module's models (``__all__``); the functions are
imported from ``accounts.holidays`` directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from etime.core.types import Actor

__all__ = ["HolidayCalendar", "Holiday", "HolidaySource"]


class HolidaySource(models.TextChoices):
    GENERATED = "generated", _("Public holiday (holidays package)")
    COMPANY = "company", _("Company day")


class HolidayCalendar(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. CH"), verbose_name=_("country"))
    subdivision = models.CharField(
        max_length=10,
        blank=True,
        help_text=_("ISO 3166-2 code without country, e.g. ZH"),
        verbose_name=_("subdivision"),
    )
    # Years already filled from the holidays package; a year not listed is generated the
    # first time it is asked for.
    generated_years = models.JSONField(default=list, blank=True, editable=False, verbose_name=_("generated years"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("holiday calendar")
        verbose_name_plural = _("holiday calendars")
        app_label = "accounts"
        ordering = ["country", "subdivision"]
        constraints = [
            models.UniqueConstraint(fields=["country", "subdivision"], name="holiday_calendar_unique_region"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        validate_region(self.country, self.subdivision, error=ValidationError)


class Holiday(models.Model):
    """One day off. ``calendar`` empty: a company day on every calendar."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("ID"))
    calendar = models.ForeignKey(
        HolidayCalendar,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="days",
        help_text=_("Empty: a company day for every location"),
        verbose_name=_("calendar"),
    )
    date = models.DateField(verbose_name=_("date"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    source = models.CharField(
        max_length=10, choices=HolidaySource.choices, default=HolidaySource.COMPANY, verbose_name=_("source")
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        app_label = "accounts"
        ordering = ["date", "name"]
        constraints = [
            # Regeneration (two workers filling the same year) inserts each day once.
            models.UniqueConstraint(
                fields=["calendar", "date", "source"], name="holiday_unique_day_per_calendar_source"
            ),
        ]
        indexes = [models.Index(fields=["calendar", "date"], name="holiday_calendar_date")]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}"


# --- Functions ------------------------------------------------------------------------------


def validate_region(country: str, subdivision: str, *, error: type[Exception]) -> None:
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise error({"country": f"{country!r} is not a country with holiday data."})
    if subdivision and subdivision not in supported[country]:
        raise error({"subdivision": f"{subdivision!r} is not a subdivision of {country}."})


def _region_name(country: str, subdivision: str) -> str:
    return f"{country}-{subdivision}" if subdivision else country


def calendar_for_region(country: str, subdivision: str = "") -> HolidayCalendar:
    """The calendar of a region, created (empty) the first time it is needed."""
    country, subdivision = country.upper(), subdivision.upper()
    calendar = HolidayCalendar.objects.filter(country=country, subdivision=subdivision).first()
    if calendar is not None:
        return calendar
    from django.core.exceptions import ValidationError

    validate_region(country, subdivision, error=ValidationError)
    try:
        with transaction.atomic():
            return HolidayCalendar.objects.create(
                country=country, subdivision=subdivision, name=_region_name(country, subdivision)
            )
    except IntegrityError:  # created concurrently
        return HolidayCalendar.objects.get(country=country, subdivision=subdivision)


def calendar_for_location(location: Any) -> HolidayCalendar | None:
    if location is None or not location.country:
        return None
    return calendar_for_region(location.country, location.subdivision)


def ensure_years(calendars: Iterable[HolidayCalendar], years: Iterable[int]) -> None:
    """Fill each calendar's missing years from the holidays package. Idempotent and safe
    under concurrency: rows are unique per (calendar, date, source)."""
    import holidays

    wanted = sorted(set(years))
    for calendar in calendars:
        missing = [y for y in wanted if y not in (calendar.generated_years or [])]
        if not missing:
            continue
        generated = holidays.country_holidays(
            calendar.country, subdiv=calendar.subdivision or None, years=missing, language="en_US"
        )
        rows = [
            Holiday(calendar=calendar, date=day, name=str(name)[:200], source=HolidaySource.GENERATED)
            for day, name in sorted(generated.items())
        ]
        with transaction.atomic():
            Holiday.objects.bulk_create(rows, ignore_conflicts=True)
            locked = HolidayCalendar.objects.select_for_update().get(pk=calendar.pk)
            locked.generated_years = sorted(set(locked.generated_years or []) | set(missing))
            locked.save(update_fields=["generated_years"])
        calendar.generated_years = locked.generated_years


def calendar_days(calendar: HolidayCalendar, date_from: date, date_to: date) -> list[Holiday]:
    """The calendar's days in [date_from, date_to], company-wide days included."""
    ensure_years([calendar], range(date_from.year, date_to.year + 1))
    return list(
        Holiday.objects.filter(
            Q(calendar=calendar) | Q(calendar__isnull=True), date__gte=date_from, date__lte=date_to
        ).order_by("date", "name")
    )


def holidays_by_employee(employee_ids: Iterable[Any], date_from: date, date_to: date) -> dict[Any, dict[date, str]]:
    """{employee_id: {date: holiday name}} from each employee's location calendar, plus
    company-wide days. A constant number of queries whatever the number of employees
    (one per region met for the first time)."""
    from accounts.models import Employee

    ids = list(employee_ids)
    if not ids or date_to < date_from:
        return {}
    regions: dict[Any, tuple[str, str] | None] = {}
    for employee_id, country, subdivision in Employee.objects.filter(pk__in=ids).values_list(
        "pk", "location__country", "location__subdivision"
    ):
        regions[employee_id] = (country.upper(), (subdivision or "").upper()) if country else None
    wanted = {region for region in regions.values() if region is not None}
    calendars = {
        (c.country, c.subdivision): c
        for c in HolidayCalendar.objects.filter(Q(pk__in=[]) if not wanted else _region_q(wanted))
    }
    for region in wanted - set(calendars):
        calendars[region] = calendar_for_region(*region)
    ensure_years(calendars.values(), range(date_from.year, date_to.year + 1))
    by_calendar: dict[Any, dict[date, str]] = {c.pk: {} for c in calendars.values()}
    company: dict[date, str] = {}
    for calendar_id, day, name in Holiday.objects.filter(
        Q(calendar_id__in=list(by_calendar)) | Q(calendar__isnull=True), date__gte=date_from, date__lte=date_to
    ).values_list("calendar_id", "date", "name"):
        (company if calendar_id is None else by_calendar[calendar_id]).setdefault(day, name)
    result: dict[Any, dict[date, str]] = {}
    for employee_id in ids:
        days = dict(company)
        employee_region = regions.get(employee_id)
        if employee_region is not None:
            days.update(by_calendar[calendars[employee_region].pk])
        result[employee_id] = days
    return result


def _region_q(regions: set[tuple[str, str]]) -> Q:
    condition = Q(pk__in=[])
    for country, subdivision in regions:
        condition |= Q(country=country, subdivision=subdivision)
    return condition


def public_holidays(employee_ids: Iterable[Any], date_from: date, date_to: date) -> set[tuple[Any, date]]:
    """The provider shape attendance asks for: {(employee_id, date)} of public holidays."""
    return {
        (employee_id, day)
        for employee_id, days in holidays_by_employee(employee_ids, date_from, date_to).items()
        for day in days
    }


def company_day_add(*, calendar: HolidayCalendar | None, day: date, name: str, actor: Actor) -> Holiday:
    """Add a company day to one calendar (or, with ``calendar`` None, to all), audited."""
    from etime.core import audit
    from etime.core.errors import ValidationFailed

    name = (name or "").strip()
    if not name:
        raise ValidationFailed("A company day needs a name.", details={"name": ["Required."]})
    try:
        with transaction.atomic():
            holiday = Holiday.objects.create(calendar=calendar, date=day, name=name[:200], source=HolidaySource.COMPANY)
            audit.record(actor=actor, action="holiday.created", obj=holiday, after=audit.snapshot(holiday))
    except IntegrityError:
        raise ValidationFailed(
            "This calendar already has a company day on that date.", details={"date": ["Already a company day."]}
        ) from None
    return holiday


def company_day_delete(*, holiday: Holiday, actor: Actor) -> None:
    from etime.core import audit
    from etime.core.errors import ValidationFailed

    if holiday.source != HolidaySource.COMPANY:
        raise ValidationFailed("Public holidays come from the holidays package and cannot be deleted.")
    with transaction.atomic():
        before = audit.snapshot(holiday)
        holiday.delete()
        audit.record(
            actor=actor, action="holiday.deleted", object_type="accounts.holiday", object_id=before["id"], before=before
        )
