"""The matching and role rules of accounts/sso.py, without a browser (the flow: test_oidc_login.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from accounts import sso

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

POLICY = sso.ProviderPolicy(
    provider_id="idp",
    roles_claim="groups",
    roles={"boss": "manager", "root": "admin"},
    finance=frozenset({"money"}),
    jit=False,
    trust_email=False,
)


def test_the_highest_mapped_role_wins_and_no_mapped_value_means_employee() -> None:
    assert sso.role_from_claims(POLICY, {"groups": ["boss", "root", "other"]}) == "admin"
    assert sso.role_from_claims(POLICY, {"groups": "boss other"}) == "manager"  # a space-separated string
    assert sso.role_from_claims(POLICY, {"groups": ["other"]}) == "employee"
    assert sso.role_from_claims(POLICY, {}) == "employee"


def test_only_a_verified_email_matches_unless_the_provider_is_trusted() -> None:
    assert sso.verified_email(POLICY, {"email": " Alice@Example.com ", "email_verified": True}) == "alice@example.com"
    assert sso.verified_email(POLICY, {"email": "alice@example.com", "email_verified": "true"}) == "alice@example.com"
    assert sso.verified_email(POLICY, {"email": "alice@example.com", "email_verified": False}) is None
    assert sso.verified_email(POLICY, {"email": "alice@example.com"}) is None
    trusted = sso.ProviderPolicy(**{**POLICY.__dict__, "trust_email": True})
    assert sso.verified_email(trusted, {"email": "alice@example.com"}) == "alice@example.com"


def test_an_employee_without_a_login_gets_one_without_an_invitation(people: Any) -> None:
    from accounts.services import employee_create

    nina = employee_create(actor=people.admin, code="E100", first_name="Nina", last_name="New", invite=False)
    nina.email = "nina@example.com"
    nina.save()
    mail.outbox.clear()
    user, new = sso.match_user(
        policy=POLICY,
        uid="s-nina",
        claims={"email": "nina@example.com", "email_verified": True},
        linked_user=None,
        linked_elsewhere=set(),
    )
    nina.refresh_from_db()
    assert (new, nina.user_id, user.has_usable_password(), mail.outbox) == (True, user.pk, False, [])


def test_deactivated_logins_and_people_linked_to_another_subject_are_refused(people: Any) -> None:
    claims = {"email": "alice@example.com", "email_verified": True}
    with pytest.raises(sso.SsoRefused) as refused:
        sso.match_user(
            policy=POLICY, uid="s-2", claims=claims, linked_user=None, linked_elsewhere={people.alice.user_id}
        )
    assert refused.value.code == "linked_elsewhere"

    people.alice.user.is_active = False
    people.alice.user.save()
    for linked in (None, people.alice.user):
        with pytest.raises(sso.SsoRefused) as refused:
            sso.match_user(policy=POLICY, uid="s-1", claims=claims, linked_user=linked, linked_elsewhere=set())
        assert refused.value.code == "inactive"


def test_claims_without_a_roles_claim_leave_roles_alone_and_a_superuser_stays_one(people: Any) -> None:
    bob = people.bob.user
    sso.apply_claims(
        policy=sso.ProviderPolicy(**{**POLICY.__dict__, "roles_claim": ""}), user=bob, claims={"groups": ["root"]}
    )
    bob.refresh_from_db()
    assert bob.role == "manager"

    people.admin.is_superuser = True
    people.admin.save()
    sso.apply_claims(policy=POLICY, user=people.admin, claims={"groups": ["money"]})
    people.admin.refresh_from_db()
    assert (people.admin.role, people.admin.is_superuser, people.admin.is_staff, people.admin.is_admin_role) == (
        "employee",
        True,
        True,
        True,
    )
    assert list(people.admin.groups.values_list("name", flat=True)) == ["finance"]


def test_sso_unlink_removes_a_stale_link_so_the_next_sign_in_links_again(people: Any) -> None:
    from allauth.socialaccount.models import SocialAccount
    from django.core.management import CommandError, call_command

    from etime.core.models import AuditEvent

    SocialAccount.objects.create(user=people.alice.user, provider="idp", uid="old-sub")
    call_command("sso_unlink", "Alice@example.com", "idp")
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.get(action="sso.unlinked").before == {"provider": "idp", "sub": "old-sub"}
    with pytest.raises(CommandError, match="has no link"):
        call_command("sso_unlink", "alice@example.com", "idp")
