"""Reads for time tracking, including who may see what (the one place the rule lives).

- Time entries and timesheets follow people: admins see everyone's, managers their own
  and their reports' (transitively), employees their own
  (``accounts.selectors.employee_list_visible``).
- Projects: admins see all; others see projects open to everyone (no members listed)
  and projects where someone they can see is a member. Clients and tasks follow the
  projects. Rates (commercial terms and internal costs) are for admins only.

Objects outside a user's view are answered 404 by the callers, never 403.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from accounts.models import Employee, User
from accounts.selectors import employee_for_user, employee_list_visible
from etime.core.access import is_admin
from etime.core.zones import employee_zone
from timesheets import money
from timesheets.models import (
    Client,
    Project,
    Rate,
    RateKind,
    RateLevel,
    RateSource,
    Task,
    TimeEntry,
    TimeEntryDeletion,
    Timesheet,
)

AnyUser = User | AnonymousUser


# --- Visibility ---------------------------------------------------------------------------


def time_entry_list_visible(*, user: AnyUser) -> QuerySet[TimeEntry]:
    entries = TimeEntry.objects.all()
    if is_admin(user):
        return entries
    return entries.filter(employee__in=employee_list_visible(user=user))


def time_entry_get_visible(*, user: AnyUser, entry_id: Any) -> TimeEntry | None:
    return time_entry_list_visible(user=user).select_related("employee", "project", "task").filter(pk=entry_id).first()


def time_entry_deletion_list_visible(*, user: AnyUser) -> QuerySet[TimeEntryDeletion]:
    deletions = TimeEntryDeletion.objects.all()
    if is_admin(user):
        return deletions
    return deletions.filter(employee_id__in=employee_list_visible(user=user).values("pk"))


def timesheet_list_visible(*, user: AnyUser) -> QuerySet[Timesheet]:
    timesheets = Timesheet.objects.select_related("employee")
    if is_admin(user):
        return timesheets
    return timesheets.filter(employee__in=employee_list_visible(user=user))


def project_list_visible(*, user: AnyUser) -> QuerySet[Project]:
    projects = Project.objects.all()
    if is_admin(user):
        return projects
    if not isinstance(user, User) or not user.is_active:
        return projects.none()
    membership = Project.members.through.objects
    has_members = Exists(membership.filter(project_id=OuterRef("pk")))
    visible_member = Exists(
        membership.filter(project_id=OuterRef("pk"), employee_id__in=employee_list_visible(user=user).values("pk"))
    )
    return projects.filter(~has_members | visible_member)


def client_list_visible(*, user: AnyUser) -> QuerySet[Client]:
    if is_admin(user):
        return Client.objects.all()
    return Client.objects.filter(pk__in=project_list_visible(user=user).values("client_id"))


def task_list_visible(*, user: AnyUser) -> QuerySet[Task]:
    if is_admin(user):
        return Task.objects.all()
    return Task.objects.filter(project__in=project_list_visible(user=user))


def rate_list_visible(*, user: AnyUser) -> QuerySet[Rate]:
    return Rate.objects.all() if is_admin(user) else Rate.objects.none()


def may_log_time_on(*, employee: Employee, project: Project) -> bool:
    """Projects with members accept time from their members only."""
    members = project.members.all()
    return not members.exists() or members.filter(pk=employee.pk).exists()


# --- Time zones ---------------------------------------------------------------------------


def local_date(employee: Employee, moment: datetime) -> date:
    """The calendar date of ``moment`` where the employee works."""
    return moment.astimezone(employee_zone(employee)).date()


# --- Rates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedRate:
    amount: Decimal
    currency: str
    effective_date: date | None
    source: str
    cost_amount: Decimal | None = None
    cost_currency: str = ""


_WATERFALL = (RateLevel.TASK, RateLevel.PROJECT, RateLevel.CLIENT, RateLevel.EMPLOYEE)


def resolve_rate(*, employee: Employee, project: Project, task: Task | None, day: date) -> ResolvedRate:
    """The billing rate for work on ``day``: task → project → client → employee → 0.

    At each level the rate in force is the one with the latest ``effective_from`` on or
    before ``day``. The employee's internal cost rate is resolved alongside. One query.
    """
    targets = Q(level=RateLevel.PROJECT, project_id=project.pk) | Q(level=RateLevel.CLIENT, client_id=project.client_id)
    if task is not None:
        targets |= Q(level=RateLevel.TASK, task_id=task.pk)
    targets |= Q(level=RateLevel.EMPLOYEE, employee_id=employee.pk)
    best: dict[tuple[str, str], Rate] = {}
    for rate in Rate.objects.filter(targets, effective_from__lte=day).order_by("-effective_from"):
        best.setdefault((rate.kind, rate.level), rate)
    cost = best.get((RateKind.COST, RateLevel.EMPLOYEE))
    cost_amount, cost_currency = (cost.amount, cost.currency) if cost else (None, "")
    for level in _WATERFALL:
        found = best.get((RateKind.BILLING, level))
        if found is not None:
            return ResolvedRate(
                found.amount, found.currency, found.effective_from, str(level), cost_amount, cost_currency
            )
    return ResolvedRate(
        Decimal("0.00"), project.client.currency, None, str(RateSource.NONE), cost_amount, cost_currency
    )


# --- Overlap -----------------------------------------------------------------------------


def running_timer(*, employee_id: Any, exclude_id: Any = None) -> TimeEntry | None:
    running = TimeEntry.objects.filter(employee_id=employee_id, end__isnull=True)
    if exclude_id is not None:
        running = running.exclude(pk=exclude_id)
    return running.first()


def short_timers_of(*, employee_id: Any) -> str:
    """The employee's choice for timers stopped within a minute (``keep`` by default)."""
    from timesheets.models import ShortTimer, TimerPreference

    chosen = TimerPreference.objects.filter(employee_id=employee_id).values_list("short_timers", flat=True).first()
    return chosen or ShortTimer.KEEP


