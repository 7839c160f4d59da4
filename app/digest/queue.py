"""The weekly email page's "send now" and "retry", sent off the request by the worker.

The request stores a `digest_send` row (queued) and answers at once; the page polls the row.
The background worker (app.jobs.fits' worker: a thread of `make run`, or the `worker run`
process beside gunicorn) claims queued rows with a lease, sends, and stores the outcome.

Exactly once: a row is claimed by one worker (compare and set). A retry still goes through
the week's run claim (app.digest.runs), so two retries, or a retry and the scheduler, send
the week once. A row whose worker died while sending is marked failed, never sent again
(the message may have gone out): a person decides.
"""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlmodel import Session, col, select

from app.db import get_session
from app.digest.delivery import Outcome, deliver_week, send_copy
from app.models import DigestSend
from kernel.weeks import utcnow

log = logging.getLogger(__name__)
UNFINISHED = ("queued", "sending")
INTERRUPTED = ("interrupted while sending (the worker stopped); it may or may not have been "
               "delivered — send it again if it did not arrive")


@dataclass(frozen=True)
class Queued:
    """The row the page polls, and whether this request queued it (False: an unfinished
    identical one was there already)."""

    send: DigestSend
    new: bool


def _unfinished(session: Session, kind: str, week: date, recipient: str) -> DigestSend | None:
    return session.exec(select(DigestSend).where(
        DigestSend.kind == kind, DigestSend.week == week, DigestSend.recipient == recipient,
        col(DigestSend.status).in_(UNFINISHED)).order_by(col(DigestSend.id))).first()


def enqueue(session: Session, *, kind: str, week: date, recipient: str = "") -> Queued:
    """Queue a copy of `week` to `recipient` (kind copy) or a retry of the failed `week`
    (kind retry), unless the same one is already waiting or being sent; wake the worker."""
    waiting = _unfinished(session, kind, week, recipient)
    if waiting is not None:
        return Queued(waiting, new=False)
    send = DigestSend(kind=kind, week=week, recipient=recipient)
    session.add(send)
    session.commit()
    wake = current_app.extensions.get("fit_worker_wake")
    if wake is not None:  # the worker runs in this process: start now, not at its next poll
        wake()
    return Queued(send, new=True)


def _claim(session: Session, send_id: int, owner: str, lease: timedelta) -> bool:
    result = session.execute(
        sa.update(DigestSend)
        .where(col(DigestSend.id) == send_id, col(DigestSend.status) == "queued")
        .values(status="sending", claim=owner, claimed_until=utcnow() + lease))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def _finish(session: Session, send_id: int, owner: str, outcome: Outcome) -> None:
    session.execute(
        sa.update(DigestSend)
        .where(col(DigestSend.id) == send_id, col(DigestSend.claim) == owner)
        .values(status="done" if outcome.ok else "failed", message=outcome.message,
                error=outcome.error, claim=None, claimed_until=None))
    session.commit()


def _fail_abandoned(session: Session) -> None:
    """Mark failed the rows whose worker's lease ran out while sending."""
    result = session.execute(
        sa.update(DigestSend)
        .where(col(DigestSend.status) == "sending", col(DigestSend.claimed_until) < utcnow())
        .values(status="failed", message="The email was not confirmed sent.",
                error=INTERRUPTED, claim=None, claimed_until=None))
    session.commit()
    if result.rowcount:  # type: ignore[attr-defined]
        log.warning("%s weekly email sends were interrupted", result.rowcount)  # type: ignore[attr-defined]


def _send(send: DigestSend) -> Outcome:
    """Send one claimed row with a single SMTP attempt (the page shows its result)."""
    if send.kind == "copy":
        return send_copy(send.week, send.recipient, attempts=1)
    return deliver_week(send.week, trigger="retry", retry=True, attempts=1)


def run_pending(app: Flask, owner: str) -> int:
    """Send every queued row this worker can claim; return how many it sent or failed."""
    done = 0
    with app.app_context():
        session = get_session()
        lease = timedelta(seconds=app.config["DIGEST_LEASE_SECONDS"])
        _fail_abandoned(session)
        queued = [(send.id, send) for send in session.exec(
            select(DigestSend).where(DigestSend.status == "queued").order_by(col(DigestSend.id)))]
        session.expunge_all()  # plain values from here on: the sends commit as they go
        session.rollback()
        for send_id, send in queued:
            if send_id is None or not _claim(session, send_id, owner, lease):
                continue  # another worker has it
            try:
                outcome = _send(send)
            except Exception as exc:  # building the email failed: shown on the page
                log.exception("weekly email send %s failed", send_id)
                outcome = Outcome("failed", send.week, "The email could not be sent.",
                                  str(exc) or type(exc).__name__)
            _finish(session, send_id, owner, outcome)
            done += 1
    return done
