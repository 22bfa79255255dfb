"""The one way etime records an audit event.

Call ``record`` inside the transaction that makes the change, so the event and the
change commit or roll back together. ``snapshot`` turns a model instance into the
JSON stored as ``before``/``after``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from etime.core.context import current_request_id
from etime.core.models import AuditEvent
from etime.core.types import Actor, actor_user

# Never copied into audit rows, whatever the model.
_REDACTED_FIELDS = {
    "password",
    "key_hash",
    "comm_key",
    "comm_key_encrypted",
    "secret",
    "kiosk_pin",
    "pairing_code_hash",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in _REDACTED_FIELDS:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def record(
    *,
    actor: Actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
    user = actor_user(actor)
    return AuditEvent.objects.create(
        actor=user,
        actor_repr=(user.get_username() if user is not None else (str(actor) if actor else "system"))[:255],
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        object_repr=(str(obj) if obj is not None else "")[:255],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=current_request_id() or "",
    )
