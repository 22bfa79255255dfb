"""The one approval mechanism (DESIGN §3): ordered levels, each the requester's manager or a
named group; approve, reject, return with comment; delegation while an approver is away;
every step audited.

An app registers a kind in its AppConfig.ready()::

    approvals.register_kind(approvals.ApprovalKind(
        name="leave_request", label="Leave request", model=LeaveRequest,
        levels=lambda obj: [approvals.MANAGER, approvals.group("HR")],
        requester=lambda obj: obj.employee.user,
        on_approved=..., on_rejected=..., on_returned=...,   # run in the deciding transaction
        on_advanced=...,                                       # optional: a level passed, more to go
    ))

and its services call ``submit`` (inside their own transaction) and ``decide``. Who manages
whom comes from accounts, which registers ``set_people_resolver`` (the core imports no app).

Eligibility at a level: a manager level accepts the requester's managers up the chain; a
group level accepts members of that Django group; admins may decide any level; anyone may
act for a delegator during an active delegation. Nobody decides their own request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from etime.core import audit
from etime.core.access import is_admin
from etime.core.errors import Conflict, DomainError, ValidationFailed
from etime.core.models import (
    ApprovalDecision,
    ApprovalDelegation,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStep,
)
from etime.core.types import Actor, actor_user

logger = logging.getLogger(__name__)


class ApprovalNotAllowed(DomainError):
    code = "approval_not_allowed"
    status = 403
    message = _("You may not decide this request at its current level.")


class ApprovalAlreadyDecided(DomainError):
    code = "approval_already_decided"
    status = 409
    message = _("This request has already been decided.")


class ApprovalPending(Conflict):
    code = "approval_pending"
    message = _("This object already waits for approval.")


@dataclass(frozen=True)
class Level:
    """``manager``: the requester's managers up the chain; ``group``: members of a Django
    group; ``person``: one named user (a consent: only they decide, not admins, not
    delegates); ``manager_of``: the managers of a named user (another party's manager)."""

    type: str
    group: str = ""
    user: str = ""  # a user id, for "person" and "manager_of"

    def as_json(self) -> dict[str, str]:
        if self.type == "group":
            return {"type": self.type, "group": self.group}
        if self.type in (PERSON, MANAGER_OF):
            return {"type": self.type, "user": self.user}
        return {"type": self.type}


PERSON = "person"
MANAGER_OF = "manager_of"
MANAGER = Level("manager")


def consent(user: Any) -> Level:
    """A level only ``user`` decides (a consent)."""
    return Level(PERSON, user=str(user.pk))


def manager_of(user: Any) -> Level:
    """A level ``user``'s managers decide (admins too)."""
    return Level(MANAGER_OF, user=str(user.pk))


def group(name: str) -> Level:
    return Level("group", name)


Callback = Callable[..., None]


@dataclass(frozen=True)
class ApprovalKind:
    name: str
    label: str | Promise  # shown to people: gettext_lazy
    model: type[models.Model]
    levels: Callable[[Any], list[Level]]
    requester: Callable[[Any], Any]
    on_approved: Callback
    on_rejected: Callback
    on_returned: Callback
    on_advanced: Callback | None = None
    # One line about the object for inboxes, in the active language (gettext and the format
    # layer inside): called when the request is submitted (the stored ``summary``, kept for
    # the audit trail) and again when a page shows it (``summaries``), so each reader gets
    # their own language. ``related``: what ``describe`` reads through foreign keys.
    describe: Callable[[Any], str] | None = None
    related: tuple[str, ...] = ()


_kinds: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> None:
    _kinds[kind.name] = kind


def get_kind(name: str) -> ApprovalKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"No approval kind {name!r} is registered") from None


def kinds() -> list[ApprovalKind]:
    return list(_kinds.values())


def summaries(requests: Iterable[ApprovalRequest]) -> list[ApprovalRequest]:
    """Give each request its ``display_summary``: its kind's ``describe`` of the object, now,
    in the active language. One query per kind met; a request whose object is gone, or whose
    kind has no ``describe``, shows the summary stored when it was submitted (rows from
    before summaries were rendered at display time read as they always did)."""
    requests = list(requests)
    by_kind: dict[str, list[ApprovalRequest]] = {}
    for request in requests:
        by_kind.setdefault(request.kind, []).append(request)
    for name, group_requests in by_kind.items():
        spec = _kinds.get(name)
        objects: dict[str, Any] = {}
        if spec is not None and spec.describe is not None:
            manager = spec.model._default_manager
            queryset = manager.select_related(*spec.related) if spec.related else manager.all()
            objects = {str(obj.pk): obj for obj in queryset.filter(pk__in=[r.object_id for r in group_requests])}
        for request in group_requests:
            obj = objects.get(request.object_id)
            request._display_summary = request.summary
            if obj is not None and spec is not None and spec.describe is not None:
                try:
                    request._display_summary = spec.describe(obj)
                except Exception:  # a page shows the stored text rather than fail; the bug is logged
                    logger.exception("approvals: describing %s %s failed", name, request.object_id)
    return requests


