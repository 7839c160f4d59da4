"""Web CSV imports: save the upload, run it in a background thread and record how it went.

Imports run one at a time in this process (a process-wide lock), each inside the importer's
single transaction, so two uploads started together cannot interleave. Live progress is kept in
memory rather than written to the job row while the import runs: on SQLite, another write
during the import's transaction would make its final upsert fail with a busy snapshot.
"""

import csv
import logging
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlmodel import Session

from app.db import session_scope
from cohorts.csv_formats import RowError, report_csv
from cohorts.import_models import ImportJob
from cohorts.importer import ImportResult, Progress, import_file
from cohorts.weeks import utcnow

UPLOAD_FOLDER = "imports"
SHOWN_PROBLEMS = 100
READ_BLOCK = 1 << 20
SQLITE_ATTEMPTS = 3

log = logging.getLogger(__name__)
_import_lock = threading.Lock()  # one import at a time in this process
_live_rows: dict[int, int] = {}  # job id → rows read so far, while it runs


@dataclass(frozen=True)
class JobProgress:
    """What a job page shows: rows read, rows expected, percent done and rows per second."""

    rows_done: int
    rows_total: int | None
    percent: int
    rows_per_second: float


def upload_path(instance_dir: str, job_id: int) -> Path:
    """Return where the uploaded file of job `job_id` is kept while it is imported."""
    return Path(instance_dir) / UPLOAD_FOLDER / f"{job_id}.csv"


def count_data_lines(path: Path) -> int:
    """Return the number of lines after the header (an estimate: quoted newlines count too)."""
    lines, last = 0, b"\n"
    with path.open("rb") as stream:
        while block := stream.read(READ_BLOCK):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


def create_job(
    session: Session, *, kind: str, filename: str, user_id: int | None,
    upload: IO[bytes], instance_dir: str,
) -> ImportJob:  # fmt: skip
    """Store a queued job for `upload` and save the file under the instance folder."""
    job = ImportJob(kind=kind, filename=filename[:255], user_id=user_id)
    session.add(job)
    session.flush()
    assert job.id is not None
    path = upload_path(instance_dir, job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out, READ_BLOCK)
    job.rows_total = count_data_lines(path)
    session.commit()
    return job


def start_job(engine: sa.Engine, job_id: int, instance_dir: str, *, synchronous: bool) -> None:
    """Run job `job_id` now (synchronous, for tests) or in a background thread."""
    if synchronous:
        run_job(engine, job_id, instance_dir)
        return
    worker = threading.Thread(
        target=run_job, args=(engine, job_id, instance_dir), name=f"import-{job_id}", daemon=True
    )
    worker.start()


def run_job(engine: sa.Engine, job_id: int, instance_dir: str) -> None:
    """Import the file of job `job_id`, waiting for any import already running."""
    path = upload_path(instance_dir, job_id)
    with _import_lock:
        with session_scope(engine) as session:
            job = _job(session, job_id)
            job.status, job.started_at = "running", utcnow()
            kind = job.kind
        _live_rows[job_id] = 0
        try:
            result = _import(engine, kind, path, job_id)
        except Exception as exc:
            log.exception("import job %s stopped", job_id)
            _record_crash(engine, job_id, exc)
        else:
            _record_result(engine, job_id, result, instance_dir)
        finally:
            _live_rows.pop(job_id, None)
            path.unlink(missing_ok=True)


def _job(session: Session, job_id: int) -> ImportJob:
    """Return job `job_id` (it must exist)."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise LookupError(f"there is no import job #{job_id}")
    return job


def _import(engine: sa.Engine, kind: str, path: Path, job_id: int) -> ImportResult:
    """Run the importer on `path`, publishing the rows read so far; retry a busy SQLite."""

    def progress(state: Progress) -> None:
        _live_rows[job_id] = state.rows

    for attempt in range(1, SQLITE_ATTEMPTS + 1):
        try:
            with path.open("rb") as stream:
                size = path.stat().st_size
                return import_file(engine, kind, stream, size=size, progress=progress)
        except sa.exc.OperationalError as exc:
            # On SQLite, a write by another connection (a new upload, an edit) while the import
            # checks its rows makes its upsert fail; it rolled back whole, so try again.
            if not _sqlite_busy(engine, exc) or attempt == SQLITE_ATTEMPTS:
                raise
            log.warning("import job %s: SQLite was busy, attempt %s again", job_id, attempt + 1)
    raise AssertionError("unreachable")


def _sqlite_busy(engine: sa.Engine, exc: sa.exc.OperationalError) -> bool:
    """Return whether `exc` is SQLite refusing a write because another connection wrote."""
    return engine.dialect.name == "sqlite" and "database is locked" in str(exc.orig)


def _record_result(engine: sa.Engine, job_id: int, result: ImportResult, instance_dir: str) -> None:
    """Store the outcome of an import and, when it failed, write its report CSV."""
    with session_scope(engine) as session:
        job = _job(session, job_id)
        job.rows_done = job.rows_total = result.rows
        job.created, job.updated = result.created, result.updated
        job.error_count = result.report.total
        job.status = "succeeded" if result.ok else "failed"
        if not result.ok:
            relative = f"{UPLOAD_FOLDER}/{job_id}-report.csv"
            (Path(instance_dir) / relative).write_text(report_csv(result.report), "utf-8")
            job.report_path = relative
        job.finished_at = utcnow()


def _record_crash(engine: sa.Engine, job_id: int, exc: Exception) -> None:
    """Mark the job failed by an unexpected error (nothing was stored: it rolled back)."""
    with session_scope(engine) as session:
        job = _job(session, job_id)
        job.status, job.finished_at = "failed", utcnow()
        job.message = f"The import stopped unexpectedly ({type(exc).__name__}); nothing was stored."


def job_progress(job: ImportJob) -> JobProgress:
    """Return the progress of `job`, live while it runs in this process."""
    assert job.id is not None
    rows = _live_rows.get(job.id, job.rows_done) if not job.done else job.rows_done
    total = job.rows_total
    percent = 100 if job.done else min(99, rows * 100 // total) if total else 0
    rate = 0.0
    if job.started_at is not None:
        end = job.finished_at or utcnow()
        seconds = (_aware(end) - _aware(job.started_at)).total_seconds()
        rate = rows / seconds if seconds > 0 else 0.0
    return JobProgress(rows, total, percent, rate)


def _aware(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC time (SQLite returns naive ones)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def report_problems(
    instance_dir: str, job: ImportJob, limit: int = SHOWN_PROBLEMS
) -> list[RowError]:
    """Return the first `limit` problems of a failed job's report."""
    if not job.report_path:
        return []
    problems: list[RowError] = []
    with (Path(instance_dir) / job.report_path).open(encoding="utf-8", newline="") as report:
        rows = csv.reader(report)
        next(rows, None)
        for row, column, value, message in rows:
            problems.append(RowError(int(row), column, value, message))
            if len(problems) == limit:
                break
    return problems