def conflicting_entries(
    *, employee_id: Any, start: datetime, end: datetime | None, exclude_ids: list[Any] | tuple[Any, ...] = ()
) -> list[TimeEntry]:
    """Stored entries of the employee overlapping [start, end) (``end`` None: open-ended).

    Ranges are half-open: a.start < b.end and a.end > b.start. Stored entries never
    overlap one another, so at most one of them starts before ``start`` and reaches
    into the range: the latest one starting before it. That makes this two index probes
    on (employee, start) whatever the employee's history holds.
    """
    others = TimeEntry.objects.filter(employee_id=employee_id).exclude(pk__in=list(exclude_ids))
    inside = others.filter(start__gte=start)
    if end is not None:
        inside = inside.filter(start__lt=end)
    found = list(inside.select_related("project").order_by("start"))
    before = others.filter(start__lt=start).select_related("project").order_by("-start").first()
    if before is not None and (before.end is None or before.end > start):
        found.insert(0, before)
    return found


# --- Expected hours and logged time ---------------------------------------------------------


def expected_minutes(*, employee_ids: list[Any], day: date) -> dict[Any, int]:
    """Minutes each employee is expected to work on ``day``: attendance's planned shift
    (or Mon–Fri 8 h where no schedule covers the day), 0 outside the employment dates."""
    from attendance.selectors import expected_minutes as planned

    expected = planned(employee_ids=employee_ids, date_from=day, date_to=day)
    result: dict[Any, int] = {}
    for pk, hire, leaving in Employee.objects.filter(pk__in=employee_ids).values_list("pk", "hire_date", "end_date"):
        employed = (hire is None or hire <= day) and (leaving is None or day <= leaving)
        result[pk] = expected.get((pk, day), 0) if employed else 0
    return result


def logged_seconds(*, employee_ids: list[Any], day: date) -> dict[Any, int]:
    """Seconds of finished entries per employee on their local ``day``."""
    rows = (
        TimeEntry.objects.filter(employee_id__in=employee_ids, date=day, end__isnull=False)
        .values("employee_id")
        .annotate(total=Sum("duration_seconds"))
    )
    return {row["employee_id"]: row["total"] or 0 for row in rows}


def timesheet_for_week(*, employee_id: Any, week_start: date) -> Timesheet | None:
    return Timesheet.objects.filter(employee_id=employee_id, week_start=week_start).first()