# --- Who manages whom (registered by accounts) ------------------------------------------------


@dataclass(frozen=True)
class PeopleResolver:
    managers_of: Callable[[Any], list[Any]]  # user -> the users managing them, nearest first
    reports_of: Callable[[Any], set[Any]]  # user -> ids of the users they manage, transitively


_people: PeopleResolver | None = None


def set_people_resolver(resolver: PeopleResolver) -> None:
    global _people
    _people = resolver


def _resolver() -> PeopleResolver:
    if _people is None:
        raise RuntimeError("No people resolver registered (accounts registers one in its AppConfig.ready)")
    return _people


def _active_delegators(user: Any, today: Any = None) -> list[Any]:
    today = today or timezone.localdate()
    return [
        d.delegator
        for d in ApprovalDelegation.objects.filter(
            delegate=user, starts_on__lte=today, ends_on__gte=today
        ).select_related("delegator")
    ]


def _named_user(user_id: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def _eligible_as_self(request: ApprovalRequest, user: Any) -> bool:
    if not getattr(user, "is_active", False) or user.pk == request.requester_id:
        return False
    if request.current_type == PERSON:
        return str(user.pk) == request.current_group  # a consent is the person's own
    if is_admin(user):
        return True
    if request.current_type == MANAGER.type:
        return user.pk in {m.pk for m in _resolver().managers_of(request.requester)}
    if request.current_type == MANAGER_OF:
        named = _named_user(request.current_group)
        return named is not None and user.pk in {m.pk for m in _resolver().managers_of(named)}
    if request.current_type == "group":
        return user.groups.filter(name=request.current_group).exists()
    return False


def eligibility(request: ApprovalRequest, user: Any) -> tuple[bool, Any]:
    """(may decide now, the delegator acted for or None)."""
    if request.status != ApprovalStatus.PENDING or user.pk == request.requester_id:
        return False, None
    if _eligible_as_self(request, user):
        return True, None
    if request.current_type == PERSON:
        return False, None  # nobody consents for someone else
    for delegator in _active_delegators(user):
        if delegator.pk != request.requester_id and _eligible_as_self(request, delegator):
            return True, delegator
    return False, None


def can_decide(request: ApprovalRequest, user: Any) -> bool:
    return eligibility(request, user)[0]


def is_visible_to(request: ApprovalRequest, user: Any) -> bool:
    """The requester, admins, anyone who decided a step, and anyone who could approve at some
    level (the requester's managers, the levels' groups, their delegates) see a request."""
    if user.pk == request.requester_id or is_admin(user) or can_decide(request, user):
        return True
    if request.steps.filter(Q(actor_id=user.pk) | Q(on_behalf_of_id=user.pk)).exists():
        return True
    groups = {level.get("group") for level in request.levels if level["type"] == "group"}
    if str(user.pk) in [level["user"] for level in request.levels if level["type"] == PERSON]:
        return True
    people = [user, *_active_delegators(user)]
    for person in people:
        for level in request.levels:
            other = _named_user(level["user"]) if level["type"] == MANAGER_OF else None
            if other is not None and person.pk in {m.pk for m in _resolver().managers_of(other)}:
                return True
        if any(level["type"] == MANAGER.type for level in request.levels) and person.pk in {
            m.pk for m in _resolver().managers_of(request.requester)
        }:
            return True
        if groups and person.groups.filter(name__in=groups).exists():
            return True
    return False


# --- Writes -------------------------------------------------------------------------------------


def _set_level(request: ApprovalRequest, index: int) -> None:
    request.current_level = index
    level = request.levels[index]
    request.current_type = level["type"]
    # For "person" and "manager_of" the named user's id: the inbox filters on it.
    request.current_group = level.get("group") or level.get("user", "")


def _stored_summary(spec: ApprovalKind, obj: models.Model) -> str:
    """The summary kept with the request (audit trail, fallback): in the site's language,
    whoever submitted; pages render theirs (``summaries``)."""
    with translation.override(settings.LANGUAGE_CODE):
        return (spec.describe(obj) if spec.describe else str(obj))[:255]


def submit(*, kind: str, obj: models.Model, actor: Actor) -> ApprovalRequest:
    """Start the approval of ``obj``. Call inside the caller's transaction. With no levels
    the request is approved at once (its on_approved runs)."""
    spec = get_kind(kind)
    requester = spec.requester(obj)
    levels = [level.as_json() for level in spec.levels(obj)]
    for level in levels:
        if (
            level["type"] not in ("manager", "group", PERSON, MANAGER_OF)
            or (level["type"] == "group" and not level.get("group"))
            or (level["type"] in (PERSON, MANAGER_OF) and not level.get("user"))
        ):
            raise ValueError(f"Bad approval level {level!r} for {kind}")
    with transaction.atomic():
        request = ApprovalRequest(
            kind=kind,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            requester=requester,
            levels=levels,
            summary=_stored_summary(spec, obj),
        )
        if levels:
            _set_level(request, 0)
        else:
            request.status = ApprovalStatus.APPROVED
            request.decided_at = timezone.now()
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            raise ApprovalPending(details={"object_id": str(obj.pk)}) from None
        audit.record(actor=actor, action="approval.submitted", obj=request, after=audit.snapshot(request))
        if not levels:
            spec.on_approved(obj, actor)
    return request


def decide(*, request: ApprovalRequest, actor: Actor, decision: str, comment: str = "") -> ApprovalRequest:
    """Record ``actor``'s decision at the current level; two approvers racing for one level
    get one decision and one ``approval_already_decided``."""
    if decision not in ApprovalDecision.values:
        raise ValidationFailed(
            f"Unknown decision {decision!r}.", details={"decision": [f"One of {ApprovalDecision.values}."]}
        )
    comment = (comment or "").strip()
    if decision == ApprovalDecision.RETURN and not comment:
        raise ValidationFailed("Say what to change when returning a request.", details={"comment": ["Required."]})
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ApprovalStatus.PENDING:
            raise ApprovalAlreadyDecided(details={"status": locked.status})
        allowed, on_behalf_of = eligibility(locked, actor)
        user = actor_user(actor)
        if not allowed or user is None:
            raise ApprovalNotAllowed(details={"level": locked.current_level, "approver": locked.current_type})
        before = audit.snapshot(locked)
        ApprovalStep.objects.create(
            request=locked,
            level=locked.current_level,
            actor=user,
            on_behalf_of=on_behalf_of,
            decision=decision,
            comment=comment,
        )
        spec = get_kind(locked.kind)
        obj = spec.model._default_manager.select_for_update().get(pk=locked.object_id)
        advanced = False
        if decision == ApprovalDecision.APPROVE and locked.current_level + 1 < len(locked.levels):
            _set_level(locked, locked.current_level + 1)
            advanced = True
        else:
            locked.status = {
                ApprovalDecision.APPROVE: ApprovalStatus.APPROVED,
                ApprovalDecision.REJECT: ApprovalStatus.REJECTED,
                ApprovalDecision.RETURN: ApprovalStatus.RETURNED,
            }[ApprovalDecision(decision)]
            locked.decided_at = timezone.now()
        locked.save()
        audit.record(
            actor=actor,
            action=f"approval.{decision}",
            obj=locked,
            before=before,
            after={
                **audit.snapshot(locked),
                "comment": comment,
                "on_behalf_of": str(on_behalf_of.pk) if on_behalf_of else None,
            },
        )
        if advanced:
            if spec.on_advanced:
                spec.on_advanced(obj, actor)
        elif locked.status == ApprovalStatus.APPROVED:
            spec.on_approved(obj, actor)
        elif locked.status == ApprovalStatus.REJECTED:
            spec.on_rejected(obj, actor, comment)
        else:
            spec.on_returned(obj, actor, comment)
    return locked


def cancel(*, request: ApprovalRequest, actor: Actor) -> ApprovalRequest:
    """The requester (or an admin) withdraws a pending request; no callback runs: the
    caller's service does what cancelling means for its object."""
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ApprovalStatus.PENDING:
            raise ApprovalAlreadyDecided(details={"status": locked.status})
        user = actor_user(actor)
        if (user is None or user.pk != locked.requester_id) and not is_admin(actor):
            raise ApprovalNotAllowed("Only the requester may cancel this request.")
        before = audit.snapshot(locked)
        locked.status = ApprovalStatus.CANCELLED
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
        audit.record(actor=actor, action="approval.cancelled", obj=locked, before=before, after=audit.snapshot(locked))
    return locked


def delegate(*, delegator: Any, delegate_to: Any, starts_on: Any, ends_on: Any, actor: Actor) -> ApprovalDelegation:
    if delegator.pk == delegate_to.pk:
        raise ValidationFailed("You cannot delegate to yourself.", details={"delegate": ["Choose someone else."]})
    if ends_on < starts_on:
        raise ValidationFailed("The delegation ends before it starts.", details={"ends_on": ["On or after starts_on."]})
    with transaction.atomic():
        delegation = ApprovalDelegation.objects.create(
            delegator=delegator, delegate=delegate_to, starts_on=starts_on, ends_on=ends_on
        )
        audit.record(actor=actor, action="approval.delegated", obj=delegation, after=audit.snapshot(delegation))
    return delegation


# --- Reads ------------------------------------------------------------------------------------


def request_for(obj: models.Model) -> ApprovalRequest | None:
    """The latest approval request of ``obj`` (pending or ended), or None."""
    return (
        ApprovalRequest.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .order_by("-created_at")
        .first()
    )


def pending_request_for(obj: models.Model, *, lock: bool = False) -> ApprovalRequest | None:
    """The pending approval request of ``obj``, or None; ``lock`` takes its row lock (inside
    the caller's transaction) so a decision cannot cross the caller's change."""
    pending = ApprovalRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), status=ApprovalStatus.PENDING
    )
    return (pending.select_for_update() if lock else pending).first()


