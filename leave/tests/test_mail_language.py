"""Leave mail goes out in each recipient's language (Profile → Language), signed once."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core import mail

from leave import services
from leave.tests.factories import submit


def test_each_recipient_reads_the_leave_mail_in_their_own_language(
    people: Any, vacation: Any, grant: Any, today: date, django_capture_on_commit_callbacks: Any
) -> None:
    people.alice.user.language = "de"
    people.alice.user.save(update_fields=["language"])
    people.bob.user.language = "fr"
    people.bob.user.save(update_fields=["language"])
    grant(people.alice, vacation, 20)
    with django_capture_on_commit_callbacks(execute=True):
        submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 5))

    to_alice = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    to_bob = next(m for m in mail.outbox if m.to == ["bob@example.com"])
    assert to_alice.subject == "[etime] Urlaubsantrag eingereicht: Alice Able, Vacation"
    assert "Alice Able hat Vacation beantragt; der Antrag wartet nun auf Genehmigung." in to_alice.body
    assert "Daten:" in to_alice.body and "Tage:" in to_alice.body
    assert to_bob.subject == "[etime] Demande de congé en attente de votre approbation : Alice Able, Vacation"
    assert "Alice Able demande Vacation et c’est à vous de décider." in to_bob.body


def test_the_leave_mail_is_signed_by_the_company_once(
    people: Any, vacation: Any, grant: Any, today: date, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.ETIME_COMPANY_NAME = "etime"
    grant(people.alice, vacation, 20)
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(people.alice, vacation, date(2026, 6, 1), date(2026, 6, 5))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_request_decide(request=request, actor=people.bob.user, decision="approve")
    body = next(m for m in mail.outbox if m.to == ["alice@example.com"]).body
    assert "Hello," in body and "is approved." in body  # a user without a language gets English
    assert body.rstrip().endswith("— etime") and "etime etime" not in body


def test_a_calendar_feed_speaks_its_owners_language(people: Any, vacation: Any, grant: Any, today: date) -> None:
    import icalendar
    from django.test import Client

    from leave.tests.test_pages import approved, login

    grant(people.alice, vacation, 20)
    approved(people, people.alice, vacation, date(2026, 7, 3), date(2026, 7, 3), end_half=True)
    people.alice.user.language = "it"
    people.alice.user.save(update_fields=["language"])
    alice = login(people.alice)
    alice.post("/leave/feeds/", {"kind": "employee", "name": "Ferie"})
    path = alice.get("/leave/").context["new_feed_url"].split("testserver", 1)[1]
    calendar = icalendar.Calendar.from_ical(Client().get(path).content)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Vacation (fino a mezzogiorno)"]
