"""A running web import's row count reaches pages answered by any process of the install."""

import fcntl
import subprocess
import sys
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app.jobs import import_progress
from app.jobs import imports as import_jobs
from ingest.models import ImportJob
from kernel.weeks import utcnow

PUBLISH_IN_ANOTHER_PROCESS = """
import sys
from app.jobs import import_progress
import_progress.publish(sys.argv[1], int(sys.argv[2]), 4321, force=True)
"""


def _running_job(db: Session, app: Flask) -> ImportJob:
    job = ImportJob(kind="leads", filename="big.csv", status="running", rows_total=10_000,
                    rows_done=0, started_at=utcnow() - timedelta(seconds=10))  # fmt: skip
    db.add(job)
    db.commit()
    assert job.id is not None
    path = import_jobs.upload_path(app.config["INSTANCE_DIR"], job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return job


def _page_text(client: FlaskClient, job_id: int) -> str:
    response = client.get(f"/imports/{job_id}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def test_a_count_published_by_another_process_is_shown(
    app: Flask, editor_client: FlaskClient, db: Session
) -> None:
    job = _running_job(db, app)
    assert job.id is not None
    instance = app.config["INSTANCE_DIR"]
    subprocess.run([sys.executable, "-c", PUBLISH_IN_ANOTHER_PROCESS, instance, str(job.id)],
                   check=True, timeout=60)  # fmt: skip
    assert job.id not in import_progress._live_rows  # nothing of it in this process's memory
    with import_jobs.upload_path(instance, job.id).open("rb") as upload:
        fcntl.flock(upload, fcntl.LOCK_EX)  # the job's owner is alive
        text = _page_text(editor_client, job.id)
    assert "4,321 of about 10,000 rows processed" in text
    assert 'value="43"' in text  # 4,321 * 100 // 10,000


def test_the_file_is_written_at_most_every_half_second_and_removed_at_the_end(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = _running_job(db, app)
    assert job.id is not None
    instance = app.config["INSTANCE_DIR"]
    clock = iter([100.0, 100.2, 100.6])
    monkeypatch.setattr(import_progress.time, "monotonic", lambda: next(clock))
    path = import_progress.progress_path(instance, job.id)
    import_progress.publish(instance, job.id, 10)  # written: first publication
    assert path.read_text() == "10"
    import_progress.publish(instance, job.id, 20)  # 0.2 s later: kept in memory only
    assert path.read_text() == "10" and import_progress._live_rows[job.id] == 20
    import_progress.publish(instance, job.id, 30)  # 0.6 s after the write: written
    assert path.read_text() == "30"
    import_progress.forget(instance, job.id)
    assert not path.exists() and job.id not in import_progress._live_rows


def test_a_finished_job_shows_its_stored_rows_not_a_leftover_count(
    app: Flask, editor_client: FlaskClient, db: Session
) -> None:
    job = _running_job(db, app)
    assert job.id is not None
    instance = app.config["INSTANCE_DIR"]
    import_progress.progress_path(instance, job.id).write_text("999")  # left by a crash
    job.status, job.rows_done, job.finished_at = "succeeded", 10_000, utcnow()
    db.add(job)
    db.commit()
    progress = import_progress.job_progress(job, instance)
    assert (progress.rows_done, progress.percent) == (10_000, 100)
