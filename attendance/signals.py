from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Employee


@receiver(post_save, sender=Employee, dispatch_uid="attendance.attach_unmapped_punches")
def attach_unmapped_punches(sender: Any, instance: Employee, **kwargs: Any) -> None:
    # accounts cannot import attendance (DESIGN §1), so attendance listens: when an employee
    # gets a device user id, punches that arrived before the mapping become theirs.
    if instance.device_user_id:
        from attendance.services import punches_attach_unmapped

        transaction.on_commit(lambda: punches_attach_unmapped(employee=instance))
