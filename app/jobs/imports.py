"""Web CSV imports: save the upload, run it in a background thread and record how it went.

Imports run one at a time in this process (a process-wide lock), each inside the importer's
single transaction, so two uploads started together cannot interleave. Live progress is not
written to the job row while the import runs (app/jobs/import_progress.py says why and where it
goes instead).

So that a job whose process died (restart, crash, kill) does not stay running forever, the
process that owns a job holds an exclusive flock on its saved upload from before the job is
committed until its outcome is. The system drops a dead process's locks, so any process can
tell, at any time, a live job from an orphan (`fail_interrupted_jobs`): no clock, no heartbeat.
"""

import csv
import fcntl
import logging
import shutil
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlmodel import Session, col

from app.accounts import audit
from app.db import session_scope
from app.jobs import import_progress
from ingest.formats import COLUMNS_MAX, RowError, report_csv
from ingest.importer import ImportResult, Progress, import_file
from ingest.models import ImportJob
from kernel.weeks import DateWindow, utcnow

UPLOAD_FOLDER = "imports"
SHOWN_PROBLEMS = 100
READ_BLOCK = 1 << 20
UNFINISHED: tuple[str, ...] = ("queued", "running")
INTERRUPTED_MESSAGE = (
    "The import was interrupted because the server stopped or restarted before it finished; "
    "nothing was stored. Upload the file again."
)

