"""SQL of CSV imports and API batches: whole-file checks and upserts, per file kind.

Works on SQLite and PostgreSQL (both support INSERT … ON CONFLICT … DO UPDATE … WHERE).
An upsert only touches rows whose values differ, so re-importing a file changes nothing.
"""

import json
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from cohorts import aggregates, stage_history
from ingest.formats import ERROR_LIMIT
from ingest.staging import MIXED_WEEK, stage_change_before_last, stage_table_sql
from kernel.weeks import utcnow

Problem = tuple[int, str, str, str]
_SQLITE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$")

BULK_ROWS = 20_000  # changed rows beyond which refreshing every aggregate is cheaper


def shown(value: Any) -> str:
    """Return a stored value as the text a report shows (times as ISO 8601 in UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and _SQLITE_TIME.match(value):
        return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()
    return str(value)


def _sqlite_time(moment: datetime) -> str:
    """Return an aware UTC time as the text SQLAlchemy stores in SQLite."""
    return moment.isoformat(" ", "microseconds")[:26]


_json = json.JSONEncoder().encode


class Plan:
    """The staging table, checks and upsert of one file kind on one database."""

    kind = ""
    target = ""
    conflict = "external_id"
    compared: tuple[str, ...] = ()

    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        self.not_same = "IS NOT" if self.sqlite else "IS DISTINCT FROM"
        self.create_stage = stage_table_sql(self.kind, self.sqlite)

    def differs(self, old: str, new: str) -> str:
        """Return SQL that is true when stored row `old` differs from incoming row `new`."""
        return " OR ".join(f"{old}.{c} {self.not_same} {new}.{c}" for c in self.compared)

    def sqlite_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return a validated row as sqlite3 parameters (dates and times as text)."""
        return tuple(
            _sqlite_time(v) if isinstance(v, datetime) else v.isoformat()
            if isinstance(v, date) else _json(v) if isinstance(v, dict) else v
            for v in row
        )  # fmt: skip

    def postgres_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return a validated row for COPY (attributes as JSON text)."""
        return tuple(_json(v) if isinstance(v, dict) else v for v in row)

    def duplicates(self, keys: tuple[str, ...], column: str, what: str) -> str:
        """Return SQL listing rows whose `keys` repeat an earlier row of the file."""
        on = " AND ".join(f"f.{k} = s.{k}" for k in keys)
        return (
            f"SELECT s.row_no, '{column}', s.{column}, "
            f"'{what} already appears in row ' || CAST(f.first_row AS TEXT) "
            f"FROM import_stage s JOIN (SELECT {', '.join(keys)}, MIN(row_no) AS first_row "
            f"FROM import_stage GROUP BY {', '.join(keys)} HAVING COUNT(*) > 1) f ON {on} "
            f"WHERE s.row_no > f.first_row ORDER BY s.row_no LIMIT {ERROR_LIMIT}"
        )

    def prepare(self, conn: sa.Connection) -> None:
        """Fill the staged rows' columns that come from stored rows (before `problems`)."""

    def problem_queries(self) -> list[str]:
        """Return the SQL of every whole-file check (rows of row, column, value, message)."""
        return []

    def problems(self, conn: sa.Connection) -> Iterator[Problem]:
        """Yield the problems only the whole file or the database can reveal."""
        for query in self.problem_queries():
            for row, column, value, message in conn.execute(sa.text(query)):
                yield row, column, shown(value), message

    def counts(self, conn: sa.Connection, source: str, join: str) -> tuple[int, int]:
        """Return how many rows of `source` (alias s) are new and how many change a stored row."""
        query = (
            "SELECT COALESCE(SUM(CASE WHEN t.id IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN t.id IS NOT NULL AND ({self.differs('t', 's')}) "
            f"THEN 1 ELSE 0 END), 0) FROM {source} s {join}"
        )
        created, updated = conn.execute(sa.text(query)).one()
        return int(created), int(updated)

    def upsert(self, conn: sa.Connection, select: str, stamped: str = "") -> None:
        """Insert the staged rows, updating stored rows whose values differ.

        `stamped`: extra assignments for the updated rows (edit versions), after the values.
        """
        columns = ", ".join(self.compared)
        updates = ", ".join([f"{c} = excluded.{c}" for c in self.compared] + [stamped] * bool(
            stamped))  # fmt: skip
        conn.execute(
            sa.text(
                f"INSERT INTO {self.target} ({self.conflict}, {columns}) {select} "
                f"ON CONFLICT ({self.conflict}) DO UPDATE SET {updates} "
                f"WHERE {self.differs(self.target, 'excluded')}"
            )
        )

    def store(self, conn: sa.Connection) -> tuple[int, int]:
        """Upsert the staged rows and refresh what depends on them; return (created, updated)."""
        raise NotImplementedError


