"""Import a CSV file of spend, leads or purchases: validate everything, then store all or nothing.

Rows are read in chunks, validated column by column (`ingest.columns`, which hands unusual
rows to the row validators of `ingest.rows`) and staged in a temporary table (SQLite:
executemany; PostgreSQL: COPY), so memory stays flat for any file size. Checks that
need the whole file or the database run in SQL on the staged rows. Only when the file has no
problem at all are the rows upserted (by external id, or channel and week for spend), and the
cohort aggregates refreshed, in the same transaction; otherwise it is rolled back. The SQL
checks see converted values, so the rows they name are read again from the file
(`ingest.reading.rows_numbered`) to report each cell as it was written.
"""

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import sqlalchemy as sa

from ingest.columns import column_validator
from ingest.formats import (
    COLUMNS_MAX,
    FORMATS,
    ErrorReport,
    FileError,
    is_blank,
    map_header,
)
from ingest.reading import check_line_lengths, read_chunks, rows_numbered
from ingest.rows import VALIDATORS, Lookup, name_index
from ingest.staging import (
    CALENDAR_CHANGED,
    STAGE_COLUMNS,
    BulkTransaction,
    install_calendar,
)
from ingest.store import Plan, plan_for
from kernel.weeks import DateWindow, date_window, local_date, utcnow

CHUNK_ROWS = 20_000
SQLITE_CACHE_KIB = -64_000  # 64 MB page cache: fast, and keeps peak memory low


@dataclass(frozen=True)
class Progress:
    """How far an import is: its phase, rows read so far and the share of the file read."""

    phase: str
    rows: int
    fraction: float


