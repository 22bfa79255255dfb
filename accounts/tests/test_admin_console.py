"""The people pages of the back office answer what they offer."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_user_list_filters_by_password_change_required(people: Any, client: Any) -> None:
    people.admin.is_superuser = True
    people.admin.password_change_required = True
    people.admin.save()
    client.force_login(people.admin)
    url = reverse("admin:accounts_user_changelist")
    for value, expected in (("1", ["olivia@example.com"]), ("0", ["alice@example.com"])):
        response = client.get(url, {"password_change_required__exact": value, "q": "o" if value == "1" else "alice"})
        assert response.status_code == 200
        shown = [u.username for u in response.context["cl"].result_list]
        assert shown == expected


def test_cleaning_up_expired_access_attempts_from_the_admin_answers_with_a_count(people: Any, client: Any) -> None:
    # django-axes' own action read request.axes_attempt_time, which only its login flow
    # sets: the admin answered 500 (found by the production crawl).
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(username="mallory", ip_address="192.0.2.1", failures_since_start=1)
    people.admin.is_superuser = True
    people.admin.save()
    client.force_login(people.admin)
    response = client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "expired access attempts" in response.content.decode()