def latest_requests_for(objs: Iterable[models.Model]) -> dict[str, ApprovalRequest]:
    """{object id: its latest approval request} for objects of one model, in one query."""
    objs = list(objs)
    if not objs:
        return {}
    latest: dict[str, ApprovalRequest] = {}
    for approval in ApprovalRequest.objects.filter(
        content_type=ContentType.objects.get_for_model(objs[0]), object_id__in=[str(o.pk) for o in objs]
    ).order_by("created_at"):
        latest[approval.object_id] = approval
    return latest


def pending_of_kind(kind: str) -> QuerySet[ApprovalRequest]:
    """Every pending request of one kind, with its requester (reminders)."""
    return ApprovalRequest.objects.filter(kind=kind, status=ApprovalStatus.PENDING).select_related("requester")


def requested_by(user: Any, *, limit: int = 10) -> list[ApprovalRequest]:
    """``user``'s own pending requests, newest first, with their summaries."""
    return summaries(
        ApprovalRequest.objects.filter(requester=user, status=ApprovalStatus.PENDING).order_by("-created_at")[:limit]
    )


def visible_request(request_id: Any, user: Any) -> ApprovalRequest | None:
    """The approval request ``request_id`` if ``user`` may see it (``is_visible_to``), with
    its requester; None when it does not exist or is not theirs to see (one answer: a 404)."""
    approval = ApprovalRequest.objects.select_related("requester").filter(pk=request_id).first()
    return approval if approval is not None and is_visible_to(approval, user) else None


