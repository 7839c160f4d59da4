"""The audit log: who changed what, when, with before/after, in the change's transaction.

Record changes are caught in one place, SQLAlchemy's `after_flush` event, so no write
path can forget them and every entry is written by the same transaction as the change
(a rolled-back change leaves no entry). Bulk writes that bypass the ORM (CSV imports,
API batches) call `record_bulk` once per import with its counts, not once per row.

The actor is the signed-in user (web), the token's user (API), or the command line.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from app.models import ApiToken, AuditEntry, Experiment, Goal, Settings, User
from channels.models import Channel, WeeklySpend
from ingest.models import ImportJob
from kernel.weeks import utcnow

# Entity name shown in the log for each audited table.
AUDITED: dict[type, str] = {
    Channel: "channel", WeeklySpend: "spend", Experiment: "test", Goal: "goal",
    Settings: "settings", User: "user", ApiToken: "token",
}
# Bookkeeping columns: a change to these alone is not a data change.
IGNORED = frozenset({"version", "updated_at", "updated_by_id", "last_login_at", "last_used_at"})
SECRET = frozenset({"password_hash", "token_hash"})
VALUE_MAX = 500


@dataclass(frozen=True)
class Actor:
    """Who made a change: a user (by id and email at the time) and through what."""

    user_id: int | None
    name: str
    via: str


_acting: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute the changes made inside to `actor` (work done for a user off the request)."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor() -> Actor:
    """Return who acts: set by `acting_as`, else the user of this request (web session or API
    token), else the command line."""
    if (acting := _acting.get()) is not None:
        return acting
    if has_request_context():
        user = g.get("api_user") or g.get("user")
        via = "api" if request.path.startswith("/api/") else "web"
        if user is not None:
            return Actor(user.id, user.email, via)
        return Actor(None, "anonymous", via)
    return Actor(None, "command line", "cli")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > VALUE_MAX:
        return value[:VALUE_MAX] + "…"
    if isinstance(value, dict | list):
        text = json.dumps(value, default=str)
        return value if len(text) <= VALUE_MAX else text[:VALUE_MAX] + "…"
    return value


def _shown(name: str, value: Any) -> Any:
    return "(secret)" if name in SECRET and value is not None else _plain(value)


def _columns(obj: Any) -> list[str]:
    return [attr.key for attr in sa.inspect(obj).mapper.column_attrs]


def _label(obj: Any) -> str:
    for name in ("name", "email", "week"):
        value = getattr(obj, name, None)
        if value is not None:
            return str(_plain(value))
    return ""


def _changes(obj: Any) -> dict[str, list[Any]]:
    state = sa.inspect(obj)
    changed: dict[str, list[Any]] = {}
    for name in _columns(obj):
        if name in IGNORED:
            continue
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before != after:
            changed[name] = [_shown(name, before), _shown(name, after)]
    return changed


def _entry(actor: Actor, action: str, obj: Any, changes: dict[str, Any]) -> dict[str, Any]:
    entity = AUDITED[type(obj)]
    key = getattr(obj, "id", None)
    if entity == "spend":
        summary = f"spend of channel {obj.channel_id} for week {_plain(obj.week)}"
    else:
        summary = f"{entity} {_label(obj) or key}"
    return {
        "at": utcnow(), "user_id": actor.user_id, "actor": actor.name[:254], "via": actor.via,
        "action": action, "entity": entity, "entity_id": None if key is None else str(key),
        "summary": summary[:300], "changes": changes,
    }


def _after_flush(session: OrmSession, _context: Any) -> None:
    rows: list[dict[str, Any]] = []
    actor: Actor | None = None
    for action, objects in (("created", session.new), ("changed", session.dirty),
                            ("deleted", session.deleted)):
        for obj in objects:
            if type(obj) not in AUDITED:
                continue
            changes: dict[str, Any]
            if action == "changed":
                changes = _changes(obj)
                if not changes:
                    continue
            else:
                changes = {name: _shown(name, getattr(obj, name, None))
                           for name in _columns(obj) if name not in IGNORED}
                changes = {"before" if action == "deleted" else "after": changes}
            actor = actor or current_actor()
            rows.append(_entry(actor, action, obj, changes))
    if rows:
        session.connection().execute(sa.insert(AuditEntry.__table__), rows)  # type: ignore[attr-defined]


def record_bulk(conn: sa.Connection | Session, *, entity: str, summary: str,
                counts: dict[str, int], actor: Actor | None = None) -> None:
    """Record one entry for an import or API batch, with its counts, in `conn`'s transaction."""
    actor = actor or current_actor()
    row = {"at": utcnow(), "user_id": actor.user_id, "actor": actor.name[:254],
           "via": actor.via, "action": "imported", "entity": entity, "entity_id": None,
           "summary": summary[:300], "changes": {"counts": counts}}
    statement = sa.insert(AuditEntry.__table__)  # type: ignore[attr-defined]
    if isinstance(conn, Session):
        conn.connection().execute(statement, [row])
    else:
        conn.execute(statement, [row])


def record_import_job(conn: sa.Connection, job_id: int, file_name: str, result: Any) -> None:
    """Record a finished web import job, on behalf of the user who uploaded it."""
    user_id = conn.execute(
        sa.select(col(ImportJob.user_id)).where(col(ImportJob.id) == job_id)
    ).scalar()
    email = None if user_id is None else conn.execute(
        sa.select(col(User.email)).where(col(User.id) == user_id)
    ).scalar()
    actor = Actor(user_id if email else None, email or "unknown user", "web")
    record_bulk(conn, entity=result.kind, summary=f"import #{job_id}: {file_name}",
                counts={"rows": result.rows, "created": result.created,
                        "updated": result.updated}, actor=actor)


def record_quick_log(session: Session, channel_id: int, week: date, entry: Any) -> None:
    """Record a saved quick-log week (stored through the bulk path) as one entry."""
    buyers = sum(count for count, _revenue in entry.buyers.values())
    record_bulk(session, entity="quick_log", summary=f"quick log of channel {channel_id} for "
                f"the week of {week.isoformat()}",
                counts={"spend_minor": entry.spend_minor, "leads": entry.leads,
                        "buyers": buyers})


def install() -> None:
    """Listen to every flush of every session (idempotent)."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
