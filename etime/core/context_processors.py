from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def etime(request: HttpRequest) -> dict[str, Any]:
    return {"ETIME_COMPANY_NAME": settings.ETIME_COMPANY_NAME}
