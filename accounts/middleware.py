"""The signed-in user's saved language (Profile) wins over the browser's Accept-Language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware, which already activated the browser's language; a user
    with a saved ``language`` gets theirs instead. Costs no query: the user row is loaded by
    authentication anyway (lazily, on first access)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if language and language in self.supported:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language and language in self.supported:
            response.headers.setdefault("Content-Language", language)
        return response
