"""Types the core and every app share.

``Actor`` is who did something, as a service receives it and as ``etime.core.audit.record``
writes it down:

- a ``User``: a signed-in person (``request.user`` behind login, the admin in an admin action,
  the user a Celery task acts for). Only a user is stored in ``AuditEvent.actor``;
- an ``AnonymousUser``: ``request.user`` as Django and DRF type it, before a permission check
  has narrowed it (``accounts.selectors.signed_in_user`` does). Stored with no user (its
  name, "AnonymousUser", in ``actor_repr``);
- a ``str``: a process that acts without a user, named in the audit row (``"manage.py
  sso_unlink"``, ``"sso:<provider>"``, ``"anonymous"`` for the public password-reset form, the
  directory a sync came from);
- ``None``: the system itself (beat schedules, device pushes, bootstrap), recorded as "system".

``actor_user(actor)`` is the user behind an actor, or None: what a ``created_by`` column stores.

The core imports no app at run time: ``User`` is imported for the type checker only, which
import-linter's contracts allow (``exclude_type_checking_imports``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias, cast

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

Actor: TypeAlias = "User | AnonymousUser | str | None"


def actor_user(actor: Actor) -> User | None:
    """The signed-in user behind ``actor``; None for a process, the system or an anonymous request.

    The one test of "is this actor a user" (``AnonymousUser.is_authenticated`` is always False,
    a user's always True), so the audit row and a ``created_by`` column agree."""
    if getattr(actor, "is_authenticated", False):
        return cast("User", actor)
    return None
