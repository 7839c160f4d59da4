"""Reading the audit log: filters shared by the owners' page, its CSV and the API."""

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.accounts.audit import AUDITED
from app.models import AuditEntry
from ingest.formats import neutralise

ENTITIES = tuple(sorted({*AUDITED.values(), "leads", "purchases", "quick_log"}))
ACTIONS = ("created", "changed", "deleted", "imported")
PAGE_SIZE = 100
FIRST_YEAR, LAST_YEAR = 1970, 9000  # filter dates: any real entry, never a date overflow
CSV_HEADER = ("at", "actor", "via", "action", "entity", "entity_id", "summary", "changes")


class AuditFilterError(ValueError):
    """A filter value that cannot be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to show; every field optional."""

    entity: str | None = None
    action: str | None = None
    actor: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> "AuditFilter":
        """Read the filter from query parameters; raise AuditFilterError naming the field."""
        def choice(name: str, options: tuple[str, ...]) -> str | None:
            value = (args.get(name) or "").strip()
            if value and value not in options:
                raise AuditFilterError(name, f"{name} must be one of {', '.join(options)}")
            return value or None

        def day(name: str) -> date | None:
            value = (args.get(name) or "").strip()
            try:
                parsed = date.fromisoformat(value) if value else None
            except ValueError:
                raise AuditFilterError(name, f"{name} must be a date like 2026-11-30") from None
            if parsed is not None and not FIRST_YEAR <= parsed.year <= LAST_YEAR:
                raise AuditFilterError(name, f"{name} must be in the years {FIRST_YEAR} to "
                                       f"{LAST_YEAR}")
            return parsed

        actor = (args.get("actor") or "").strip()[:254] or None
        return cls(choice("entity", ENTITIES), choice("action", ACTIONS), actor,
                   day("since"), day("until"))

    def query(self) -> SelectOfScalar[AuditEntry]:
        """The entries matching the filter, newest first."""
        query = select(AuditEntry)
        if self.entity:
            query = query.where(AuditEntry.entity == self.entity)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        if self.actor:
            query = query.where(col(AuditEntry.actor).contains(self.actor, autoescape=True))
        if self.since:
            query = query.where(AuditEntry.at >= datetime.combine(self.since, time(), UTC))
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), UTC)
            query = query.where(AuditEntry.at < end)
        return query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())


def page(session: Session, where: AuditFilter, number: int) -> tuple[list[AuditEntry], bool]:
    """Return page `number` (from 1) of matching entries and whether more follow."""
    offset = (max(1, number) - 1) * PAGE_SIZE
    rows = list(session.exec(where.query().offset(offset).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def entry_json(entry: AuditEntry) -> dict[str, object]:
    """One entry as the API shows it."""
    return {"id": entry.id, "at": entry.at.isoformat(), "user_id": entry.user_id,
            "actor": entry.actor, "via": entry.via, "action": entry.action,
            "entity": entry.entity, "entity_id": entry.entity_id, "summary": entry.summary,
            "changes": entry.changes}


def csv_chunks(session: Session, where: AuditFilter) -> Iterator[str]:
    """The matching entries as CSV (formula-safe cells), streamed 1,000 rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    result = session.exec(where.query().execution_options(yield_per=1000))
    for count, e in enumerate(result, start=1):
        writer.writerow([neutralise(cell) for cell in (
            e.at.isoformat(), e.actor, e.via, e.action, e.entity, e.entity_id or "", e.summary,
            json.dumps(e.changes, ensure_ascii=False, default=str))])
        if count % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
