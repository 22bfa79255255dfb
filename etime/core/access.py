"""Who may act for whom: the one answer, asked by every API view, page and admin action.

In the spirit of healthchecks' ``_get_check_for_user``: ``person_for(user, person, action)``
returns the person, or answers once, the same way everywhere:

- a person the caller may not see, and an id that does not exist (or is not an id at all),
  get the same answer: 404 ``not_found`` — or, when the id came in a request body field,
  400 ``validation_error`` on that field with the same text (docs/API.md), so existence never
  leaks and no error ever names someone the caller may not see;
- a person the caller may see but may not act for in this way: 403 ``acting_not_allowed``.

The actions (``Action``):

- ``VIEW``: see the person and their records (visibility: accounts.selectors);
- ``RECORD``: record work for them (time entries): themselves, their managers, admins;
- ``ACT_AS``: act as them (punch for them, ask for leave in their name): themselves or an admin;
- ``MANAGE``: plan and correct their attendance, decide for them: their managers
  (transitively) and admins, never themselves.

``is_admin(user)`` is the one "is this user an administrator" test.

The core imports no app: accounts registers the people rules (visibility, management, the
caller's own record) with ``set_people_rules`` in its AppConfig.ready(), as it registers the
approval people resolver.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from etime.core.errors import DomainError, NotFound, ValidationFailed


def is_admin(user: Any) -> bool:
    """An active, signed-in administrator (the admin role, or a superuser)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_admin_role", False))


class Action(StrEnum):
    VIEW = "view"
    RECORD = "record"
    ACT_AS = "act_as"
    MANAGE = "manage"


# One text for "invisible" and "does not exist": the same words whichever it is.
UNKNOWN_PERSON = _("No employee with this id.")


class PersonNotFound(NotFound, Http404):
    """404 on the API (the envelope) and on pages (Django's 404 page)."""

    message = UNKNOWN_PERSON


class ActingNotAllowed(DomainError, DjangoPermissionDenied):
    """403 on the API (the envelope) and on pages (Django's 403 page)."""

    code = "acting_not_allowed"
    status = 403
    message = _("You may not do this for this person.")


class NoOwnRecord(ValidationFailed):
    message = _("Your login has no employee record.")


@dataclass(frozen=True)
class PeopleRules:
    visible: Callable[[Any], Any]  # user -> QuerySet of the people they may see
    manages: Callable[[Any, Any], bool]  # (user, person) -> a manager of person (transitively)
    own: Callable[[Any], Any]  # user -> their own person record, or None


_rules: PeopleRules | None = None


def set_people_rules(rules: PeopleRules) -> None:
    global _rules
    _rules = rules


def _people() -> PeopleRules:
    if _rules is None:
        raise RuntimeError("No people rules registered (accounts registers them in its AppConfig.ready)")
    return _rules


MESSAGES = {
    Action.ACT_AS: _("Only an administrator may do this on someone else's behalf."),
    Action.MANAGE: _("Only an admin or this employee's manager may do this."),
    Action.RECORD: _("You may not record this for this person."),
    Action.VIEW: _("You may not see this person."),
}


def own_person(user: Any) -> Any:
    """The caller's own person record, or None (a login without one)."""
    return _people().own(user)


def may(user: Any, person: Any, action: Action) -> bool:
    """May ``user`` do ``action`` for ``person``?"""
    if not _people().visible(user).filter(pk=person.pk).exists():
        return False
    return _may_for_visible(user, person, action)


def _may_for_visible(user: Any, person: Any, action: Action) -> bool:
    rules = _people()
    own = rules.own(user)
    is_self = own is not None and own.pk == person.pk
    if action == Action.ACT_AS:
        return is_self or is_admin(user)
    if action == Action.MANAGE:
        return not is_self and (is_admin(user) or rules.manages(user, person))
    return True  # VIEW and RECORD: seeing the person is enough (self, their managers, admins)


def person_for(user: Any, person: Any = None, action: Action = Action.VIEW, *, field: str | None = None) -> Any:
    """The person ``user`` names (an id, an instance, or None for themselves) if ``user``
    may do ``action`` for them; else raises ``PersonNotFound`` (404), or ``ValidationFailed``
    on ``field`` when the id came in a request body, or ``ActingNotAllowed`` (403).

    None means "myself": a login with no employee record gets ``NoOwnRecord`` (400 on
    ``field``, or on ``employee``).
    """
    rules = _people()
    if person is None:
        own = rules.own(user)
        if own is None:
            raise NoOwnRecord(details={field or "employee": [str(NoOwnRecord.message)]})
        found = own
    else:
        pk = getattr(person, "pk", person)
        try:
            pk = uuid.UUID(str(pk))
        except ValueError:
            found = None
        else:
            found = rules.visible(user).filter(pk=pk).first()
        if found is None:
            if field is not None:
                raise ValidationFailed(UNKNOWN_PERSON, details={field: [str(UNKNOWN_PERSON)]})
            raise PersonNotFound
    if not _may_for_visible(user, found, action):
        raise ActingNotAllowed(MESSAGES[action])
    return found
