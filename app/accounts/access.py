"""Server-side sessions and database-backed sign-in throttling (SPEC §9).

Sessions: the signed cookie carries a random secret; the `user_session` table keeps
its SHA-256 digest, expiry and revocation. A copy of a cookie saved before logout is
therefore worthless after it, and so is every session of a user who signed out
everywhere, changed their password or was deactivated.

Throttling: failures are rows of `login_failure`, counted per account (the email tried)
and per client address within a sliding window. Being in the database, a pause holds
across processes and restarts. Flask-Limiter was considered: its storages are memory,
Redis, Memcached, MongoDB and etcd, none of which this install has, and it limits
requests rather than *failed* sign-ins, so a small table does the job with no new
service.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import LoginFailure, PasswordReset, User, UserSession
from kernel.weeks import utcnow


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def unusable_password() -> str:
    """A random password nobody knows, for an invited user who sets theirs by link."""
    return secrets.token_urlsafe(48)


def start_session(db: Session, user: User, lifetime: timedelta) -> str:
    """Record a new session for `user` and return the secret the cookie carries."""
    assert user.id is not None
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(UserSession(user_id=user.id, token_hash=_digest(secret), created_at=now,
                       expires_at=now + lifetime))
    return secret


def session_user(db: Session, secret: str | None) -> User | None:
    """Return the active user of a live session, or None (unknown, expired, revoked)."""
    if not secret or len(secret) > 100:
        return None
    row = db.exec(
        select(User)
        .join(UserSession, col(UserSession.user_id) == col(User.id))
        .where(UserSession.token_hash == _digest(secret))
        .where(col(UserSession.revoked_at).is_(None))
        .where(UserSession.expires_at > utcnow())
        .where(col(User.active).is_(True))
    ).first()
    return row


def end_session(db: Session, secret: str | None) -> None:
    """Revoke the session whose cookie carries `secret` (logout)."""
    if secret:
        db.exec(
            sa.update(UserSession)
            .where(col(UserSession.token_hash) == _digest(secret))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(db: Session, user_id: int, keep: str | None = None) -> int:
    """Revoke every live session of a user, except the one carrying `keep`; return how many."""
    statement = (
        sa.update(UserSession)
        .where(col(UserSession.user_id) == user_id)
        .where(col(UserSession.revoked_at).is_(None))
    )
    if keep:
        statement = statement.where(col(UserSession.token_hash) != _digest(keep))
    result = db.exec(statement.values(revoked_at=utcnow()))
    return int(result.rowcount or 0)


def forget_dead_sessions(db: Session, before: datetime) -> None:
    """Delete sessions that expired or were revoked before `before` (housekeeping)."""
    db.exec(
        sa.delete(UserSession).where(
            sa.or_(col(UserSession.expires_at) < before, col(UserSession.revoked_at) < before)
        )
    )


@dataclass(frozen=True)
class Throttle:
    """How many failed sign-ins an account and an address may have within `window`."""

    per_account: int
    per_address: int
    window: timedelta

    def _count(self, db: Session, scope: str, key: str, since: datetime) -> int:
        return int(db.exec(
            select(sa.func.count()).select_from(LoginFailure)
            .where(LoginFailure.scope == scope, LoginFailure.key == key)
            .where(LoginFailure.failed_at > since)
        ).one())

    def paused(self, db: Session, *, email: str, address: str) -> bool:
        """Return whether sign-in is paused for this account or from this address."""
        since = utcnow() - self.window
        return (self._count(db, "account", email[:254], since) >= self.per_account
                or self._count(db, "address", address[:254], since) >= self.per_address)

    def fail(self, db: Session, *, email: str, address: str) -> None:
        """Record a failure against both the account and the address; drop expired rows."""
        now = utcnow()
        db.exec(
            sa.delete(LoginFailure).where(col(LoginFailure.failed_at) <= now - self.window)
        )
        db.add(LoginFailure(scope="account", key=email[:254], failed_at=now))
        db.add(LoginFailure(scope="address", key=address[:254], failed_at=now))

    def succeed(self, db: Session, *, email: str) -> None:
        """Forget the account's failures after a successful sign-in (the address keeps its)."""
        db.exec(
            sa.delete(LoginFailure).where(
                col(LoginFailure.scope) == "account", col(LoginFailure.key) == email[:254]
            )
        )


def new_reset_link(db: Session, user_id: int, lifetime: timedelta) -> str:
    """Create a one-time password-reset secret for a user (earlier unused ones lapse)."""
    now = utcnow()
    db.exec(
        sa.update(PasswordReset)
        .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    secret = secrets.token_urlsafe(32)
    db.add(PasswordReset(user_id=user_id, token_hash=_digest(secret), created_at=now,
                         expires_at=now + lifetime))
    return secret


def reset_target(db: Session, secret: str) -> tuple[PasswordReset, User] | None:
    """Return the unused, unexpired reset row and its active user, or None."""
    if not secret or len(secret) > 100:
        return None
    row = db.exec(
        select(PasswordReset, User)
        .join(User, col(User.id) == col(PasswordReset.user_id))
        .where(PasswordReset.token_hash == _digest(secret))
        .where(col(PasswordReset.used_at).is_(None))
        .where(PasswordReset.expires_at > utcnow())
        .where(col(User.active).is_(True))
    ).first()
    return None if row is None else (row[0], row[1])
