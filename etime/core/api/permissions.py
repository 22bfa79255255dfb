from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from etime.core import scopes
from etime.core.access import is_admin


class InsufficientScope(PermissionDenied):
    default_code = "insufficient_scope"

    def __init__(self, needed: str) -> None:
        super().__init__(f"This token lacks the scope {needed!r}.", code="insufficient_scope")
        self.extra_details = {"required_scope": needed}


class TokenScopePermission(BasePermission):
    """A token must hold a scope for the view's ``scope_area``; sessions are not scoped.

    Views declare ``scope_area``; a view without one is reachable by any valid token
    (for instance ``/me/``). Safe methods need read, everything else write.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        token = getattr(request, "auth", None)
        token_scopes = getattr(token, "scopes", None)
        if token_scopes is None:
            return True  # session (browser) request: role-based scoping in selectors applies
        area = getattr(view, "scope_area", None)
        if area is None:
            return True
        write = request.method not in SAFE_METHODS
        if not scopes.grants(token_scopes, area=area, write=write):
            raise InsufficientScope(f"{'write' if write else 'read'}:{area}")
        return True


class IsAdminRole(BasePermission):
    message = _("Only administrators may do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return is_admin(user)


class AdminWritesOnly(BasePermission):
    """Everyone authenticated may read (scoped by selectors); only admins write."""

    message = _("Only administrators may change this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return is_admin(request.user)
