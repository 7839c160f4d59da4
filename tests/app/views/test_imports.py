"""Web CSV import: upload → background job → progress, outcome and error report; exports."""

import fcntl
import io
import sqlite3
import time
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from app.jobs import imports as import_jobs
from app.models import Channel, Lead, WeeklySpend
from ingest.importer import ImportResult
from ingest.models import ImportJob
from kernel.weeks import utcnow
from tests import factories

SPEND = "channel,week,amount\nGoogle Ads,2024-03-04,1250.00\nGoogle Ads,2024-03-11,99.5\n"
BAD_LEADS = (
    "external_id,channel,created_at\n"
    "crm-1,Google Ads,2024-03-05\n"
    "crm-2,Carrier pigeon,2024-03-05\n"
    "crm-3,Google Ads,yesterday\n"
)


@pytest.fixture
def ads(db: Session) -> Channel:
    return factories.channel(db, name="Google Ads")


@pytest.fixture
def sync_app(app: Flask) -> Flask:
    """Run imports inside the upload request, so a test sees the outcome at once."""
    app.config["IMPORTS_SYNCHRONOUS"] = True
    return app


def upload(client: FlaskClient, kind: str, text: str, name: str = "data.csv") -> int:
    """Upload `text` as a CSV file of `kind`; return the new job's id."""
    data = {"kind": kind, "file": (io.BytesIO(text.encode()), name)}
    response = client.post("/imports/", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def job_row(db: Session, job_id: int) -> ImportJob:
    db.expire_all()
    job = db.get(ImportJob, job_id)
    assert job is not None
    return job


def test_good_file_succeeds_with_exact_counts(
    sync_app: Flask, editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    job_id = upload(editor_client, "spend", SPEND, "march.csv")
    job = job_row(db, job_id)
    assert (job.status, job.kind, job.filename) == ("succeeded", "spend", "march.csv")
    assert (job.rows_total, job.rows_done, job.created, job.updated, job.error_count) == (
        2, 2, 2, 0, 0,
    )  # fmt: skip
    assert job.started_at is not None and job.finished_at is not None
    amounts = sorted(row.amount_minor for row in db.exec(select(WeeklySpend)))
    assert amounts == [9_950, 125_000]
    page = editor_client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "Imported: 2 created,\n    0 updated,\n    0 unchanged." in page
    assert 'hx-trigger="every 1s"' not in page
    again = job_row(db, upload(editor_client, "spend", SPEND))
    assert (again.status, again.created, again.updated, again.rows_done) == ("succeeded", 0, 0, 2)
    listing = editor_client.get("/imports/").get_data(as_text=True)
    assert f'href="/imports/{job_id}"' in listing and "march.csv" in listing


def test_bad_file_reports_problems_and_stores_nothing(
    sync_app: Flask, editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    job_id = upload(editor_client, "leads", BAD_LEADS)
    job = job_row(db, job_id)
    assert (job.status, job.error_count, job.created, job.rows_done) == ("failed", 2, 0, 3)
    assert db.exec(select(Lead)).all() == []
    page = editor_client.get(f"/imports/{job_id}").get_data(as_text=True)
    assert "2 problems found." in page
    assert '<td class="num">3</td><td>channel</td><td><code>Carrier pigeon</code></td>' in page
    assert '<td class="num">4</td><td>created_at</td><td><code>yesterday</code></td>' in page
    report = editor_client.get(f"/imports/{job_id}/report.csv")
    assert report.status_code == 200 and report.mimetype == "text/csv"
    lines = report.get_data(as_text=True).splitlines()
    assert lines[0] == "row,column,value,message"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["3", "channel", "Carrier pigeon"],
        ["4", "created_at", "yesterday"],
    ]


def test_whole_file_problems_show_the_cells_as_written(
    sync_app: Flask, editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    """The checks run in SQL on stored forms; the report still shows the file's own text."""
    factories.lead(db, ads, date(2024, 3, 2), external_id="crm-9")
    text = "external_id,lead_external_id,purchased_at,amount\nP1,crm-9,2024-03-01 09:30+02:00,10\n"
    page = editor_client.get(f"/imports/{upload(editor_client, 'purchases', text)}").get_data(
        as_text=True)
    assert ('<td class="num">2</td><td>purchased_at</td><td><code>2024-03-01 09:30+02:00</code>'
            "</td><td>is before its lead was created</td>") in page  # not 2024-03-01T07:30:00…
    spend = "channel,week,amount\nGoogle Ads,2024-03-06,1\nGoogle Ads,2024-03-10,2\n"
    page = editor_client.get(f"/imports/{upload(editor_client, 'spend', spend)}").get_data(
        as_text=True)
    assert ('<td class="num">3</td><td>week</td><td><code>2024-03-10</code></td>'
            "<td>this channel and week already appears in row 2</td>") in page  # not 2024-03-04
    assert db.exec(select(WeeklySpend)).all() == []


def test_outcomes_are_coloured_and_counted_in_words(
    sync_app: Flask, editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    good = upload(editor_client, "spend", SPEND)
    page = editor_client.get(f"/imports/{good}").get_data(as_text=True)
    assert 'data-status="succeeded"' in page and 'class="flash flash-ok"' in page
    one = upload(editor_client, "leads", "external_id,channel,created_at\ncrm-1,Nope,2024-03-05\n")
    listing = editor_client.get("/imports/").get_data(as_text=True)
    assert "(1 problem)" in listing and "(1 problems)" not in listing
    assert f'href="/imports/{one}"' in listing
    css = editor_client.get("/static/app.css").get_data(as_text=True)
    assert '.import-job[data-status="succeeded"] progress { accent-color: var(--ok); }' in css


def test_a_leads_file_uploaded_as_spend_names_every_header_problem(
    sync_app: Flask, editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    leads = "external_id,channel,created_at\ncrm-1,Google Ads,2024-03-05\n"
    job_id = upload(editor_client, "spend", leads)
    report = editor_client.get(f"/imports/{job_id}/report.csv").get_data(as_text=True)
    rows = [line.split(",")[:2] for line in report.splitlines()[1:]]
    assert ["1", "external_id"] in rows and ["1", "created_at"] in rows
    assert ["1", "week"] in rows and ["1", "amount"] in rows
    assert job_row(db, job_id).error_count == 4


def test_upload_needs_a_kind_and_a_file(
    sync_app: Flask, editor_client: FlaskClient, db: Session
) -> None:
    response = editor_client.post("/imports/", data={"kind": "spend"})
    assert response.status_code == 422
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)
    data = {"kind": "refunds", "file": (io.BytesIO(b"a,b\n"), "x.csv")}
    response = editor_client.post("/imports/", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert db.exec(select(ImportJob)).all() == []


def test_viewer_cannot_import(viewer_client: FlaskClient, db: Session) -> None:
    data = {"kind": "spend", "file": (io.BytesIO(SPEND.encode()), "s.csv")}
    response = viewer_client.post("/imports/", data=data, content_type="multipart/form-data")
    assert response.status_code == 403
    assert db.exec(select(ImportJob)).all() == []
    assert "Viewers can look at imports but not start them." in viewer_client.get(
        "/imports/"
    ).get_data(as_text=True)


def test_progress_partial_shows_rows_done_and_keeps_polling(
    app: Flask, editor_client: FlaskClient, db: Session
) -> None:
    started = utcnow() - timedelta(seconds=10)
    job = ImportJob(kind="leads", filename="big.csv", status="running", rows_total=10_000,
                    rows_done=2_500, started_at=started)  # fmt: skip
    db.add(job)
    db.commit()
    assert job.id is not None
    path = import_jobs.upload_path(app.config["INSTANCE_DIR"], job.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as upload:
        fcntl.flock(upload, fcntl.LOCK_EX)  # as the process running the import does
        before = utcnow()
        response = editor_client.get(f"/imports/{job.id}", headers={"HX-Request": "true"})
        after = utcnow()
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert 'hx-trigger="every 1s"' in page
    assert 'value="25"' in page
    text = " ".join(page.split())
    assert "2,500 of about 10,000 rows processed" in text
    rate = int(text.split("rows processed · ")[1].split(" rows/s")[0])
    # 2,500 rows over the time since it started, read somewhere during the request; a slow
    # machine stretches the request, so the bounds come from clocks read around it
    slowest = 2_500 / (after - started).total_seconds()
    fastest = 2_500 / (before - started).total_seconds()
    assert round(slowest) <= rate <= round(fastest) <= 250


def test_a_real_background_import_finishes(
    editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    job_id = upload(editor_client, "spend", SPEND)
    assert wait_done(editor_client, job_id) == "succeeded"
    assert job_row(db, job_id).created == 2


def wait_done(client: FlaskClient, job_id: int, seconds: float = 30) -> str:
    """Poll the job's partial like htmx does until it has finished; return its status."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = client.get(f"/imports/{job_id}", headers={"HX-Request": "true"})
        text = page.get_data(as_text=True)
        for status in ("succeeded", "failed"):
            if f'data-status="{status}"' in text:
                return status
        time.sleep(0.1)
    raise AssertionError(f"import #{job_id} did not finish in {seconds} s")


def leads_file(prefix: str, rows: int) -> str:
    body = "".join(f"{prefix}-{n},Google Ads,2024-03-05T10:00:00Z\n" for n in range(rows))
    return "external_id,channel,created_at\n" + body


def test_two_uploads_started_together_both_finish(
    editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    first = upload(editor_client, "leads", leads_file("a", 3_000))
    second = upload(editor_client, "leads", leads_file("b", 3_000))
    assert (wait_done(editor_client, first), wait_done(editor_client, second)) == (
        "succeeded", "succeeded",
    )  # fmt: skip
    assert [job_row(db, j).created for j in (first, second)] == [3_000, 3_000]
    ids = db.exec(select(Lead.external_id).order_by(col(Lead.external_id))).all()
    assert len(ids) == 6_000 and ids[0] == "a-0" and ids[-1] == "b-999"


def test_templates_and_exports_download(
    editor_client: FlaskClient, db: Session, ads: Channel
) -> None:
    factories.spend(db, ads, date(2024, 3, 4), 125_000)
    template = editor_client.get("/imports/templates/purchases.csv")
    assert template.get_data(as_text=True).splitlines()[0] == (
        "external_id,lead_external_id,purchased_at,amount"
    )
    exported = editor_client.get("/imports/export/spend.csv").get_data(as_text=True)
    assert exported.splitlines()[1:] == ["Google Ads,2024-03-04,1250.00,,"]
    assert editor_client.get("/imports/export/passwords.csv").status_code == 404


def test_a_database_error_fails_the_job_and_stores_nothing(
    sync_app: Flask, editor_client: FlaskClient, db: Session, ads: Channel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """No retry: the importer itself waits for SQLite's write lock (BEGIN IMMEDIATE)."""
    calls: list[int] = []

    def locked(*args: Any, **kwargs: Any) -> ImportResult:
        calls.append(1)
        raise sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(import_jobs, "import_file", locked)
    job = job_row(db, upload(editor_client, "spend", SPEND))
    assert (job.status, job.created, len(calls)) == ("failed", 0, 1)
    assert job.message == "The import stopped unexpectedly (OperationalError); nothing was stored."
    assert db.exec(select(WeeklySpend)).all() == []
