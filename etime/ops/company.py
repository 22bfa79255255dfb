"""Company settings: one row, cached for every reader (``company_settings()``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext

from etime.core import audit
from etime.core.errors import ValidationFailed
from etime.core.types import Actor
from etime.ops.models import CompanySettings

_CACHE_KEY = "ops:company_settings"
EDITABLE = [
    "company_name",
    "address",
    "vat_id",
    "iban",
    "default_currency",
    "date_format",
    "week_start",
    "default_time_zone",
    "weekly_hours",
    "daily_hours",
    "working_days",
    "swap_scope",
    "absent_after_hours",
    "punch_retention_months",
]


def company_settings() -> CompanySettings:
    """The company settings (created with defaults on first read), cached until changed."""
    cached = cache.get(_CACHE_KEY)
    if isinstance(cached, CompanySettings):
        return cached
    obj, _ = CompanySettings.objects.get_or_create(pk=1, defaults={"company_name": settings.ETIME_COMPANY_NAME})
    cache.set(_CACHE_KEY, obj, timeout=3600)
    return obj


def invalidate() -> None:
    cache.delete(_CACHE_KEY)


def _snapshot(obj: CompanySettings) -> dict[str, Any]:
    return {
        k: str(v) if v is not None and not isinstance(v, (int, list, str)) else v
        for k, v in model_to_dict(obj, EDITABLE).items()
    }


def company_settings_update(*, actor: Actor, **changes: Any) -> CompanySettings:
    """Change some settings. Raises ValidationFailed (``validation_error``) with per-field
    messages; nothing is saved then."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(details={name: [gettext("Not a company setting.")] for name in sorted(unknown)})
    with transaction.atomic():
        obj, _ = CompanySettings.objects.select_for_update().get_or_create(pk=1)
        before = _snapshot(obj)
        for name, value in changes.items():
            setattr(obj, name, value)
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise ValidationFailed(details=exc.message_dict) from None
        obj.save()
        audit.record(actor=actor, action="company_settings.update", obj=obj, before=before, after=_snapshot(obj))
        # Now, and again after commit: a reader between the two may re-cache the old row.
        invalidate()
        transaction.on_commit(invalidate)
    return obj
