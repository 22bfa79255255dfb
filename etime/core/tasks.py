from __future__ import annotations

from celery import shared_task

from etime.core.api.idempotency import purge_expired


@shared_task(name="core.purge_idempotency_records")
def purge_idempotency_records() -> int:
    return purge_expired()
