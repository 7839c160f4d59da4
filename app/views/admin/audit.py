"""The audit log for owners: filters, pages and a CSV export."""

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from app.accounts.audit_log import (
    ACTIONS,
    ENTITIES,
    AuditFilter,
    AuditFilterError,
    csv_chunks,
    page,
)
from app.db import get_session

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.before_request
def _owners_only() -> None:
    if g.user is None or g.user.role != "owner":
        abort(403, description="Only owners read the audit log.")


def _filter() -> tuple[AuditFilter, dict[str, str]]:
    try:
        return AuditFilter.parse(request.args), {}
    except AuditFilterError as exc:
        return AuditFilter(), {exc.field: str(exc).capitalize() + "."}


@bp.get("/")
def index() -> Any:
    """Every data change, newest first, 100 a page."""
    where, errors = _filter()
    number = request.args.get("page", "1")
    current = int(number) if number.isdigit() and 0 < len(number) < 7 else 1
    entries, more = page(get_session(), where, current)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    newer = url_for("audit.index", **args, page=current - 1) if current > 1 else None
    older = url_for("audit.index", **args, page=current + 1) if more else None
    return render_template(
        "audit/index.html", entries=entries, newer_url=newer, older_url=older, where=where,
        errors=errors, entities=ENTITIES, actions=ACTIONS,
    ), (422 if errors else 200)


@bp.get("/audit.csv")
def export() -> Response:
    """The entries matching the filter as CSV."""
    where, errors = _filter()
    if errors:
        abort(400, description=next(iter(errors.values())))
    chunks = stream_with_context(csv_chunks(get_session(), where))
    headers = {"Content-Disposition": 'attachment; filename="bullseye-audit.csv"'}
    return Response(chunks, mimetype="text/csv", headers=headers)
