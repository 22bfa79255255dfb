"""Issue 8 pages of accounts: language preference and German, profile, navigation chrome,
access by URL."""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts.models import User


def login(person: Any, **defaults: Any) -> Client:
    client = Client(**defaults)
    client.force_login(person.user if hasattr(person, "user") else person)
    return client


def test_a_saved_language_wins_over_the_browser_and_is_audited(people: Any) -> None:
    client = login(people.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/profile/", {"language": "de"})
    assert response.status_code == 302
    assert User.objects.get(pk=people.alice.user.pk).language == "de"
    home = client.get("/")
    html = home.content.decode()
    assert '<html lang="de">' in html and "Abmelden" in html and "Hallo, Alice" in html
    assert home["Content-Language"] == "de"
    from etime.core.models import AuditEvent

    assert AuditEvent.objects.filter(action="user.language_changed").exists()


def test_without_a_saved_language_the_browser_decides(people: Any) -> None:
    german = login(people.alice, HTTP_ACCEPT_LANGUAGE="de-CH,de;q=0.9").get("/").content.decode()
    assert "Abmelden" in german
    english = login(people.bob, HTTP_ACCEPT_LANGUAGE="en-US").get("/").content.decode()
    assert "Log out" in english


def test_dates_follow_the_language(people: Any) -> None:
    from datetime import date

    from django.template import Context, Template
    from django.utils import translation

    template = Template('{{ d|date:"SHORT_DATE_FORMAT" }}')
    with translation.override("de"):
        assert template.render(Context({"d": date(2026, 3, 2)})) == "02.03.2026"
    with translation.override("en"):
        assert template.render(Context({"d": date(2026, 3, 2)})) == "03/02/2026"


def test_an_unknown_language_is_refused(people: Any) -> None:
    response = login(people.alice).post("/profile/", {"language": "xx"})
    assert response.status_code == 200 and "xx" in response.content.decode()
    assert User.objects.get(pk=people.alice.user.pk).language == ""


def test_the_profile_shows_personal_details_and_tokens(people: Any) -> None:
    html = login(people.alice).get("/profile/").content.decode()
    assert "E003" in html and "Bob Boss" in html and "Engineering" in html and "Zurich" in html
    assert 'data-testid="language-form"' in html and "Create token" in html


def test_every_page_has_a_skip_link_and_labelled_navigation(people: Any) -> None:
    html = login(people.alice).get("/").content.decode()
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html and 'aria-label="Main"' in html
    assert 'data-testid="nav-leave"' in html and 'data-testid="nav-inbox"' not in html
    assert 'data-testid="nav-inbox"' in login(people.bob).get("/").content.decode()
    assert "vendor/htmx-2.0.11.min.js" in html


def test_an_employee_gets_404_for_another_employees_person_page_and_a_manager_outside_their_team(people: Any) -> None:
    assert login(people.alice).get(f"/people/{people.amir.pk}/").status_code == 404
    assert login(people.mona).get(f"/people/{people.alice.pk}/").status_code == 404
    assert login(people.bob).get(f"/people/{people.alice.pk}/").status_code == 200
