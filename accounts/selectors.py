"""Who may see which people: the one place the rule lives, for pages, API and exports.

- admin: everyone;
- manager: themselves and their reports, transitively (reports of reports);
- employee: themselves only;
- a login with no employee record and no admin role: nobody.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from accounts.models import Department, Employee, Location, Role, User
from etime.core.access import is_admin


def signed_in_user(user: User | AnonymousUser) -> User:
    """The user of a view that requires login (login_required / IsAuthenticated ran)."""
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def scheduled_report_viewer() -> User:
    """Whom scheduled reports are rendered for: an unsaved administrator, so the selectors'
    own "admins see everything" rules apply with no account behind them."""
    return User(username="scheduled-reports", role=Role.ADMIN, is_active=True)


def employee_for_user(user: Any) -> Employee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.employee
    except Employee.DoesNotExist:
        return None


def _reports_subquery(manager: Employee) -> RawSQL:
    # One recursive query on SQLite and PostgreSQL alike; UNION (not UNION ALL) stops
    # at rows already seen, so even a cycle in the data terminates.
    table = Employee._meta.db_table
    # The table name is ours, not input; the id is a bound parameter.
    sql = (
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE manager_id = %s"  # noqa: S608
        f" UNION SELECT e.id FROM {table} e JOIN tree t ON e.manager_id = t.id) SELECT id FROM tree"
    )
    param = Employee._meta.pk.get_db_prep_value(manager.pk, connection)
    return RawSQL(sql, [param])  # noqa: S611


def employee_list_visible(*, user: User | AnonymousUser) -> QuerySet[Employee]:
    employees = Employee.objects.all()
    if not isinstance(user, User) or not user.is_active:
        return employees.none()
    if is_admin(user):
        return employees
    me = employee_for_user(user)
    if me is None:
        return employees.none()
    if user.is_manager_role:
        return employees.filter(Q(pk=me.pk) | Q(pk__in=_reports_subquery(me)))
    return employees.filter(pk=me.pk)


def employee_get_visible(*, user: User | AnonymousUser, employee_id: Any) -> Employee | None:
    """The employee if ``user`` may see them, else None (callers answer 404, never 403)."""
    return employee_list_visible(user=user).filter(pk=employee_id).first()


def is_manager_of(*, user: User | AnonymousUser, employee: Employee) -> bool:
    """True when ``employee`` is among ``user``'s reports (transitively), not themselves."""
    me = employee_for_user(user)
    if me is None or me.pk == employee.pk or not isinstance(user, User) or not user.is_manager_role:
        return False
    return Employee.objects.filter(pk=employee.pk, pk__in=_reports_subquery(me)).exists()


def department_list(*, user: User | AnonymousUser) -> QuerySet[Department]:
    # Reference data: any signed-in user may read departments and locations.
    return Department.objects.all()


def location_list(*, user: User | AnonymousUser) -> QuerySet[Location]:
    return Location.objects.all()


# --- For the core's approval mechanism ------------------------------------------------------


def managers_of_user(user: User) -> list[User]:
    """The users managing ``user``'s employee, nearest first, who hold the manager role."""
    me = employee_for_user(user)
    chain: list[User] = []
    seen: set[Any] = set()
    current = me.manager if me is not None else None
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        if current.user is not None and current.user.is_manager_role:
            chain.append(current.user)
        current = current.manager
    return chain


def report_user_ids(user: User) -> set[Any]:
    """Ids of the users of ``user``'s reports, transitively (managers only)."""
    me = employee_for_user(user)
    if me is None or not user.is_manager_role:
        return set()
    return set(
        Employee.objects.filter(pk__in=_reports_subquery(me), user__isnull=False).values_list("user_id", flat=True)
    )


def approval_people_resolver() -> Any:
    from etime.core.approvals import PeopleResolver

    return PeopleResolver(managers_of=managers_of_user, reports_of=report_user_ids)


def access_people_rules() -> Any:
    """The people rules etime.core.access asks (who sees whom, who manages whom, who am I)."""
    from etime.core.access import PeopleRules

    return PeopleRules(
        visible=lambda user: employee_list_visible(user=user),
        manages=lambda user, person: is_manager_of(user=user, employee=person),
        own=employee_for_user,
    )


def employed_between(first: date, last: date) -> Q:
    """People employed on at least one day of ``first``..``last``: hired by ``last`` (or no
    hire date) and not gone before ``first`` (or no end date). The one filter for "who
    counts in this period" (registers, summaries, balances, leave statements)."""
    return (Q(hire_date__isnull=True) | Q(hire_date__lte=last)) & (Q(end_date__isnull=True) | Q(end_date__gte=first))
