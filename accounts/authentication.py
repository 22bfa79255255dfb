"""``Authorization: Bearer <token>`` for the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.services import hash_token


class TokenAuthFailed(exceptions.AuthenticationFailed):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code=code)


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise TokenAuthFailed("Malformed Authorization header; use 'Bearer <token>'.", "authentication_failed")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenAuthFailed("The token is not valid.", "authentication_failed") from None
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None or not token.user.is_active:
            raise TokenAuthFailed("The token is not valid.", "authentication_failed")
        if token.revoked_at is not None:
            raise TokenAuthFailed("The token has been revoked.", "token_revoked")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise TokenAuthFailed("The token has expired.", "token_expired")
        # Record use at most once a minute per token: a write on every request would turn
        # each read into a write and serialise concurrent requests on the token's row.
        resolution = timedelta(seconds=settings.ETIME_TOKEN_LAST_USED_RESOLUTION_SECONDS)
        if token.last_used_at is None or token.last_used_at < now - resolution:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="etime"'
