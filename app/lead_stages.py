"""Moving a lead to another stage or grade, from the web form or the API, kept as history."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.settings import accepted_dates, load_settings
from cohorts import aggregates, stage_history
from cohorts.models import Lead, LeadStageChange
from ingest.values import CellError, parse_moment
from kernel.vocabulary import GRADES, STAGES
from kernel.weeks import safe_local_date, utcnow

FIELDS = ("stage", "grade", "changed_at")


def find_lead(session: Session, external_id: str) -> Lead | None:
    """Return the lead with `external_id`, or None."""
    return session.exec(select(Lead).where(Lead.external_id == external_id)).first()


def stage_history_of(session: Session, lead: Lead) -> list[LeadStageChange]:
    """Return a lead's stage history, oldest first."""
    query = select(LeadStageChange).where(LeadStageChange.lead_id == lead.id)
    return list(session.exec(query.order_by(col(LeadStageChange.id))).all())


def _moment(value: Any, errors: dict[str, str]) -> datetime:
    """Return `value` as an aware UTC time within the date window, or record the error."""
    if not isinstance(value, str):
        errors["changed_at"] = "must be an ISO 8601 date-time string"
        return utcnow()
    timezone = load_settings().timezone
    try:
        moment = parse_moment(value, timezone)
    except CellError as error:
        errors["changed_at"] = f"{value!r} {error}"
        return utcnow()
    window = accepted_dates(timezone)
    if safe_local_date(moment, timezone) not in window:
        errors["changed_at"] = f"{value!r} {window.refusal()}"
    return moment


def parse_change(
    session: Session, body: dict[str, Any], lead: Lead
) -> tuple[tuple[str, str | None, datetime] | None, dict[str, str]]:
    """Return the new (stage, grade, time) of `lead` from `body`, or the errors by field.

    Fields left out keep the lead's values; the time defaults to now and may lie neither
    before the lead's creation or last recorded change nor in the future.
    """
    errors = {name: f"is not a field of a stage change ({', '.join(FIELDS)})"
              for name in body.keys() - set(FIELDS)}  # fmt: skip
    stage, grade = body.get("stage", lead.stage), body.get("grade", lead.grade)
    if stage not in STAGES:
        errors["stage"] = f"must be one of {', '.join(STAGES)}"
    if grade is not None and grade not in GRADES:
        errors["grade"] = f"must be null or one of {', '.join(GRADES)}"
    at = now = utcnow()
    if "changed_at" in body:
        at = _moment(body["changed_at"], errors)
        dated = [r.changed_at for r in stage_history_of(session, lead) if r.changed_at]
        last = max([lead.created_at, *dated])
        if "changed_at" not in errors and not last <= at <= now:
            errors["changed_at"] = (f"must lie between the lead's last change or creation "
                                    f"({last.isoformat()}) and now")  # fmt: skip
    if errors:
        return None, errors
    return (str(stage), grade, at), {}


def apply_change(session: Session, lead: Lead, stage: str, grade: str | None,
                 at: datetime) -> bool:
    """Store the lead's new stage and grade and record the change; False when nothing changed.

    Does not commit.
    """
    conn, where, params = session.connection(), "l.id = :lead_id", {"lead_id": lead.id}
    stage_history.remember_creation(conn, where, params)
    lead.stage, lead.grade = stage, grade
    session.add(lead)
    session.flush()
    changed = stage_history.record_changes(conn, where, params, at) > 0
    if changed:
        aggregates.bump_version(conn, [lead.channel_id])
    return changed
