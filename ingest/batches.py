"""Store API batches of spend, leads or purchases whole or not at all, like a CSV import.

Items are validated by `ingest.batch_items`, staged in the CSV import's temporary table and
checked and upserted by the same `ingest.store` plans, on the caller's connection
and inside its transaction: the caller commits when there are no errors and rolls back
otherwise.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ingest.batch_items import ItemError, id_lookup, item_error, validate_items
from ingest.rows import Lookup
from ingest.staging import STAGE_COLUMNS, install_calendar, lock_bulk_writes
from ingest.store import plan_for
from kernel.weeks import DateWindow, date_window, local_date, utcnow


@dataclass
class BatchResult:
    """What a batch did: records created and updated, or every error (nothing stored)."""

    created: int = 0
    updated: int = 0
    errors: list[ItemError] = field(default_factory=list)


def batch_lookup(conn: sa.Connection, window: DateWindow | None = None) -> Lookup:
    """Return the install's time zone, week start and date window (default: 2000-01-01 to a
    year after today), channel ids and tests' channels."""
    timezone, week_start = install_calendar(conn)
    channels = [id_ for (id_,) in conn.execute(sa.text("SELECT id FROM channel"))]
    experiments = conn.execute(sa.text("SELECT id, channel_id FROM experiment"))
    tests: dict[int, int] = {id_: channel_id for id_, channel_id in experiments}
    window = window or date_window(local_date(utcnow(), timezone))
    return id_lookup(timezone, int(week_start), channels, tests, window)


def store_items(
    conn: sa.Connection, kind: str, items: Sequence[Any], *, channel_id: int | None = None,
    window: DateWindow | None = None,
) -> BatchResult:
    """Validate every item of `kind`; when all are valid upsert them and refresh aggregates."""
    lock_bulk_writes(conn)  # before the first read, so the checks see what the upsert meets
    lookup = batch_lookup(conn, window)
    rows, errors = validate_items(kind, items, lookup, channel_id=channel_id)
    plan = plan_for(kind, conn.dialect.name)
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.execute(sa.text("DROP TABLE IF EXISTS import_stage"))
    conn.execute(sa.text(plan.create_stage))
    try:
        if rows:
            names = STAGE_COLUMNS[kind]
            convert = plan.sqlite_row if sqlite else plan.postgres_row
            insert = sa.text(
                f"INSERT INTO import_stage ({', '.join(names)}) "
                f"VALUES ({', '.join(':' + n for n in names)})"
            )
            conn.execute(insert, [dict(zip(names, convert(row), strict=True)) for row in rows])
        plan.prepare(conn)
        errors += [item_error(row, column, message) for row, column, _v, message in
                   plan.problems(conn)]  # fmt: skip
        if errors:
            return BatchResult(errors=sorted(errors))
        created, updated = plan.store(conn)
        return BatchResult(created, updated)
    finally:
        if sqlite:
            conn.execute(sa.text("DROP TABLE IF EXISTS import_stage"))