# --- Reports ------------------------------------------------------------------------------

GROUPS = ("client", "project", "task", "employee", "day", "week", "month")


@dataclass
class ReportFilters:
    date_from: date | None = None
    date_to: date | None = None
    employee: Any = None
    project: Any = None
    client: Any = None
    task: Any = None
    billable: bool | None = None
    status: str | None = None


def _filtered_entries(*, user: AnyUser, filters: ReportFilters) -> QuerySet[TimeEntry]:
    entries = time_entry_list_visible(user=user).filter(end__isnull=False)
    if filters.date_from:
        entries = entries.filter(date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(date__lte=filters.date_to)
    for name in ("employee", "project", "task"):
        value = getattr(filters, name)
        if value:
            entries = entries.filter(**{f"{name}_id": value})
    if filters.client:
        entries = entries.filter(project__client_id=filters.client)
    if filters.billable is not None:
        entries = entries.filter(billable=filters.billable)
    if filters.status:
        entries = entries.filter(status=filters.status)
    return entries


def _period_key(day: date, group_by: str) -> date:
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    return day


def _money_list(amounts: dict[str, Decimal]) -> list[dict[str, str]]:
    return [
        {"currency": currency, "amount": str(money.round_money(value))} for currency, value in sorted(amounts.items())
    ]


def time_report(*, user: AnyUser, group_by: str, filters: ReportFilters) -> list[dict[str, Any]]:
    """Hours and amounts of the finished entries ``user`` may see, grouped.

    Amounts follow billing's arithmetic: per (project, task, rate, rate date) the billed
    seconds times the rate, rounded to the cent once, then summed per group and
    currency. Internal costs and margins are included for admins only.
    """
    if group_by not in GROUPS:
        raise ValueError(group_by)
    key_field = {
        "client": "project__client_id",
        "project": "project_id",
        "task": "task_id",
        "employee": "employee_id",
    }.get(group_by, "date")
    rows = (
        _filtered_entries(user=user, filters=filters)
        .values(
            key_field,
            "project_id",
            "task_id",
            "billable",
            "rate_applied",
            "rate_currency",
            "rate_effective_date",
            "cost_rate_applied",
            "cost_rate_currency",
        )
        .annotate(raw=Sum("duration_seconds"), billed=Sum("rounded_seconds"))
        .order_by()
    )
    show_cost = is_admin(user)
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row[key_field]
        if group_by in ("day", "week", "month"):
            key = _period_key(key, group_by)
        group = groups.setdefault(
            key,
            {
                "seconds": 0,
                "billable_seconds": 0,
                "billed_seconds": 0,
                "amounts": defaultdict(Decimal),
                "costs": defaultdict(Decimal),
            },
        )
        group["seconds"] += row["raw"] or 0
        if row["cost_rate_applied"] is not None:
            group["costs"][row["cost_rate_currency"]] += money.amount_for(row["raw"], row["cost_rate_applied"])
        if row["billable"]:
            group["billable_seconds"] += row["raw"] or 0
            group["billed_seconds"] += row["billed"] or 0
            group["amounts"][row["rate_currency"]] += money.amount_for(row["billed"], row["rate_applied"])
    labels = _labels(group_by, [k for k in groups if k is not None])
    result = []
    for key, group in groups.items():
        item: dict[str, Any] = {
            "key": str(key) if key is not None else None,
            "label": labels.get(key, "(no task)" if key is None else str(key)),
            "hours": str(money.hours(group["seconds"])),
            "billable_hours": str(money.hours(group["billable_seconds"])),
            "billed_hours": str(money.hours(group["billed_seconds"])),
            "amounts": _money_list(group["amounts"]),
        }
        if show_cost:
            item["costs"] = _money_list(group["costs"])
            item["margins"] = _money_list(
                {
                    c: group["amounts"].get(c, Decimal(0)) - group["costs"].get(c, Decimal(0))
                    for c in set(group["amounts"]) | set(group["costs"])
                }
            )
        result.append(item)
    result.sort(key=lambda item: (item["label"] or "", item["key"] or ""))
    if group_by in ("day", "week", "month"):
        result.sort(key=lambda item: item["key"])
    return result


def _labels(group_by: str, keys: list[Any]) -> dict[Any, str]:
    if group_by == "client":
        return dict(Client.objects.filter(pk__in=keys).values_list("pk", "name"))
    if group_by == "project":
        return {
            pk: f"{client} / {name}"
            for pk, name, client in Project.objects.filter(pk__in=keys).values_list("pk", "name", "client__name")
        }
    if group_by == "task":
        return {
            pk: f"{project} / {name}"
            for pk, name, project in Task.objects.filter(pk__in=keys).values_list("pk", "name", "project__name")
        }
    if group_by == "employee":
        return {
            pk: f"{first} {last} ({code})"
            for pk, first, last, code in Employee.objects.filter(pk__in=keys).values_list(
                "pk", "first_name", "last_name", "code"
            )
        }
    return {key: key.isoformat() for key in keys}


def budget_report(*, user: AnyUser, project_id: Any = None) -> list[dict[str, Any]]:
    """Budget burn per project: all time logged on it (not only what ``user`` sees,
    since a budget is the project's, not a person's) against its hours and amount.

    Amounts count billable entries in the client's currency. Callers restrict this to
    admins and managers; only totals are shown, never a person's entries.
    """
    projects = project_list_visible(user=user).select_related("client")
    if project_id:
        projects = projects.filter(pk=project_id)
    return budget_usage(projects=projects.order_by("client__name", "name"))


def project_budget_visible(*, user: AnyUser, project_id: Any) -> Project | None:
    """A project's budget page (where a budget alert links): for its project managers and
    for admins; None (404) for anyone else, as for an unknown id."""
    projects = Project.objects.select_related("client")
    if not is_admin(user):
        employee = employee_for_user(user)
        if employee is None:
            return None
        projects = projects.filter(managers=employee)
    return projects.filter(pk=project_id).first()


def budget_usage(*, projects: QuerySet[Project]) -> list[dict[str, Any]]:
    """Budget burn of each project with a budget among ``projects``: the hours of all its
    finished entries, and the amount of its billable ones in the client's currency, against
    its budgets (``*_burn_percent`` is None without that budget). The one rule behind the
    budget report and the budget alerts."""
    projects = projects.filter(Q(budget_hours__isnull=False) | Q(budget_amount__isnull=False)).select_related("client")
    project_list = list(projects)
    usage: dict[Any, dict[str, Any]] = {p.pk: {"seconds": 0, "amount": Decimal(0)} for p in project_list}
    rows = (
        TimeEntry.objects.filter(project_id__in=list(usage), end__isnull=False)
        .values("project_id", "billable", "task_id", "rate_applied", "rate_currency", "rate_effective_date")
        .annotate(raw=Sum("duration_seconds"), billed=Sum("rounded_seconds"))
        .order_by()
    )
    currency = {p.pk: p.client.currency for p in project_list}
    for row in rows:
        bucket = usage[row["project_id"]]
        bucket["seconds"] += row["raw"] or 0
        if row["billable"] and row["rate_currency"] == currency[row["project_id"]]:
            bucket["amount"] += money.amount_for(row["billed"], row["rate_applied"])
    result = []
    for project in project_list:
        used = usage[project.pk]
        used_hours = money.hours(used["seconds"])
        used_amount = money.round_money(used["amount"])
        result.append(
            {
                "project": str(project.pk),
                "project_name": project.name,
                "client": str(project.client_id),
                "client_name": project.client.name,
                "status": project.status,
                "currency": project.client.currency,
                "budget_hours": str(project.budget_hours) if project.budget_hours is not None else None,
                "used_hours": str(used_hours),
                "hours_burn_percent": _percent(used_hours, project.budget_hours),
                "budget_amount": str(project.budget_amount) if project.budget_amount is not None else None,
                "used_amount": str(used_amount),
                "amount_burn_percent": _percent(used_amount, project.budget_amount),
            }
        )
    return result


def _percent(used: Decimal, budget: Decimal | None) -> str | None:
    if budget is None or budget == 0:
        return None
    return str(money.round_money(used * 100 / budget))


def employee_of(user: AnyUser) -> Employee | None:
    return employee_for_user(user)


# --- Pages ----------------------------------------------------------------------------------


def project_list_loggable(*, employee: Employee) -> QuerySet[Project]:
    """Active projects ``employee`` may log time on (open to everyone, or a member), for
    the pickers of the timer and entry pages."""
    from timesheets.models import ProjectStatus

    membership = Project.members.through.objects
    has_members = Exists(membership.filter(project_id=OuterRef("pk")))
    is_member = Exists(membership.filter(project_id=OuterRef("pk"), employee_id=employee.pk))
    return (
        Project.objects.filter(status=ProjectStatus.ACTIVE)
        .filter(~has_members | is_member)
        .select_related("client")
        .order_by("client__name", "name")
    )


def task_list_loggable(*, employee: Employee) -> QuerySet[Task]:
    """Open tasks of the projects ``employee`` may log time on."""
    return (
        Task.objects.filter(active=True, project__in=project_list_loggable(employee=employee).values("pk"))
        .select_related("project")
        .order_by("project__name", "name")
    )


def week_entries(*, employee_id: Any, week_start: date) -> QuerySet[TimeEntry]:
    """The employee's entries counting for the ISO week starting ``week_start``, in start
    order, with what a page shows of them (one query)."""
    return (
        TimeEntry.objects.filter(
            employee_id=employee_id, date__gte=week_start, date__lte=week_start + timedelta(days=6)
        )
        .select_related("project__client", "task")
        .order_by("start")
    )


def expected_minutes_range(*, employee: Employee, date_from: date, date_to: date) -> dict[date, int]:
    """Minutes ``employee`` is expected to work each day from ``date_from`` to ``date_to``
    (attendance's plan; 0 outside the employment dates)."""
    from attendance.selectors import expected_minutes as planned

    expected = planned(employee_ids=[employee.pk], date_from=date_from, date_to=date_to)
    result: dict[date, int] = {}
    day = date_from
    while day <= date_to:
        employed = (employee.hire_date is None or employee.hire_date <= day) and (
            employee.end_date is None or day <= employee.end_date
        )
        result[day] = expected.get((employee.pk, day), 0) if employed else 0
        day += timedelta(days=1)
    return result


def week_logged_seconds(*, employee_id: Any, week_start: date) -> int:
    """Seconds of finished entries in the week (running timers not included)."""
    total = TimeEntry.objects.filter(
        employee_id=employee_id, date__gte=week_start, date__lte=week_start + timedelta(days=6), end__isnull=False
    ).aggregate(total=Sum("duration_seconds"))["total"]
    return int(total or 0)


# Where the week grid places a day's first entry when attendance plans no shift that day.
DEFAULT_DAY_START = time(9, 0)


def day_start_time(*, employee: Employee, day: date) -> time:
    """The local time a day's work starts for ``employee``: the planned shift's start
    (attendance's schedule; the first shift of a split day), else ``DEFAULT_DAY_START``."""
    from attendance.selectors import plans_for

    rule = plans_for([employee.pk], day, day)[employee.pk].get(day)
    if isinstance(rule, tuple):  # several shifts that day (attendance keeps them in order)
        rule = rule[0] if rule else None
    return rule.start_time if rule is not None else DEFAULT_DAY_START


def day_latest_end(*, employee_id: Any, day: date) -> datetime | None:
    """The end of the latest finished entry counting for ``day`` (where the grid places the
    next one)."""
    return (
        TimeEntry.objects.filter(employee_id=employee_id, date=day, end__isnull=False)
        .order_by("-end")
        .values_list("end", flat=True)
        .first()
    )


def calendar_punches(*, user: AnyUser, employee: Employee, start: datetime, end: datetime) -> list[Any]:
    """The employee's clock punches in [start, end) that ``user`` may see (attendance's
    selector), oldest first: the calendar shows them read-only."""
    from attendance.selectors import punches_visible

    return list(
        punches_visible(user=user)
        .filter(employee_id=employee.pk, timestamp__gte=start, timestamp__lt=end)
        .order_by("timestamp")
    )
