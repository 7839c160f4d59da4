"""Live progress of a running web import, visible to every process of the install.

The rows read so far are not written to the job row while it runs: on SQLite the import holds
the database's write lock, and a progress write would wait for it. The process running the
import keeps the count in memory and, at most every `PUBLISH_SECONDS`, replaces a small file
beside the upload in the instance folder, which all processes share (README "Serving with
several processes"). So a page answered by another gunicorn worker shows the same live count.
"""

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.models import ImportJob
from kernel.weeks import utcnow

PUBLISH_SECONDS = 0.5
PROGRESS_FOLDER = "imports"

_live_rows: dict[int, int] = {}  # job id → rows read so far, in the process running it
_published_at: dict[int, float] = {}  # job id → monotonic time of its last file write


@dataclass(frozen=True)
class JobProgress:
    """What a job page shows: rows read, rows expected, percent done and rows per second."""

    rows_done: int
    rows_total: int | None
    percent: int
    rows_per_second: float


def progress_path(instance_dir: str, job_id: int) -> Path:
    """Return the file that carries job `job_id`'s live row count to other processes."""
    return Path(instance_dir) / PROGRESS_FOLDER / f"{job_id}.progress"


def publish(instance_dir: str, job_id: int, rows: int, *, force: bool = False) -> None:
    """Record that job `job_id` has read `rows` rows; write the shared file when it is due."""
    _live_rows[job_id] = rows
    now = time.monotonic()
    if not force and now - _published_at.get(job_id, -PUBLISH_SECONDS) < PUBLISH_SECONDS:
        return
    _published_at[job_id] = now
    path = progress_path(instance_dir, job_id)
    partial = path.with_suffix(".progress.part")
    try:
        partial.write_text(str(rows))
        os.replace(partial, path)  # readers see the old count or the new one, never half
    except OSError:
        pass  # the count is a courtesy: the import itself must not fail for it


def forget(instance_dir: str, job_id: int) -> None:
    """Drop job `job_id`'s live count once its outcome is committed."""
    _live_rows.pop(job_id, None)
    _published_at.pop(job_id, None)
    progress_path(instance_dir, job_id).unlink(missing_ok=True)


def _shared_rows(instance_dir: str, job_id: int) -> int | None:
    """Return the row count another process published for job `job_id`, if any."""
    try:
        text = progress_path(instance_dir, job_id).read_text()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def job_progress(job: ImportJob, instance_dir: str) -> JobProgress:
    """Return the progress of `job`, live while it runs in any process of the install."""
    assert job.id is not None
    rows = job.rows_done
    if not job.done:
        live = _live_rows.get(job.id)
        if live is None:
            live = _shared_rows(instance_dir, job.id)
        rows = live if live is not None else rows
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
