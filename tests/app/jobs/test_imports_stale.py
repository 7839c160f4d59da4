"""Import jobs whose process died (a restart, a crash, a kill) end as failed, live ones do not."""

import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.db import get_engine
from app.jobs import imports as import_jobs
from channels.models import WeeklySpend
from ingest import importer
from ingest.models import ImportJob
from kernel.weeks import utcnow
from tests import factories

SPEND = "channel,week,amount\nGoogle Ads,2024-03-04,1250.00\n"
# A stand-in for another server process: it locks the upload as run_job does, then lives on.
HOLD_LOCK = (
    "import fcntl, sys, time\n"
    "upload = open(sys.argv[1], 'rb')\n"
    "fcntl.flock(upload, fcntl.LOCK_EX)\n"
    "print('locked', flush=True)\n"
    "time.sleep(120)\n"
)


def stored_job(db: Session, status: str, error_count: int = 0) -> ImportJob:
    """Store a job as a server would have left it: started a minute ago unless queued."""
    a_minute_ago = utcnow() - timedelta(minutes=1)
    job = ImportJob(
        kind="spend", filename="spend.csv", status=status, rows_total=2, error_count=error_count,
        started_at=None if status == "queued" else a_minute_ago,
        finished_at=utcnow() if status in ("succeeded", "failed") else None,
    )  # fmt: skip
    db.add(job)
    db.commit()
    return job


def saved_upload(app: Flask, job: ImportJob) -> Path:
    """Write the job's upload under the instance folder, as create_job does."""
    assert job.id is not None
    path = import_jobs.upload_path(app.config["INSTANCE_DIR"], job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SPEND)
    return path


def queued_upload(client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch) -> int:
    """Upload a spend file through the page without starting its job; return the job id."""
    factories.channel(db, name="Google Ads")
    monkeypatch.setattr("app.views.entry.imports.start_job", lambda *args, **kwargs: None)
    data = {"kind": "spend", "file": (io.BytesIO(SPEND.encode()), "spend.csv")}
    response = client.post("/imports/", data=data, content_type="multipart/form-data")
    return int(response.headers["Location"].rsplit("/", 1)[1])


@pytest.fixture
def other_process(app: Flask, db: Session) -> Iterator[tuple[ImportJob, subprocess.Popen[str]]]:
    """Yield a running job and the live process that holds its upload; kill it afterwards."""
    job = stored_job(db, "running")
    command = [sys.executable, "-c", HOLD_LOCK, str(saved_upload(app, job))]
    holder = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    yield job, holder
    holder.kill()
    holder.wait()


def status_of(db: Session, job: ImportJob) -> tuple[str, str]:
    db.expire_all()
    fresh = db.get(ImportJob, job.id)
    assert fresh is not None
    return fresh.status, fresh.message


def test_a_running_job_left_by_a_dead_process_is_failed_with_a_message(
    app: Flask, editor_client: FlaskClient, db: Session
) -> None:
    job = stored_job(db, "running")
    upload = saved_upload(app, job)  # nobody holds it: its process is gone
    response = editor_client.get(f"/imports/{job.id}", headers={"HX-Request": "true"})
    page = " ".join(response.get_data(as_text=True).split())
    assert status_of(db, job) == ("failed", import_jobs.INTERRUPTED_MESSAGE)
    assert 'data-status="failed"' in page and 'hx-trigger="every 1s"' not in page
    assert (
        "Nothing was imported: The import was interrupted because the server stopped or "
        "restarted before it finished; nothing was stored. Upload the file again."
    ) in page
    assert not upload.exists()
    db.expire_all()
    finished = db.get(ImportJob, job.id)
    assert finished is not None and finished.finished_at is not None


def test_a_queued_job_whose_upload_is_gone_is_failed_on_the_imports_page(
    editor_client: FlaskClient, db: Session
) -> None:
    job = stored_job(db, "queued")  # e.g. the instance folder was emptied
    listing = editor_client.get("/imports/").get_data(as_text=True)
    assert status_of(db, job) == ("failed", import_jobs.INTERRUPTED_MESSAGE)
    assert "<td>failed</td>" in listing