class SpendPlan(Plan):
    """Weekly spend: one row per channel and week."""

    kind, target, conflict = "spend", "weekly_spend", "channel_id, week"
    compared = ("amount_minor", "impressions", "clicks")
    # A changed row gets a new edit version, so a web editor's older form meets a conflict;
    # who made the change is not recorded for imports and API batches (by is NULL).
    stamp = ("version = weekly_spend.version + 1, updated_at = CURRENT_TIMESTAMP, "
             "updated_by_id = NULL")  # fmt: skip

    def problem_queries(self) -> list[str]:
        """Return the check for channel-weeks repeated in the file."""
        return [self.duplicates(("channel_id", "week"), "week", "this channel and week")]

    def store(self, conn: sa.Connection) -> tuple[int, int]:
        """Upsert spend rows; spend changes no cohort aggregate but invalidates cached metrics."""
        join = "LEFT JOIN weekly_spend t ON t.channel_id = s.channel_id AND t.week = s.week"
        created, updated = self.counts(conn, "import_stage", join)
        if created or updated:
            self.upsert(
                conn,
                "SELECT channel_id, week, amount_minor, impressions, clicks "
                "FROM import_stage WHERE true ORDER BY row_no",
                self.stamp,
            )
            channels = conn.execute(sa.text("SELECT DISTINCT channel_id FROM import_stage"))
            aggregates.bump_version(conn, [int(row[0]) for row in channels])
        return created, updated


