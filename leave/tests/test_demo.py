"""The demo seeder: leave types, policies, grants and requests for the demo company."""

from __future__ import annotations

import io
import random
from typing import Any

from leave.demo import seed_leave
from leave.models import LeavePolicy, LeaveRequest, LeaveType, LedgerEntry


def test_the_demo_seeds_the_six_leave_types_policies_and_requests_once(db: Any) -> None:
    from accounts.demo import seed_company

    out = io.StringIO()
    seed_company(rng=random.Random(2026), stdout=out)
    seed_leave(rng=random.Random(2026), stdout=out)
    assert set(LeaveType.objects.values_list("code", flat=True)) == {
        "vacation",
        "sick",
        "emergency",
        "urgent",
        "unpaid",
        "compensatory",
    }
    assert LeavePolicy.objects.filter(leave_type__code="vacation").count() == 3  # one per location
    assert LedgerEntry.objects.exists() and LeaveRequest.objects.exists()
    assert LeaveRequest.objects.filter(status="approved").exists()
    counts = (LeaveType.objects.count(), LedgerEntry.objects.count(), LeaveRequest.objects.count())
    seed_leave(rng=random.Random(2026), stdout=out)
    assert (LeaveType.objects.count(), LedgerEntry.objects.count(), LeaveRequest.objects.count()) == counts
