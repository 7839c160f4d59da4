"""CSV imports from the browser (background job, progress bar, error report) and exports."""

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from sqlmodel import col, select
from werkzeug.wrappers import Response

from app.cli.data import export_chunks
from app.db import get_engine, get_session
from app.jobs.import_progress import job_progress
from app.jobs.imports import (
    FileRules,
    create_job,
    fail_interrupted_jobs,
    report_problems,
    start_job,
)
from app.settings import accepted_dates
from app.views import render_page_or_partial
from ingest.exporter import EXPORT_KINDS
from ingest.formats import FORMATS, template
from ingest.models import ImportJob
from kernel.text import ATTRIBUTE_VALUE_MAX, ATTRIBUTES_MAX, EXTERNAL_ID_MAX

bp = Blueprint("imports", __name__, url_prefix="/imports")

RECENT_JOBS = 20
_LIMITS = {
    "attributes": ATTRIBUTES_MAX, "value": ATTRIBUTE_VALUE_MAX, "external_id": EXTERNAL_ID_MAX,
}  # fmt: skip


def _index(status: int = 200, error: str = "", kind: str = "leads") -> Response:
    fail_interrupted_jobs(get_engine(), current_app.config["INSTANCE_DIR"])
    recent = select(ImportJob).order_by(col(ImportJob.id).desc()).limit(RECENT_JOBS)
    jobs = list(get_session().exec(recent))
    return render_page_or_partial(
        "imports/index.html", "imports/_upload.html", http_status=status, formats=FORMATS,
        export_kinds=EXPORT_KINDS, jobs=jobs, error=error, kind=kind, limits=_LIMITS,
    )  # fmt: skip


@bp.get("/")
def index() -> Response:
    """Show the upload form, the file formats, recent imports and the export links."""
    return _index()


@bp.post("/")
def upload() -> Response:
    """Save the uploaded CSV file as an import job, start it and show its progress page."""
    kind = request.form.get("kind", "")
    file = request.files.get("file")
    if kind not in FORMATS:
        return _index(422, "Choose what the file holds: spend, leads or purchases.", kind)
    if file is None or not file.filename:
        return _index(422, "Choose a CSV file to upload.", kind)
    instance_dir = current_app.config["INSTANCE_DIR"]
    # The name is only shown back: keep what can be stored rather than refuse the file.
    filename = file.filename.replace("\0", "").encode("utf-8", "replace").decode()
    job = create_job(
        get_session(), kind=kind, filename=filename, user_id=g.user.id,
        upload=file.stream, instance_dir=instance_dir,
    )  # fmt: skip
    assert job.id is not None
    synchronous = bool(current_app.config.get("IMPORTS_SYNCHRONOUS"))
    start_job(
        get_engine(), job.id, instance_dir, synchronous=synchronous,
        rules=FileRules(accepted_dates(), current_app.config["CSV_MAX_COLUMNS"]),
    )  # fmt: skip
    return redirect(url_for(".job", job_id=job.id), 303)


def _get_job(job_id: int) -> ImportJob:
    fail_interrupted_jobs(get_engine(), current_app.config["INSTANCE_DIR"], [job_id])
    session = get_session()
    job = session.get(ImportJob, job_id)
    if job is None:
        abort(404, description=f"There is no import #{job_id}.")
    session.refresh(job)  # the background thread updates it
    return job


@bp.get("/<int:job_id>")
def job(job_id: int) -> Response:
    """Show an import's progress (polled by htmx while it runs) or its outcome and report."""
    job = _get_job(job_id)
    instance_dir = current_app.config["INSTANCE_DIR"]
    problems = report_problems(instance_dir, job) if job.done else []
    return render_page_or_partial(
        "imports/job.html", "imports/_job.html", job=job,
        progress=job_progress(job, instance_dir), problems=problems,
    )  # fmt: skip


@bp.get("/<int:job_id>/report.csv")
def report(job_id: int) -> Response:
    """Download the full error report of a failed import."""
    job = _get_job(job_id)
    if not job.report_path:
        abort(404, description=f"Import #{job_id} has no error report.")
    path = f"{current_app.config['INSTANCE_DIR']}/{job.report_path}"
    name = f"import-{job_id}-problems.csv"
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name)


@bp.get("/templates/<kind>.csv")
def format_template(kind: str) -> Response:
    """Download the CSV template of a file kind (its header and example rows)."""
    if kind not in FORMATS:
        abort(404, description=f"There is no {kind!r} file format.")
    headers = {"Content-Disposition": f'attachment; filename="{kind}-template.csv"'}
    return Response(template(kind), mimetype="text/csv", headers=headers)


@bp.get("/export/<kind>.csv")
def export(kind: str) -> Response:
    """Stream an export of spend, leads, purchases, metrics or cohorts as CSV."""
    if kind not in EXPORT_KINDS:
        abort(404, description=f"There is no {kind!r} export.")
    headers = {"Content-Disposition": f'attachment; filename="bullseye-{kind}.csv"'}
    chunks = stream_with_context(export_chunks(kind, None))
    return Response(chunks, mimetype="text/csv", headers=headers)
