from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from etime.core import pwa, registry


def etime(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {"ETIME_COMPANY_NAME": settings.ETIME_COMPANY_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Lazy: JSON views and pages that never render the chrome pay nothing.
        context["etime_nav_links"] = SimpleLazyObject(lambda: registry.nav_links(request))
        context["etime_header_widgets"] = SimpleLazyObject(
            lambda: [mark_safe(html) for html in registry.header_widgets(request)]  # noqa: S308 - apps render these with the template engine
        )
        context["pwa_labels"] = pwa.labels()
    return context
