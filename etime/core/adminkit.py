"""What every back-office page shares: the permission a custom admin view or an import
needs, and how sizes and durations read in the admin.

``admin_view()`` only checks that the user is staff; Django checks an action's
``permissions`` but not a custom view's, and django-import-export lets anyone who can
open the admin import and export unless told otherwise. So every custom view asks
``require_permissions`` (or its ModelAdmin's ``has_*_permission``), every action
declares its ``permissions``, and import/export admins use ``ImportExportPermissions``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_permission_codename
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from import_export.forms import SelectableFieldsExportForm

from etime.core.access import Action, is_admin, may


class _RolledBack(Exception):
    pass


@contextmanager
def dry_run() -> Iterator[None]:
    """Run what the block writes in a transaction rolled back on purpose: an admin form calls
    the service it will save through, so the service's refusals (a ``DomainError``, which
    propagates) show on the form before anything is stored, and nothing is stored here."""
    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


def require_permissions(request: HttpRequest, *perms: str) -> None:
    """403 unless the user holds every one of ``perms`` (``"app.codename"``)."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


def _verbose_path(model: Any, attribute: str | None) -> str | None:
    """``employee__code`` on a punch -> "Employee code", from the models' verbose names
    (translated); None where the path is not made of model fields."""
    names = []
    for part in (attribute or "").split("__"):
        if model is None or not part:
            return None
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        names.append(gettext("ID") if field.primary_key else str(getattr(field, "verbose_name", part)))
        model = field.related_model
    return capfirst(" ".join(names)) if names else None


class ExportFieldsForm(SelectableFieldsExportForm):
    """django-import-export labels each column's checkbox with its field name in title case
    ("Due Date"), English in every language: here the models' verbose names, translated, or
    else the column's name as the file spells it."""

    def _get_field_label(self, resource: Any, field_name: str) -> str:
        field = resource.fields.get(field_name)
        label = _verbose_path(resource._meta.model, field.attribute if field else field_name)
        return label or format_html("<code>{}</code>", field.column_name if field else field_name)


class ImportExportPermissions:
    """Importing writes rows (the model's add permission, as the admin's add page needs);
    exporting reads them (what the ModelAdmin lets the user view, billing's finance
    check included). Export forms label columns in the user's language (ExportFieldsForm)."""

    export_form_class = ExportFieldsForm

    def has_import_permission(self, request: HttpRequest) -> bool:
        return bool(self.has_add_permission(request))  # type: ignore[attr-defined]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(self.has_view_permission(request))  # type: ignore[attr-defined]


def size(value: int | None) -> str | None:
    """Bytes as people read them: ``1.2 MB`` (None stays empty)."""
    return None if value is None else str(filesizeformat(value))


def elapsed(seconds: float | None) -> str | None:
    """A duration as people read it: ``42 s``, ``3 min 05 s``, ``7 h 05 min``."""
    if seconds is None:
        return None
    total = int(round(seconds))
    sign, total = ("-", -total) if total < 0 else ("", total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return gettext("%(sign)s%(hours)d h %(minutes)02d min") % {"sign": sign, "hours": hours, "minutes": minutes}
    if minutes:
        return gettext("%(sign)s%(minutes)d min %(seconds)02d s") % {"sign": sign, "minutes": minutes, "seconds": secs}
    return gettext("%(sign)s%(seconds)d s") % {"sign": sign, "seconds": secs}


def elapsed_minutes(minutes: Any) -> str | None:
    return None if minutes is None else elapsed(int(minutes) * 60)


class OperatePermission:
    """Actions declared with ``permissions=["operate"]``: for admins whose change form is
    read-only (``has_change_permission`` is False, since the rows change only through
    actions that run the rules), the action still needs the model's change permission."""

    def has_operate_permission(self, request: HttpRequest) -> bool:
        opts = self.opts  # type: ignore[attr-defined]
        return bool(request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}"))


def with_action_permissions(base: type[Any], permissions: dict[str, list[str]]) -> type[Any]:
    """A subclass of a third-party ModelAdmin whose named actions declare ``permissions``
    (their own ``@admin.action`` left them open to anyone who may view the list)."""
    from django.contrib import admin

    namespace: dict[str, Any] = {}
    for name, perms in permissions.items():
        original = getattr(base, name)

        def run(self: Any, request: HttpRequest, queryset: Any, _original: Any = original) -> Any:
            return _original(self, request, queryset)

        run.__name__ = name
        namespace[name] = admin.action(permissions=perms, description=getattr(original, "short_description", None))(run)
    return type(base.__name__, (base,), {"__module__": __name__, **namespace})


def rows_in_reach(
    modeladmin: Any,
    request: HttpRequest,
    rows: Iterable[Any],
    people_of: Callable[[Any], Iterable[Any]],
    action: Action = Action.MANAGE,
) -> list[Any]:
    """Of the rows an admin action selected, those the user may act on: a row is in reach
    when ``etime.core.access.may(user, person, action)`` holds for one of its people
    (``people_of(row)``; a person of None — a login with no employee record — is for
    administrators only). The others are left unchanged and one warning says how many.

    The admin's change lists show every row to whoever holds the model permission; a
    manager-role staff user must still not act on someone outside their reach (issue #18)."""
    user = request.user
    allowed, refused = [], 0
    for row in rows:
        people = list(people_of(row))
        if any(is_admin(user) if person is None else may(user, person, action) for person in people):
            allowed.append(row)
        else:
            refused += 1
    if refused:
        from django.contrib import messages

        text = ngettext(
            "%(count)d selected row was left unchanged: you may not act for its person.",
            "%(count)d selected rows were left unchanged: you may not act for their people.",
            refused,
        ) % {"count": refused}
        modeladmin.message_user(request, text, messages.WARNING)
    return allowed