@dataclass
class ImportResult:
    """What an import did: rows read, records created and updated, and its problems."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    report: ErrorReport = field(default_factory=ErrorReport)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, in order

    @property
    def ok(self) -> bool:
        """Return whether the file was stored (it had no problem)."""
        return not self.report


ProgressCallback = Callable[[Progress], None]
BeforeCommit = Callable[[sa.Connection, ImportResult], None]


def import_file(
    engine: sa.Engine,
    kind: str,
    stream: BinaryIO,
    *,
    size: int | None = None,
    progress: ProgressCallback | None = None,
    before_commit: BeforeCommit | None = None,
    window: DateWindow | None = None,
    max_columns: int = COLUMNS_MAX,
) -> ImportResult:
    """Import the CSV `stream` of `kind` ("spend", "leads", "purchases") whole or not at all.

    Dates outside `window` are refused (default: 2000-01-01 to a year after today). A file
    with more than `max_columns` columns is refused before any row is read.

    `before_commit(conn, result)` runs inside the import's transaction once the rows are
    stored, so what it writes (say, a job's outcome) is committed with them or not at all.
    """
    started = time.perf_counter()
    result = ImportResult(kind)
    clock = _PhaseClock(result, progress or (lambda _p: None))
    with engine.connect() as conn, _collector_paused():
        transaction = BulkTransaction(conn)
        stage = _Stage(conn, plan_for(kind, conn.dialect.name))
        try:
            _import(conn, transaction, stage, stream, result, (size, max_columns), clock,
                    window)
            if result.ok and before_commit is not None:
                before_commit(conn, result)
        except FileError as exc:
            for error in exc.errors:
                result.report.add(**error.__dict__)
        except BaseException:
            transaction.rollback()
            stage.drop()  # a rollback would undo a DROP made inside the transaction
            raise
        clock.enter("committing")
        if result.ok:
            stage.drop()  # in the transaction: cheaper than on its own afterwards
            transaction.commit()
        else:
            transaction.rollback()
            stage.drop()
            result.created = result.updated = 0
        clock.enter("")
    result.seconds = time.perf_counter() - started
    return result


class _PhaseClock:
    """Pass progress on, timing each phase into `result.phases`."""

    def __init__(self, result: ImportResult, progress: ProgressCallback) -> None:
        self.result, self.progress = result, progress
        self.phase, self.since = "starting", time.perf_counter()

    def __call__(self, state: Progress) -> None:
        self.enter(state.phase)
        self.progress(state)

    def enter(self, phase: str) -> None:
        """Close the current phase's time and start `phase` ("" to stop)."""
        if phase == self.phase:
            return
        now = time.perf_counter()
        phases = self.result.phases
        phases[self.phase] = phases.get(self.phase, 0.0) + now - self.since
        self.phase, self.since = phase, now


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: an import allocates millions of short-lived rows and
    no cycles, and collections triggered by them cost a fifth of the reading time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lookup(conn: sa.Connection, window: DateWindow | None) -> Lookup:
    """Return the install's time zone, week start and date window, channels and tests by name."""
    timezone, week_start = install_calendar(conn)
    channels = {name: id_ for name, id_ in conn.execute(sa.text("SELECT name, id FROM channel"))}
    tests = {
        name: (test_id, channel_id)
        for test_id, name, channel_id in conn.execute(
            sa.text("SELECT id, name, channel_id FROM experiment")
        )
    }
    window = window or date_window(local_date(utcnow(), timezone))
    return Lookup(timezone, int(week_start), name_index(channels), name_index(tests), window)


def _import(
    conn: sa.Connection,
    transaction: BulkTransaction,
    stage: "_Stage",
    stream: BinaryIO,
    result: ImportResult,
    limits: tuple[int | None, int],
    progress: ProgressCallback,
    window: DateWindow | None,
) -> None:
    """Validate and stage every row; when all are valid, check them in SQL and upsert.

    `limits` is the file's size in bytes (None: unknown) and the most columns it may have.
    """
    size, max_columns = limits
    start = _position(stream)
    check_line_lengths(stream)
    header, chunks, separator = read_chunks(stream, CHUNK_ROWS)
    columns = map_header(header, FORMATS[result.kind], max_columns, separator)
    lookup = _lookup(conn, window)
    validate = VALIDATORS[result.kind](columns, lookup, result.report)
    plan = stage.plan
    convert = plan.sqlite_row if stage.sqlite else plan.postgres_row
    fast = column_validator(validate, stage.sqlite, convert)
    progress(Progress("reading", 0, 0.0))
    for numbers, rows in chunks:
        if fast is not None:
            staged = fast.chunk(numbers, rows)
        else:
            checked = (validate(n, cells) for n, cells in zip(numbers, rows, strict=True)
                       if not is_blank(cells))  # fmt: skip
            staged = [convert(row) for row in checked if row is not None]
        result.rows += len(rows)
        stage.write(staged)
        progress(Progress("reading", result.rows, _fraction(stream, size)))
    progress(Progress("checking", result.rows, 1.0))
    transaction.lock(conn)
    if install_calendar(conn) != (lookup.timezone, lookup.week_start):  # changed meanwhile
        result.report.add(1, "", "", CALENDAR_CHANGED)
        return
    plan.prepare(conn)
    problems = list(plan.problems(conn))
    raw = rows_numbered(stream, start, {row for row, *_rest in problems})
    for row, column, value, message in problems:
        cells, at = raw.get(row), columns.positions.get(column)
        shown = value if cells is None or at is None or at >= len(cells) else cells[at].strip()
        result.report.add(row, column, shown, message)  # the cell as written in the file
    if result.report:
        return
    progress(Progress("storing", result.rows, 1.0))
    result.created, result.updated = plan.store(conn)


def _position(stream: BinaryIO) -> int:
    """Return where the file starts in `stream` (0 when it cannot tell)."""
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


def _fraction(stream: BinaryIO, size: int | None) -> float:
    """Return the share of the file read so far (0 when the size is unknown)."""
    if not size:
        return 0.0
    try:
        return min(1.0, stream.tell() / size)
    except (OSError, ValueError):
        return 0.0


class _Stage:
    """The temporary table that holds the validated rows of one import."""

    def __init__(self, conn: sa.Connection, plan: Plan) -> None:
        self.conn, self.plan = conn, plan
        self.sqlite = conn.dialect.name == "sqlite"
        self.driver: Any = conn.connection.driver_connection
        if self.sqlite:
            conn.execute(sa.text("DROP TABLE IF EXISTS import_stage"))
        conn.execute(sa.text(plan.create_stage))
        if self.sqlite:
            self.previous_cache = int(conn.execute(sa.text("PRAGMA cache_size")).scalar() or 0)
            conn.execute(sa.text(f"PRAGMA cache_size = {SQLITE_CACHE_KIB}"))

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        """Append validated rows, already converted to what the database's driver takes."""
        if not rows:
            return
        names = STAGE_COLUMNS[self.plan.kind]
        cursor = self.driver.cursor()
        try:
            if self.sqlite:
                marks = ", ".join("?" * len(names))
                cursor.executemany(
                    f"INSERT INTO import_stage ({', '.join(names)}) VALUES ({marks})", rows
                )
            else:
                with cursor.copy(f"COPY import_stage ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        finally:
            cursor.close()

    def drop(self) -> None:
        """Remove SQLite's staging table (PostgreSQL drops it when the transaction ends)."""
        if self.sqlite:
            self.conn.execute(sa.text("DROP TABLE IF EXISTS import_stage"))
            self.conn.execute(sa.text(f"PRAGMA cache_size = {self.previous_cache}"))
