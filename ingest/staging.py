"""What every bulk write (CSV import, API batch) shares: the staging table and taking turns.

Rows are staged in a temporary table, `import_stage`, checked there in SQL and upserted from
it (`ingest.store`). Two bulk writes never check or store at the same time: SQLite's
write lock or, on PostgreSQL, an advisory lock makes them run one after the other; a CSV
import's transaction (`BulkTransaction`) stages without that lock and takes it for the checks.
"""

from typing import Any

import sqlalchemy as sa

from ingest.formats import ERROR_LIMIT

STAGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "spend": ("row_no", "channel_id", "week", "amount_minor", "impressions", "clicks"),
    "leads": ("row_no", "external_id", "channel_id", "experiment_id", "created_at",
              "cohort_week", "stage", "grade", "attributes", "stage_changed_at"),
    "purchases": ("row_no", "external_id", "lead_external_id", "purchased_at", "purchased_on",
                  "amount_minor"),
}  # fmt: skip
# Filled in SQL by the import plan's `prepare`, after the rows are staged.
RESOLVED_COLUMNS: dict[str, tuple[str, ...]] = {"purchases": ("lead_id",)}
_TYPES = {
    "row_no": "INTEGER",
    "channel_id": "INTEGER",
    "lead_id": "INTEGER",
    "experiment_id": "INTEGER",
    "week": "DATE",
    "cohort_week": "DATE",
    "purchased_on": "DATE",
    "amount_minor": "BIGINT",
    "impressions": "BIGINT",
    "clicks": "BIGINT",
    "external_id": "VARCHAR(200)",
    "lead_external_id": "VARCHAR(200)",
    "stage": "VARCHAR(12)",
    "grade": "VARCHAR(8)",
    "attributes": "TEXT",
}


# Held by every bulk write (CSV import, API batch) on PostgreSQL from its checks to its
# commit, so two of them are stored one after the other, as SQLite's write lock does.
BULK_WRITE_LOCK = 0x42756C6C  # "Bull"


def lock_bulk_writes(conn: sa.Connection) -> None:
    """Wait until no other bulk write is checking or storing rows, for this transaction.

    PostgreSQL: an advisory lock. SQLite: the database's write lock, taken now (BEGIN
    IMMEDIATE waits up to the busy timeout) unless a transaction is already open: a deferred
    transaction that has read fails at its first write if another connection committed since.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": BULK_WRITE_LOCK})
    elif conn.dialect.name == "sqlite":
        driver: Any = conn.connection.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")


LOCK_WAIT_MS = 120_000  # how long an import waits for another writer to finish


class BulkTransaction:
    """The transaction of one CSV import.

    PostgreSQL: one transaction; an advisory lock makes the checks and upserts of two imports
    (or API batches) run one after the other, so their counts and refreshed cohorts are exact.
    SQLite: rows are staged in a temporary table while holding no
    lock on the database; the checks and upserts then run under BEGIN IMMEDIATE, which waits
    (up to LOCK_WAIT_MS) for the write lock instead of failing like a deferred transaction
    does when another connection wrote in the meantime ("database is locked").
    """

    def __init__(self, conn: sa.Connection) -> None:
        self.sqlite = conn.dialect.name == "sqlite"
        if not self.sqlite:
            self.transaction = conn.begin()
            return
        conn.execution_options(isolation_level="AUTOCOMMIT")  # we issue BEGIN and COMMIT
        driver = conn.connection.driver_connection
        assert driver is not None
        self.driver: Any = driver
        self.busy_ms = self.driver.execute("PRAGMA busy_timeout").fetchone()[0]
        self.driver.execute(f"PRAGMA busy_timeout = {LOCK_WAIT_MS}")
        self.driver.execute("BEGIN")

    def lock(self, conn: sa.Connection) -> None:
        """Take the write lock before checking against stored rows and writing."""
        if self.sqlite:
            self.driver.execute("COMMIT")  # only the temporary staging table was written
            self.driver.execute("BEGIN IMMEDIATE")
        else:
            lock_bulk_writes(conn)

    def commit(self) -> None:
        """Store everything."""
        if self.sqlite:
            self._end("COMMIT")
        else:
            self.transaction.commit()

    def rollback(self) -> None:
        """Store nothing."""
        if self.sqlite:
            self._end("ROLLBACK")
        else:
            self.transaction.rollback()

    def _end(self, statement: str) -> None:
        try:
            if self.driver.in_transaction:
                self.driver.execute(statement)
        finally:
            self.driver.execute(f"PRAGMA busy_timeout = {self.busy_ms}")


CALENDAR_CHANGED = (
    "The week start or time zone was changed (on the settings page) while this file was being "
    "read, so its weeks and dates were worked out under the old setting; nothing was stored. "
    "Import the file again.")


def install_calendar(conn: sa.Connection) -> tuple[str, int]:
    """Return the install's time zone and week start (what weeks and local dates follow)."""
    settings = conn.execute(sa.text("SELECT timezone, week_start FROM settings WHERE id = 1"))
    timezone, week_start = settings.one_or_none() or ("UTC", 0)
    return timezone, int(week_start)


