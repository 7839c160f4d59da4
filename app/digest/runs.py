"""One digest run per week: claimed in a transaction before anything is sent.

The unique week makes the first INSERT win; later claimers read the row. A claim is a
random token with a lease: `claimed` means nothing was handed to SMTP yet, so an expired
claim is taken over and sent (a crash before sending is recovered without a duplicate);
`sending` means the SMTP hand-over had begun, so an expired one is marked failed rather
than sent again (it may have been delivered: a person decides with "retry").
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import DigestRun

ClaimResult = Literal["claimed", "sent", "busy", "failed"]
INTERRUPTED = ("interrupted while handing the message to the SMTP server; it may or may "
               "not have been delivered — retry sends it again")


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a week: `result`, the row's id and the claim's token."""

    result: ClaimResult
    run_id: int | None = None
    token: str = ""
    error: str | None = None


def _insert(session: Session, week: date, token: str, until: datetime, trigger: str,
            recipients: str) -> int | None:
    """Insert the week's row as claimed; return its id, or None if the week has one."""
    run = DigestRun(week=week, status="claimed", claim=token, claimed_until=until,
                    trigger=trigger, recipients=recipients)
    session.add(run)
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        return None
    return run.id


def _take_over(session: Session, run: DigestRun, token: str, until: datetime, trigger: str,
               recipients: str) -> bool:
    """Move the row to our claim if nobody changed it since we read it (compare and set)."""
    result = session.execute(
        sa.update(DigestRun)
        .where(col(DigestRun.id) == run.id, col(DigestRun.status) == run.status,
               col(DigestRun.claim).is_(None) if run.claim is None
               else col(DigestRun.claim) == run.claim)
        .values(status="claimed", claim=token, claimed_until=until, trigger=trigger,
                recipients=recipients, error=None)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def _interrupt(session: Session, run: DigestRun) -> None:
    """Mark an abandoned SMTP hand-over failed (it may have been delivered)."""
    session.execute(
        sa.update(DigestRun)
        .where(col(DigestRun.id) == run.id, col(DigestRun.status) == "sending",
               col(DigestRun.claim) == run.claim)
        .values(status="failed", claim=None, claimed_until=None, error=INTERRUPTED)
    )
    session.commit()


def claim_week(session: Session, *, week: date, now: datetime, lease: timedelta,
               trigger: str, recipients: str, force: bool = False,
               retry: bool = False) -> Claim:
    """Claim `week` for sending; see the module docstring for who wins.

    force: take over a sent or failed week; retry: take over a failed one.
    """
    token, until = secrets.token_hex(16), now + lease
    run_id = _insert(session, week, token, until, trigger, recipients)
    if run_id is not None:
        return Claim("claimed", run_id, token)
    run = session.exec(select(DigestRun).where(DigestRun.week == week)).one()
    expired = run.claimed_until is None or run.claimed_until <= now
    if run.status == "sending" and expired:
        _interrupt(session, run)
        session.refresh(run)
    may_take = (
        (run.status == "claimed" and expired)
        or (run.status == "failed" and (force or retry))
        or (run.status == "sent" and force)
    )
    if may_take and _take_over(session, run, token, until, trigger, recipients):
        return Claim("claimed", run.id, token)
    session.refresh(run)
    if run.status in ("sent", "failed"):
        return Claim(run.status, run.id, error=run.error)  # type: ignore[arg-type]
    return Claim("busy", run.id)


def _update(session: Session, held: Claim, **values: object) -> bool:
    """Change the row only while `held` is still its claim; return whether it was."""
    result = session.execute(
        sa.update(DigestRun)
        .where(col(DigestRun.id) == held.run_id, col(DigestRun.claim) == held.token)
        .values(**values)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def mark_sending(session: Session, claim: Claim, *, now: datetime, lease: timedelta) -> bool:
    """Record that the SMTP hand-over begins (one more attempt); False if the claim was lost."""
    return _update(session, claim, status="sending", claimed_until=now + lease,
                   attempts=DigestRun.attempts + 1)


def mark_retrying(session: Session, claim: Claim, *, error: str, now: datetime,
                  lease: timedelta) -> bool:
    """Record a failed attempt that nothing was delivered by, keeping the claim."""
    return _update(session, claim, status="claimed", error=error, claimed_until=now + lease)


def mark_sent(session: Session, claim: Claim, *, now: datetime) -> bool:
    """Record the week as sent (the claim is released)."""
    return _update(session, claim, status="sent", sent_at=now, error=None, claim=None,
                   claimed_until=None)


def mark_failed(session: Session, claim: Claim, *, error: str) -> bool:
    """Record the week as failed with the last error (the claim is released)."""
    return _update(session, claim, status="failed", error=error, claim=None,
                   claimed_until=None)


def recent_runs(session: Session, *, limit: int = 20) -> list[DigestRun]:
    """Return the newest weeks' runs first."""
    return list(session.exec(select(DigestRun).order_by(col(DigestRun.week).desc())
                             .limit(limit)))