def steps_of(request: ApprovalRequest) -> list[ApprovalStep]:
    """The decisions taken on ``request`` so far, level by level, with who took them."""
    return list(request.steps.select_related("actor", "on_behalf_of").order_by("level"))


def object_of(request: ApprovalRequest) -> models.Model | None:
    """The object ``request`` is about (a leave request, a timesheet…), or None when gone."""
    try:
        return get_kind(request.kind).model._default_manager.filter(pk=request.object_id).first()
    except LookupError:
        return None


def pending_for(user: Any, kinds: Iterable[str] | None = None) -> QuerySet[ApprovalRequest]:
    """Pending requests ``user`` may decide now (their own never), directly or as a delegate."""
    pending = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING).exclude(requester_id=user.pk)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    # A consent waits for its person only: never for admins, delegates or managers.
    consents = Q(current_type=PERSON)
    own_consent = consents & Q(current_group=str(user.pk))
    if is_admin(user):
        return pending.filter(~consents | own_consent)
    condition = own_consent
    for person in [user, *_active_delegators(user)]:
        # Each person's own requests stay out of what they (or their delegate) may decide.
        mine = Q(requester_id=person.pk)
        if is_admin(person):
            condition |= ~mine & ~consents
            continue
        reports = _resolver().reports_of(person)
        condition |= Q(current_type=MANAGER.type, requester_id__in=reports) & ~mine
        condition |= Q(current_type=MANAGER_OF, current_group__in=[str(pk) for pk in reports]) & ~mine
        groups = list(person.groups.values_list("name", flat=True))
        if groups:
            condition |= Q(current_type="group", current_group__in=groups) & ~mine
    return pending.filter(condition)


def approvers_for(request: ApprovalRequest) -> list[Any]:
    """Who may decide the current level (for notifications): the nearest manager, or the
    group's members. Admins and delegates are not listed."""
    if request.status != ApprovalStatus.PENDING:
        return []
    if request.current_type == MANAGER.type:
        managers = _resolver().managers_of(request.requester)
        return managers[:1]
    if request.current_type in (PERSON, MANAGER_OF):
        named = _named_user(request.current_group)
        if named is None:
            return []
        return [named] if request.current_type == PERSON else _resolver().managers_of(named)[:1]
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    group_row = Group.objects.filter(name=request.current_group).first()
    if group_row is None:
        return []
    return list(get_user_model().objects.filter(groups=group_row, is_active=True).exclude(pk=request.requester_id))
