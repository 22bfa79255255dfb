"""Content-Security-Policy on every page and `Secure` cookies over TLS (issue 18,
docs/SECURITY.md). The browser test (tests/browser/test_csp.py) shows the pages keep
working under the policy; these check the headers and the templates themselves."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']|javascript:", re.IGNORECASE)


def policy(response: Any) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split(" ", 1)[0]: part.split(" ", 1)[-1] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/admin/", "/api/docs/", "/health/ready/", "/no-such-page/"])
def test_every_page_has_a_policy_without_inline_script(people: Any, path: str) -> None:
    client = Client()
    client.force_login(people.admin)
    response = client.get(path)
    directives = policy(response)
    assert directives.get("default-src") == "'self'", (path, response.headers.get("Content-Security-Policy"))
    script = directives["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_a_template_that_asks_for_a_nonce_gets_it_in_the_header(rf: Any) -> None:
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import engines

    request = rf.get("/")
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}">go()</script>')

    def view(req: Any) -> HttpResponse:
        return HttpResponse(template.render({}, req))

    response = CSPMiddleware(view)(request)
    assert isinstance(response, HttpResponse)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode())
    assert nonce and f"'nonce-{nonce.group(1)}'" in policy(response)["script-src"]


def _templates() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    roots += Path(settings.BASE_DIR).glob("etime/*/templates")
    return sorted(p for root in roots for p in root.rglob("*.html"))


def test_no_template_of_ours_has_an_inline_script_or_handler() -> None:
    found = [
        f"{path}: {m.group(0)}"
        for path in _templates()
        for m in [*INLINE_SCRIPT.finditer(path.read_text()), *INLINE_HANDLER.finditer(path.read_text())]
    ]
    assert len(_templates()) > 20 and found == []


def test_cookies_are_secure_whenever_the_request_came_over_tls(people: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = False  # an http:// base URL: the fixed setting says no
    settings.CSRF_COOKIE_SECURE = False
    plain = Client().get("/accounts/login/")
    assert plain.cookies["csrftoken"]["secure"] == ""
    over_tls = Client().get("/accounts/login/", secure=True)
    assert over_tls.cookies["csrftoken"]["secure"] is True
    client = Client()
    login = client.get("/accounts/login/", secure=True)
    signed_in = client.post("/accounts/login/", {"username": "olivia@example.com", "password": PASSWORD}, secure=True)
    assert login.status_code == 200 and signed_in.status_code == 302
    assert signed_in.cookies["sessionid"]["secure"] is True and signed_in.cookies["sessionid"]["httponly"] is True


# What makes a browser fetch: an attribute of the page, or in a script or stylesheet an image
# source, a CSS url() or @import (a link's href or a JSON-Schema $id is not fetched).
PAGE_RESOURCE = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE
)
FETCHED_ELSEWHERE = re.compile(
    r"""(?:\bsrc\s*[:=]\s*["'`]|url\(\s*["']?|@import\s+(?:url\()?["']?)(?:https?:)?//[^"'`)\s]+"""
)


@pytest.mark.parametrize("path", ["/api/redoc/", "/api/docs/"])
def test_the_api_docs_load_nothing_from_another_site(people: Any, path: str) -> None:
    """Redoc's bundle drew its footer logo from cdn.redoc.ly (refused by the policy, so a
    violation on every visit): the vendored bundle has it taken out. The page and each
    script and stylesheet it loads point at nothing on another host."""
    from django.contrib.staticfiles import finders

    client = Client()
    client.force_login(people.admin)
    page = client.get(path)
    assert page.status_code == 200
    resources = PAGE_RESOURCE.findall(page.content.decode())
    assert resources and all(url.startswith("/") and not url.startswith("//") for url in resources), resources
    for url in resources:
        if url.endswith((".png", ".ico", ".svg")):
            continue  # an image loads nothing further
        if url.startswith(settings.STATIC_URL):
            found = finders.find(url.removeprefix(settings.STATIC_URL))
            assert found, url
            body = Path(str(found)).read_text(encoding="utf-8")
        else:
            body = client.get(url).content.decode()
        assert FETCHED_ELSEWHERE.findall(body) == [], url