class LeadPlan(Plan):
    """Leads: upsert by external id."""

    kind, target = "leads", "lead"
    compared = (
        "channel_id",
        "experiment_id",
        "created_at",
        "cohort_week",
        "stage",
        "grade",
        "attributes",
    )

    def differs(self, old: str, new: str) -> str:
        """Compare columns directly and attributes as JSON values."""
        plain = " OR ".join(f"{old}.{c} {self.not_same} {new}.{c}" for c in self.compared[:-1])
        if self.sqlite:
            return f"{plain} OR json({old}.attributes) IS NOT json({new}.attributes)"
        return (
            f"{plain} OR CAST({old}.attributes AS JSONB) IS DISTINCT FROM "
            f"CAST({new}.attributes AS JSONB)"
        )

    def sqlite_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return a validated lead as sqlite3 parameters (the hot path of big imports)."""
        number, external_id, channel, test, created, week, stage, grade, attributes, at = row
        text = _json(attributes) if attributes else "{}"
        return (number, external_id, channel, test, _sqlite_time(created), week.isoformat(),
                stage, grade, text, None if at is None else _sqlite_time(at))  # fmt: skip

    def problem_queries(self) -> list[str]:
        """Return the checks for repeated ids and stored purchases earlier than the lead."""
        return [
            self.duplicates(("external_id",), "external_id", "this external id"),
            "SELECT s.row_no, 'created_at', s.external_id, 'the lead would be created after "
            "its purchase ' || MIN(p.external_id) FROM import_stage s "
            "JOIN lead t ON t.external_id = s.external_id JOIN purchase p ON p.lead_id = t.id "
            f"WHERE p.purchased_at < s.created_at GROUP BY s.row_no, s.external_id "
            f"ORDER BY s.row_no LIMIT {ERROR_LIMIT}",
            MIXED_WEEK,
            stage_change_before_last(self.sqlite),
        ]

    def store(self, conn: sa.Connection) -> tuple[int, int]:
        """Upsert leads and refresh the cohorts they join or leave."""
        join = "LEFT JOIN lead t ON t.external_id = s.external_id"
        created, updated = self.counts(conn, "import_stage", join)
        if not (created or updated):
            return 0, 0
        keys = None
        if created + updated <= BULK_ROWS:
            keys = conn.execute(
                sa.text(
                    f"SELECT DISTINCT s.channel_id, s.cohort_week FROM import_stage s {join} "
                    f"WHERE t.id IS NULL OR {self.differs('t', 's')} UNION "
                    f"SELECT DISTINCT t.channel_id, t.cohort_week FROM import_stage s "
                    f"JOIN lead t ON t.external_id = s.external_id "
                    f"WHERE {self.differs('t', 's')}"
                )
            ).all()
        staged = "l.external_id IN (SELECT external_id FROM import_stage)"
        stage_history.remember_creation(conn, staged, {})
        self.upsert(
            conn,
            f"SELECT external_id, channel_id, experiment_id, created_at, "
            f"cohort_week, stage, grade, {self._json('attributes')} "
            "FROM import_stage WHERE true ORDER BY row_no",
        )
        stage_history.record_changes(  # dated by the row's stage_changed_at, else now
            conn, "true", {}, utcnow(), join="JOIN import_stage s ON s.external_id = "
            "l.external_id", dated="COALESCE(s.stage_changed_at, :at)")  # fmt: skip
        _refresh(conn, keys)
        return created, updated

    def _json(self, column: str) -> str:
        return column if self.sqlite else f"CAST({column} AS JSON)"


class PurchasePlan(Plan):
    """Purchases: upsert by external id; the lead is found by its external id."""

    kind, target = "purchases", "purchase"
    compared = ("lead_id", "purchased_at", "purchased_on", "amount_minor")

    def sqlite_row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        """Return a validated purchase as sqlite3 parameters."""
        number, external_id, lead, at, day, amount = row
        return (number, external_id, lead, _sqlite_time(at), day.isoformat(), amount)

    def prepare(self, conn: sa.Connection) -> None:
        """Find each purchase's lead once (by its unique external id)."""
        conn.execute(
            sa.text(
                "UPDATE import_stage SET lead_id = (SELECT l.id FROM lead l "
                "WHERE l.external_id = import_stage.lead_external_id)"
            )
        )

    def problem_queries(self) -> list[str]:
        """Return the checks for repeated ids, unknown leads and purchases before their lead."""
        return [
            self.duplicates(("external_id",), "external_id", "this external id"),
            "SELECT s.row_no, 'lead_external_id', s.lead_external_id, "
            "'no lead has this external id; import the leads first' FROM import_stage s "
            f"WHERE s.lead_id IS NULL ORDER BY s.row_no LIMIT {ERROR_LIMIT}",
            "SELECT s.row_no, 'purchased_at', s.purchased_at, "
            "'is before its lead was created' FROM import_stage s "
            "JOIN lead l ON l.id = s.lead_id "
            f"WHERE s.purchased_at < l.created_at ORDER BY s.row_no LIMIT {ERROR_LIMIT}",
        ]

    def store(self, conn: sa.Connection) -> tuple[int, int]:
        """Upsert purchases and refresh the cohorts of their leads (old and new)."""
        join = "LEFT JOIN purchase t ON t.external_id = s.external_id"
        created, updated = self.counts(conn, "import_stage", join)
        if not (created or updated):
            return 0, 0
        keys = None
        if created + updated <= BULK_ROWS:
            changed = self.differs("t", "s")
            keys = conn.execute(
                sa.text(
                    f"SELECT DISTINCT l.channel_id, l.cohort_week FROM import_stage s "
                    f"JOIN lead l ON l.id = s.lead_id {join} WHERE t.id IS NULL OR {changed} "
                    f"UNION SELECT DISTINCT l.channel_id, l.cohort_week FROM import_stage s "
                    f"JOIN purchase t ON t.external_id = s.external_id "
                    f"JOIN lead l ON l.id = t.lead_id WHERE {changed}"
                )
            ).all()
        self.upsert(
            conn,
            "SELECT external_id, lead_id, purchased_at, purchased_on, amount_minor "
            "FROM import_stage WHERE true ORDER BY row_no",
        )
        _refresh(conn, keys)
        return created, updated


def _refresh(conn: sa.Connection, keys: Sequence[Any] | None) -> None:
    """Refresh the aggregates of the cohorts in `keys` (None: a bulk change, all of them)."""
    if keys is None:
        aggregates.refresh_all(conn)
    else:
        aggregates.refresh(conn, [tuple(key) for key in keys])


def plan_for(kind: str, dialect: str) -> Plan:
    """Return the plan of file `kind` on `dialect`."""
    plans: dict[str, type[Plan]] = {"spend": SpendPlan, "leads": LeadPlan}
    return plans.get(kind, PurchasePlan)(dialect)
