"""Account tables: users, API tokens, sessions, password resets, failed sign-ins and the
audit log (SPEC §9). `app.models` re-exports them with the other install-wide tables."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from kernel.vocabulary import sql_in
from kernel.weeks import utcnow

ROLES: tuple[str, ...] = ("owner", "editor", "viewer")


class User(SQLModel, table=True):
    """A person who signs in; `role` decides what they may change."""

    __table_args__ = (sa.CheckConstraint(f"role IN {sql_in(ROLES)}", name="ck_user_role"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=sa.Column(sa.String(254), nullable=False, unique=True))
    password_hash: str = Field(sa_column=sa.Column(sa.String(255), nullable=False))
    role: str = Field(default="viewer", sa_column=sa.Column(sa.String(8), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_login_at: datetime | None = None
    active: bool = Field(default=True, sa_column=sa.Column(sa.Boolean, nullable=False,
                                                           server_default=sa.true()))

    @property
    def can_edit(self) -> bool:
        """Return whether this user may change data (owners and editors)."""
        return self.role in ("owner", "editor")


class ApiToken(SQLModel, table=True):
    """A Bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    name: str = Field(default="", sa_column=sa.Column(sa.String(120), nullable=False))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    prefix: str = Field(sa_column=sa.Column(sa.String(12), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds the secret, the server only its SHA-256 digest.

    Revoking the row (logout, "sign out everywhere", a password change, deactivation)
    ends that session even for a copy of the cookie saved earlier.
    """

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    expires_at: datetime = Field(nullable=False)
    revoked_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    """A one-time link an owner hands to a user to set a new password (email is optional)."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    expires_at: datetime = Field(nullable=False)
    used_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, counted per account (email) and per client address."""

    __tablename__ = "login_failure"
    __table_args__ = (sa.Index("ix_login_failure_key", "scope", "key", "failed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))
    key: str = Field(sa_column=sa.Column(sa.String(254), nullable=False))
    failed_at: datetime = Field(default_factory=utcnow, nullable=False)


class AuditEntry(SQLModel, table=True):
    """One change to install data: who, when, what, and before/after (app/audit.py)."""

    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor: str = Field(sa_column=sa.Column(sa.String(254), nullable=False))
    via: str = Field(sa_column=sa.Column(sa.String(8), nullable=False))
    action: str = Field(sa_column=sa.Column(sa.String(10), nullable=False))
    entity: str = Field(sa_column=sa.Column(sa.String(20), nullable=False, index=True))
    entity_id: str | None = Field(default=None, sa_column=sa.Column(sa.String(40)))
    summary: str = Field(sa_column=sa.Column(sa.String(300), nullable=False))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=sa.Column(sa.JSON,
                                                                             nullable=False))
