"""Billing and cost rates: a dated history per task, project, client or employee (added, never
edited; entries keep the rate they were given)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from accounts.models import Employee
from etime.core import audit
from etime.core.errors import validation_failed
from etime.core.types import Actor, actor_user
from timesheets.models import Client, Project, Rate, RateKind, RateLevel, Task
from timesheets.services._common import _invalid, delete_with_audit

_LEVEL_MODELS: dict[str, Any] = {
    RateLevel.TASK: Task,
    RateLevel.PROJECT: Project,
    RateLevel.CLIENT: Client,
    RateLevel.EMPLOYEE: Employee,
}


def _client_of(level: str, target: Any) -> Client | None:
    if level == RateLevel.TASK:
        return target.project.client
    if level == RateLevel.PROJECT:
        return target.client
    if level == RateLevel.CLIENT:
        return target
    return None


def rate_build(
    *,
    level: str,
    target_id: Any,
    amount: Decimal,
    effective_from: date,
    actor: Actor = None,
    currency: str | None = None,
    kind: str = RateKind.BILLING,
) -> Rate:
    """A validated, unsaved rate (``rate_create`` saves it; the admin form validates with it)."""
    if level not in RateLevel.values:
        raise _invalid("level", gettext("Choose one of %(choices)s.") % {"choices": ", ".join(RateLevel.values)})
    if kind not in RateKind.values:
        raise _invalid("kind", gettext("Choose one of %(choices)s.") % {"choices": ", ".join(RateKind.values)})
    if kind == RateKind.COST and level != RateLevel.EMPLOYEE:
        raise _invalid("kind", gettext("Cost rates are an employee's internal cost: use level employee."))
    model = _LEVEL_MODELS[level]
    queryset = model.objects.all()
    if model is Task:
        queryset = queryset.select_related("project__client")
    elif model is Project:
        queryset = queryset.select_related("client")
    target = queryset.filter(pk=target_id).first() if target_id else None
    if target is None:
        raise _invalid("target", gettext("No %(level)s with this id.") % {"level": level})
    client = _client_of(level, target)
    currency = (currency or (client.currency if client else "")).upper()
    if not currency:
        raise _invalid("currency", gettext("An employee rate needs a currency."))
    if client is not None and currency != client.currency:
        raise _invalid("currency", gettext("Rates of this client are in %(currency)s.") % {"currency": client.currency})
    rate = Rate(
        kind=kind,
        level=level,
        amount=amount,
        currency=currency,
        effective_from=effective_from,
        created_by=actor_user(actor),
        **{level: target},
    )
    try:
        rate.full_clean()
    except ValidationError as exc:
        if any("unique" in str(m).lower() or "already" in str(m).lower() for m in exc.messages):
            raise _invalid(
                "effective_from", gettext("This target already has a rate from this date; add one for another date.")
            ) from None
        raise validation_failed(exc) from None
    return rate


def rate_create(
    *,
    level: str,
    target_id: Any,
    amount: Decimal,
    effective_from: date,
    actor: Actor,
    currency: str | None = None,
    kind: str = RateKind.BILLING,
) -> Rate:
    """Add a rate to the history of a task, project, client or employee.

    Rates are never edited: a change is a new rate with a later ``effective_from``.
    Task, project and client rates are in the client's currency (the default); an
    employee rate needs its currency. Stored entries keep the rate they were given.
    """
    rate = rate_build(
        level=level,
        target_id=target_id,
        amount=amount,
        effective_from=effective_from,
        actor=actor,
        currency=currency,
        kind=kind,
    )
    try:
        with transaction.atomic():
            rate.save()
            audit.record(actor=actor, action="rate.created", obj=rate, after=audit.snapshot(rate))
    except IntegrityError:
        raise _invalid(
            "effective_from", gettext("This target already has a rate from this date; add one for another date.")
        ) from None
    return rate


def rate_delete(*, rate: Rate, actor: Actor) -> None:
    """Remove a rate (a mistake). Entries that used it keep their stored rate."""
    delete_with_audit(obj=rate, actor=actor, noun="rate")