log = logging.getLogger(__name__)
_import_lock = threading.Lock()  # one import at a time in this process
_held_uploads: dict[int, IO[bytes]] = {}  # job id → its upload, open and locked, until it ends


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
    """Store a queued job for `upload` and save the file, locked, under the instance folder.

    This process holds the lock until `run_job` has recorded the outcome; the lock is taken
    before the job is committed, so no other process ever sees the job without it.
    """
    job = ImportJob(kind=kind, filename=filename[:255], user_id=user_id)
    session.add(job)
    session.flush()
    assert job.id is not None
    path = upload_path(instance_dir, job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = _held_uploads[job.id] = path.open("wb")
    try:
        fcntl.flock(out.fileno(), fcntl.LOCK_EX)
        shutil.copyfileobj(upload, out, READ_BLOCK)
        out.flush()
        job.rows_total = count_data_lines(path)
        session.commit()
    except BaseException:
        _release(job.id)
        path.unlink(missing_ok=True)
        raise
    return job


@dataclass(frozen=True)
class FileRules:
    """What an imported file must keep: dates in `window` (None: the default one) and at
    most `max_columns` columns."""

    window: DateWindow | None = None
    max_columns: int = COLUMNS_MAX


def start_job(
    engine: sa.Engine, job_id: int, instance_dir: str, *, synchronous: bool,
    rules: FileRules = FileRules(),
) -> None:  # fmt: skip
    """Run job `job_id` now (synchronous, for tests) or in a background thread."""
    if synchronous:
        run_job(engine, job_id, instance_dir, rules)
        return
    worker = threading.Thread(target=run_job, args=(engine, job_id, instance_dir, rules),
                              name=f"import-{job_id}", daemon=True)  # fmt: skip
    worker.start()


def run_job(
    engine: sa.Engine, job_id: int, instance_dir: str, rules: FileRules = FileRules()
) -> None:
    """Import the file of job `job_id` under `rules`, waiting for any import already running."""
    path = upload_path(instance_dir, job_id)
    try:
        if job_id not in _held_uploads:  # a job not stored by create_job in this process
            _held_uploads[job_id] = path.open("rb")
            fcntl.flock(_held_uploads[job_id].fileno(), fcntl.LOCK_EX)
        with _import_lock:
            _run(engine, job_id, path, instance_dir, rules)
    finally:
        path.unlink(missing_ok=True)
        _release(job_id)  # only now, once the outcome is committed


def _run(engine: sa.Engine, job_id: int, path: Path, instance_dir: str,
         rules: FileRules) -> None:
    """Mark job `job_id` running, import its file and record the outcome."""
    with session_scope(engine) as session:
        job = _job(session, job_id)
        job.status, job.started_at = "running", utcnow()
        kind = job.kind
    import_progress.publish(instance_dir, job_id, 0, force=True)
    try:
        result = _import(engine, kind, path, job_id, instance_dir, rules)
    except Exception as exc:
        log.exception("import job %s stopped", job_id)
        _record_crash(engine, job_id, exc)
    else:
        if not result.ok:  # a success was recorded with the rows, in the same commit
            _record_failure(engine, job_id, result, instance_dir)
    finally:
        import_progress.forget(instance_dir, job_id)


def _release(job_id: int) -> None:
    """Close job `job_id`'s upload if this process holds it, which drops its lock."""
    held = _held_uploads.pop(job_id, None)
    if held is not None:
        held.close()


def _job(session: Session, job_id: int) -> ImportJob:
    """Return job `job_id` (it must exist)."""
    job = session.get(ImportJob, job_id)
    if job is None:
        raise LookupError(f"there is no import job #{job_id}")
    return job


def _import(
    engine: sa.Engine, kind: str, path: Path, job_id: int, instance_dir: str, rules: FileRules
) -> ImportResult:
    """Run the importer on `path`, publishing the rows read so far."""

    def progress(state: Progress) -> None:
        import_progress.publish(instance_dir, job_id, state.rows)

    def record_success(conn: sa.Connection, result: ImportResult) -> None:
        """Mark the job succeeded in the import's own transaction: a process that dies right
        after the commit cannot leave a job that claims nothing was stored."""
        outcome = sa.update(ImportJob).where(col(ImportJob.id) == job_id)
        conn.execute(outcome.values(
            status="succeeded", rows_done=result.rows, rows_total=result.rows, error_count=0,
            created=result.created, updated=result.updated, finished_at=utcnow(),
        ))  # fmt: skip
        audit.record_import_job(conn, job_id, path.name, result)

    with path.open("rb") as stream:
        size = path.stat().st_size
        return import_file(
            engine, kind, stream, size=size, progress=progress, before_commit=record_success,
            window=rules.window, max_columns=rules.max_columns,
        )


def _record_failure(
    engine: sa.Engine, job_id: int, result: ImportResult, instance_dir: str
) -> None:
    """Store the outcome of an import that found problems and write its report CSV."""
    relative = f"{UPLOAD_FOLDER}/{job_id}-report.csv"
    (Path(instance_dir) / relative).write_text(report_csv(result.report), "utf-8")
    with session_scope(engine) as session:
        job = _job(session, job_id)
        job.rows_done = job.rows_total = result.rows
        job.created = job.updated = 0
        job.error_count = result.report.total
        job.status, job.report_path, job.finished_at = "failed", relative, utcnow()


def _record_crash(engine: sa.Engine, job_id: int, exc: Exception) -> None:
    """Mark the job failed by an unexpected error (nothing was stored: it rolled back)."""
    with session_scope(engine) as session:
        job = _job(session, job_id)
        job.status, job.finished_at = "failed", utcnow()
        job.message = f"The import stopped unexpectedly ({type(exc).__name__}); nothing was stored."


def fail_interrupted_jobs(
    engine: sa.Engine, instance_dir: str, job_ids: Collection[int] | None = None
) -> list[int]:
    """Mark failed the queued or running jobs (of `job_ids`, else all) that no process runs.

    Return their ids. A job is interrupted when no process holds the lock on its upload (its
    process died) or the upload is gone (the instance folder was emptied). While this process
    imports into SQLite, or when the database is locked, they are left for a later call: the
    page that shows them must neither fail nor wait for that import's write lock.
    """
    unfinished = sa.select(col(ImportJob.id)).where(col(ImportJob.status).in_(UNFINISHED))
    if job_ids is not None:
        unfinished = unfinished.where(col(ImportJob.id).in_(job_ids))
    try:
        with engine.connect() as conn:
            ids = [i for i in conn.scalars(unfinished) if i is not None]
            gone = [i for i in ids if _owner_gone(i, instance_dir)]
            if not gone or (engine.dialect.name == "sqlite" and _import_lock.locked()):
                return []
            failed = [job_id for job_id in gone if _mark_interrupted(conn, job_id)]
            conn.commit()
    except sa.exc.OperationalError:
        log.warning("interrupted import jobs are left for later", exc_info=True)
        return []
    for job_id in failed:
        log.warning("import job %s was interrupted (its process stopped)", job_id)
        upload_path(instance_dir, job_id).unlink(missing_ok=True)
    return failed


def _owner_gone(job_id: int, instance_dir: str) -> bool:
    """Return whether no process holds job `job_id`'s upload, so nothing will finish the job."""
    if job_id in _held_uploads:  # ours (and POSIX-emulated flock, as on NFS, is per process)
        return False
    try:
        upload = upload_path(instance_dir, job_id).open("rb")
    except FileNotFoundError:
        return True
    with upload:  # closing it drops the lock at once if we got it
        try:
            fcntl.flock(upload.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def _mark_interrupted(conn: sa.Connection, job_id: int) -> bool:
    """Mark job `job_id` failed as interrupted unless it has finished meanwhile."""
    still_unfinished = (col(ImportJob.id) == job_id) & col(ImportJob.status).in_(UNFINISHED)
    update = (
        sa.update(ImportJob)
        .where(still_unfinished)
        .values(status="failed", message=INTERRUPTED_MESSAGE, finished_at=utcnow())
    )
    return conn.execute(update).rowcount == 1


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
