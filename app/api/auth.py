"""Bearer-token authentication and role scoping for every /api/v1 endpoint.

One `before_request` hook on the API blueprint guards all of its endpoints, so a new
endpoint cannot forget it: a token must be sent (except for PUBLIC_ENDPOINTS), it must
exist and not be revoked, and a viewer's token may only read (safe methods).
"""

import re
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import g, request
from sqlmodel import col, select

from app.accounts.security import token_digest
from app.api import bp
from app.db import get_session
from app.errors import BEARER_CHALLENGE, api_error
from app.models import ApiToken, User
from kernel.weeks import utcnow

PUBLIC_ENDPOINTS = {"api.openapi_document"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LAST_USED_RESOLUTION = timedelta(minutes=1)
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")
_INVALID = BEARER_CHALLENGE + ', error="invalid_token"'
_MALFORMED = BEARER_CHALLENGE + ', error="invalid_request"'


class AuthFailure(Exception):
    """A request whose credentials are refused (401)."""

    def __init__(self, message: str, challenge: str = BEARER_CHALLENGE) -> None:
        super().__init__(message)
        self.message = message
        self.challenge = challenge


def bearer_token(header: str | None) -> str:
    """Return the token of an `Authorization: Bearer <token>` header; raise AuthFailure."""
    if not header:
        raise AuthFailure("Send an API token in the header 'Authorization: Bearer <token>'.")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AuthFailure("The Authorization header must use the Bearer scheme.", _MALFORMED)
    token = token.strip()
    if not _TOKEN.match(token):
        raise AuthFailure("The Bearer token is missing or malformed.", _MALFORMED)
    return token


def _token_owner(token: str) -> tuple[ApiToken, User]:
    """Return the stored token and its user; raise AuthFailure if unknown or revoked."""
    row = (
        get_session()
        .exec(
            select(ApiToken, User)
            .join(User, col(ApiToken.user_id) == col(User.id))
            .where(ApiToken.token_hash == token_digest(token))
        )
        .first()
    )
    if row is None:
        raise AuthFailure("The API token is not valid.", _INVALID)
    api_token, user = row
    if api_token.revoked_at is not None:
        raise AuthFailure("The API token has been revoked.", _INVALID)
    if not user.active:
        raise AuthFailure("The API token's user has been deactivated.", _INVALID)
    return api_token, user


def _touch(api_token: ApiToken) -> None:
    """Record that the token was used, at most once per LAST_USED_RESOLUTION.

    The conditional UPDATE keeps concurrent requests (or processes) from writing twice.
    """
    now = utcnow()
    stale = now - LAST_USED_RESOLUTION
    if api_token.last_used_at is not None and api_token.last_used_at >= stale:
        return  # recorded recently: no write on most requests
    last_used = col(ApiToken.last_used_at)
    session = get_session()
    session.exec(
        sa.update(ApiToken)
        .where(col(ApiToken.id) == api_token.id)
        .where(sa.or_(last_used.is_(None), last_used < stale))
        .values(last_used_at=now)
    )
    session.commit()


@bp.before_request
def authenticate() -> Any:
    """Authenticate the Bearer token and refuse writes by viewers, before any API view."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    try:
        api_token, user = _token_owner(bearer_token(request.headers.get("Authorization")))
    except AuthFailure as failure:
        return api_error(401, failure.message, headers={"WWW-Authenticate": failure.challenge})
    _touch(api_token)
    g.api_token, g.api_user = api_token, user
    if request.method not in SAFE_METHODS and not user.can_edit:
        message = f"This token belongs to a {user.role}, who can read but not change data."
        return api_error(403, message)
    return None


def current_api_user() -> User:
    """Return the user whose token authenticated this API request."""
    user: User = g.api_user
    return user