def stage_table_sql(kind: str, sqlite: bool) -> str:
    """Return the CREATE statement of the staging table of file `kind`."""
    timestamp = "DATETIME" if sqlite else "TIMESTAMPTZ"
    names = STAGE_COLUMNS[kind] + RESOLVED_COLUMNS.get(kind, ())
    types = _TYPES | ({"row_no": "INTEGER PRIMARY KEY"} if sqlite else {})
    columns = ", ".join(f"{n} {types.get(n, timestamp)}" for n in names)
    suffix = "" if sqlite else " ON COMMIT DROP"
    return f"CREATE TEMP TABLE import_stage ({columns}){suffix}"


_LOGGED = "CASE WHEN substr({0}.external_id, 1, 4) = 'log:' THEN 1 ELSE 0 END"
_NEVER_BOTH = "; a channel-week holds either quick-logged or imported leads, never both"
# A channel-week holds either quick-logged leads (ids log:…, see ingest.quick_log) or imported
# ones, never both: the log's counts would silently add to or hide the imported leads. Both
# kinds are counted among the stored leads and among the file's own rows, so a file mixing
# them in one channel-week is refused too; each refused row names the file's first row of the
# other kind (or the stored leads).
_IS_LOGGED = _LOGGED.format("s")
MIXED_WEEK = (
    "WITH file_weeks AS (SELECT channel_id, cohort_week, "
    f"MIN(CASE WHEN {_IS_LOGGED} = 1 THEN row_no END) AS first_logged, "
    f"MIN(CASE WHEN {_IS_LOGGED} = 0 THEN row_no END) AS first_imported "
    "FROM import_stage s GROUP BY channel_id, cohort_week), "
    f"stored AS (SELECT l.channel_id, l.cohort_week, SUM({_LOGGED.format('l')}) AS logged, "
    f"SUM(1 - {_LOGGED.format('l')}) AS imported FROM lead l JOIN file_weeks t ON "
    "t.channel_id = l.channel_id AND t.cohort_week = l.cohort_week "
    "GROUP BY l.channel_id, l.cohort_week) "
    f"SELECT s.row_no, 'created_at', s.external_id, CASE WHEN {_IS_LOGGED} = 1 THEN "
    "CASE WHEN f.first_imported IS NOT NULL THEN 'is a quick-logged lead, but the week of ' || "
    "CAST(s.cohort_week AS TEXT) || ' on this channel also holds imported leads (row ' || "
    f"CAST(f.first_imported AS TEXT) || ' of this file){_NEVER_BOTH}' "
    "ELSE 'is a quick-logged lead, but its week holds imported leads of the channel' END "
    "ELSE CASE WHEN f.first_logged IS NOT NULL THEN 'falls in the week of ' || "
    "CAST(s.cohort_week AS TEXT) || ', whose leads on this channel are quick-logged (row ' || "
    f"CAST(f.first_logged AS TEXT) || ' of this file){_NEVER_BOTH}' "
    "ELSE 'falls in a week whose leads on this channel were entered in the quick log; set that "
    "week''s leads to 0 there before importing leads into it' END END "
    "FROM import_stage s JOIN file_weeks f ON f.channel_id = s.channel_id AND "
    "f.cohort_week = s.cohort_week LEFT JOIN stored k ON k.channel_id = s.channel_id AND "
    f"k.cohort_week = s.cohort_week WHERE CASE WHEN {_IS_LOGGED} = 1 THEN "
    "(CASE WHEN f.first_imported IS NULL THEN 0 ELSE 1 END) + COALESCE(k.imported, 0) "
    "ELSE (CASE WHEN f.first_logged IS NULL THEN 0 ELSE 1 END) + COALESCE(k.logged, 0) END > 0 "
    f"ORDER BY s.row_no LIMIT {ERROR_LIMIT}"
)


def stage_change_before_last(sqlite: bool) -> str:
    """Return SQL listing rows that change a stored lead's stage or grade at a
    stage_changed_at before the lead's last dated change (history stays in time order)."""
    last = ("substr(MAX(h.changed_at), 1, 19)" if sqlite else
            "to_char(MAX(h.changed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')")
    return (
        "SELECT s.row_no, 'stage_changed_at', s.stage_changed_at, 'is before the lead''s last "
        f"recorded stage change (' || {last} || ' UTC); date each change no earlier than the "
        "one before' FROM import_stage s JOIN lead t ON t.external_id = s.external_id "
        "JOIN lead_stage_change h ON h.lead_id = t.id WHERE s.stage_changed_at IS NOT NULL "
        "AND h.changed_at IS NOT NULL AND (t.stage <> s.stage OR COALESCE(t.grade, '') <> "
        "COALESCE(s.grade, '')) GROUP BY s.row_no, s.stage_changed_at "
        f"HAVING MAX(h.changed_at) > s.stage_changed_at ORDER BY s.row_no LIMIT {ERROR_LIMIT}"
    )
