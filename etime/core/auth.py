from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import ngettext

from etime.core.errors import envelope
from etime.core.middleware import is_api_path


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes lockout: the envelope under /api/, a page elsewhere. Status 403."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed logins: this account is locked for %(minutes)d minute.",
        "Too many failed logins: this account is locked for %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if is_api_path(request.path):
        response = JsonResponse(envelope("account_locked", message, {"cooloff_minutes": minutes}), status=403)
        response["Retry-After"] = str(minutes * 60)
        return response
    # Rendered here: AxesMiddleware swaps this in after the view, past the point where
    # Django renders template responses.
    return TemplateResponse(request, "registration/locked_out.html", {"message": message}, status=403).render()
