"""Sending a week's email: under the one-run-per-week rule, or as a copy outside it."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from flask import current_app

from app.db import get_session
from app.digest.content import digest_for
from app.digest.mail import MailError, compose, send_with_retries, smtp_config, split_addresses
from app.digest.runs import Claim, claim_week, mark_failed, mark_retrying, mark_sending, mark_sent
from app.settings import load_settings
from kernel.weeks import utcnow

log = logging.getLogger(__name__)
Status = Literal["sent", "already_sent", "busy", "failed", "no_recipients"]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Outcome:
    """What became of a send: status, the week, a sentence for people, and the error."""

    status: Status
    week: date
    message: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether nothing failed (sent now, or already sent or being sent)."""
        return self.status in ("sent", "already_sent", "busy")


def recipients() -> list[str]:
    """Return the weekly recipients: DIGEST_RECIPIENTS if set, else the settings' list."""
    configured = current_app.config.get("DIGEST_RECIPIENTS") or load_settings().digest_recipients
    return split_addresses(configured)


def _message_id(week: date) -> str:
    """Return the week's Message-ID: the same for every send of that week, so mail systems
    that drop repeated ids drop an accidental second copy."""
    host = current_app.config["BASE_URL"].split("//")[-1].split("/")[0].split(":")[0]
    return f"<bullseye-digest-{week.isoformat()}@{host or 'localhost'}>"


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["DIGEST_LEASE_SECONDS"])


def deliver_week(week: date, *, trigger: str, force: bool = False, retry: bool = False,
                 sleep: Callable[[float], None] = time.sleep, clock: Clock = utcnow,
                 attempts: int | None = None) -> Outcome:
    """Send the week's email to the recipients once; force: again; retry: a failed one."""
    to = recipients()
    if not to:
        return Outcome("no_recipients", week, "No recipients: set them on the settings page "
                       "or in DIGEST_RECIPIENTS.")
    session, lease = get_session(), _lease()
    claim = claim_week(session, week=week, now=clock(), lease=lease, trigger=trigger,
                       recipients=", ".join(to), force=force, retry=retry)
    if claim.result == "sent":
        return Outcome("already_sent", week, f"The email of the week of {week} was already "
                       "sent; use --force to send it again.")
    if claim.result == "busy":
        return Outcome("busy", week, f"The email of the week of {week} is being sent by "
                       "another process.")
    if claim.result == "failed":
        return Outcome("failed", week, f"The email of the week of {week} failed earlier; "
                       "retry it on the weekly email page or with --force.", claim.error)
    return _send_claimed(claim, week, to, sleep=sleep, clock=clock, attempts=attempts)


def _send_claimed(claim: Claim, week: date, to: list[str], *, sleep: Callable[[float], None],
                  clock: Clock, attempts: int | None) -> Outcome:
    """Render and send a claimed week, recording every attempt on its row."""
    session, lease = get_session(), _lease()
    try:
        config = smtp_config(current_app.config)
        if attempts is not None:
            config = replace(config, attempts=attempts)
        rendered = digest_for(week)
    except Exception as exc:  # a failure to build the email is recorded like an SMTP one
        log.exception("weekly email of %s could not be built", week)
        mark_failed(session, claim, error=str(exc) or type(exc).__name__)
        return Outcome("failed", week, f"The email of the week of {week} failed.", str(exc))
    message = compose(subject=rendered.subject, html=rendered.html, text=rendered.text,
                      sender=config.mail_from, recipients=to, message_id=_message_id(week))

    def before(_attempt: int) -> None:
        if not mark_sending(session, claim, now=clock(), lease=lease):
            raise MailError("the claim on this week was taken over; not sending")

    def failed(_attempt: int, error: str) -> None:
        mark_retrying(session, claim, error=error, now=clock(), lease=lease)

    try:
        used = send_with_retries(config, message, sleep=sleep, before_attempt=before,
                                 after_failure=failed)
    except MailError as exc:
        mark_failed(session, claim, error=str(exc))
        return Outcome("failed", week, f"The email of the week of {week} failed after "
                       f"{config.attempts} attempts.", str(exc))
    mark_sent(session, claim, now=clock())
    return Outcome("sent", week, f"Sent the email of the week of {week} to {', '.join(to)} "
                   f"({used} attempt{'s' if used != 1 else ''}).")


def send_copy(week: date, to: str, *, sleep: Callable[[float], None] = time.sleep,
              attempts: int | None = None) -> Outcome:
    """Send one copy of the week's email to `to`, outside the once-a-week rule (no run row)."""
    config = smtp_config(current_app.config)
    if attempts is not None:
        config = replace(config, attempts=attempts)
    rendered = digest_for(week)
    message = compose(subject=rendered.subject, html=rendered.html, text=rendered.text,
                      sender=config.mail_from, recipients=[to])
    try:
        send_with_retries(config, message, sleep=sleep)
    except MailError as exc:
        return Outcome("failed", week, f"The copy to {to} failed.", str(exc))
    return Outcome("sent", week, f"Sent the email of the week of {week} to {to}.")