def test_a_job_of_another_live_process_is_left_alone_until_that_process_dies(
    app: Flask, editor_client: FlaskClient, db: Session,
    other_process: tuple[ImportJob, subprocess.Popen[str]],
) -> None:  # fmt: skip
    job, holder = other_process
    editor_client.get("/imports/")
    page = editor_client.get(f"/imports/{job.id}", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in page.get_data(as_text=True)
    assert status_of(db, job) == ("running", "")
    holder.kill()  # SIGKILL: the process cannot clean up, the operating system drops its lock
    holder.wait()
    with app.app_context():
        assert import_jobs.fail_interrupted_jobs(
            get_engine(), app.config["INSTANCE_DIR"]
        ) == [job.id]  # fmt: skip
    assert status_of(db, job) == ("failed", import_jobs.INTERRUPTED_MESSAGE)


def test_finished_jobs_are_never_touched(app: Flask, db: Session) -> None:
    done = stored_job(db, "succeeded")
    bad = stored_job(db, "failed", error_count=3)
    with app.app_context():
        assert import_jobs.fail_interrupted_jobs(get_engine(), app.config["INSTANCE_DIR"]) == []
    assert status_of(db, done) == ("succeeded", "")
    assert status_of(db, bad) == ("failed", "")


def test_a_job_queued_in_this_process_is_left_alone_and_then_runs(
    app: Flask, editor_client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = queued_upload(editor_client, db, monkeypatch)
    editor_client.get("/imports/")
    page = editor_client.get(f"/imports/{job_id}", headers={"HX-Request": "true"})
    assert 'data-status="queued"' in page.get_data(as_text=True)
    with app.app_context():
        import_jobs.run_job(get_engine(), job_id, app.config["INSTANCE_DIR"])
    job = db.get(ImportJob, job_id)
    assert job is not None and status_of(db, job) == ("succeeded", "")
    assert job_id not in import_jobs._held_uploads


def test_on_sqlite_a_dead_job_waits_while_this_process_imports(
    app: Flask, db: Session
) -> None:
    job = stored_job(db, "running")
    saved_upload(app, job)
    sqlite = app.config["DATABASE_URL"].startswith("sqlite")
    with app.app_context(), import_jobs._import_lock:
        import_jobs.fail_interrupted_jobs(get_engine(), app.config["INSTANCE_DIR"])
    assert status_of(db, job)[0] == ("running" if sqlite else "failed")
    with app.app_context():
        import_jobs.fail_interrupted_jobs(get_engine(), app.config["INSTANCE_DIR"])
    assert status_of(db, job)[0] == "failed"


def test_a_process_that_dies_right_after_the_commit_leaves_the_job_succeeded(
    app: Flask, editor_client: FlaskClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id = queued_upload(editor_client, db, monkeypatch)
    commit = importer.BulkTransaction.commit

    def commit_then_die(self: importer.BulkTransaction) -> None:
        commit(self)
        raise SystemExit("killed")  # the process ends before any later line of the job runs

    monkeypatch.setattr(importer.BulkTransaction, "commit", commit_then_die)
    with app.app_context(), pytest.raises(SystemExit):
        import_jobs.run_job(get_engine(), job_id, app.config["INSTANCE_DIR"])
    with app.app_context():
        assert import_jobs.fail_interrupted_jobs(get_engine(), app.config["INSTANCE_DIR"]) == []
    job = db.get(ImportJob, job_id)
    assert job is not None and status_of(db, job) == ("succeeded", "")
    assert (job.rows_done, job.created, job.updated, job.error_count) == (1, 1, 0, 0)
    assert job.finished_at is not None
    assert [s.amount_minor for s in db.exec(select(WeeklySpend))] == [125000]
