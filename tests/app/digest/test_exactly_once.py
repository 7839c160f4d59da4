"""One email per week: concurrent senders, a crash before or during sending, SMTP down."""

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlmodel import Session, select

from app.digest.delivery import Outcome, deliver_week
from app.digest.mail import SmtpConfig, backoff_delays
from app.digest.runs import INTERRUPTED
from app.digest.scheduler import DigestScheduler
from app.models import DigestRun
from tests.digest_support import WEEK, Inbox, SmtpServer, free_port, scenario, use_smtp

MONDAY_AFTER = datetime(2026, 10, 12, 9, tzinfo=UTC)  # the run covering WEEK (time zone UTC)


def runs(db: Session) -> list[DigestRun]:
    db.expire_all()
    return list(db.exec(select(DigestRun).order_by(DigestRun.week)))


def all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run `calls` in threads released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_schedulers_and_the_cli_send_one_message(app: Flask, db: Session,
                                                     smtp: SmtpServer) -> None:
    scenario(db)
    weeks = [date(2026, 9, 21), date(2026, 9, 28), WEEK]
    cli = app.test_cli_runner()
    for week in weeks:
        run_at = datetime(week.year, week.month, week.day, 9, tzinfo=UTC) + timedelta(days=7)

        def clock(at: datetime = run_at) -> datetime:
            return at

        first, second = DigestScheduler(app, clock=clock), DigestScheduler(app, clock=clock)
        results = all_at_once([
            first.run_scheduled, second.run_scheduled,
            lambda w=week: cli.invoke(args=["digest", "send", "--week", w.isoformat()]),
        ])
        outcomes: list[Outcome] = results[:2]
        assert results[2].exit_code == 0, results[2].output
        statuses = sorted([o.status for o in outcomes]
                          + ["sent" if "Sent the email" in results[2].output else "other"])
        assert statuses.count("sent") == 1, (statuses, results[2].output)
    assert len(smtp.inbox.received) == len(weeks)
    subjects = sorted(m["Subject"] for _to, m in smtp.inbox.received)
    assert [s.split(":")[0][-10:] for s in subjects] == [w.isoformat() for w in weeks]
    assert [(r.week, r.status, r.attempts) for r in runs(db)] == [
        (w, "sent", 1) for w in weeks]


def test_second_send_of_a_week_says_already_sent(app: Flask, db: Session,
                                                 smtp: SmtpServer) -> None:
    with app.app_context():
        assert deliver_week(WEEK, trigger="test").status == "sent"
        again = deliver_week(WEEK, trigger="test")
        assert again.status == "already_sent" and again.ok
        assert deliver_week(WEEK, trigger="test", force=True).status == "sent"
    assert len(smtp.inbox.received) == 2


def test_crash_between_claim_and_send_is_recovered_once_at_restart(
        app: Flask, db: Session, smtp: SmtpServer) -> None:
    # A process claimed the week and died before handing anything to SMTP.
    db.add(DigestRun(week=WEEK, status="claimed", claim="dead-process", trigger="schedule",
                     claimed_until=MONDAY_AFTER - timedelta(minutes=1)))
    db.commit()
    restarted = DigestScheduler(app, clock=lambda: MONDAY_AFTER)
    outcome = restarted.catch_up()
    assert outcome is not None and outcome.status == "sent"
    assert restarted.catch_up().status == "already_sent"  # type: ignore[union-attr]
    assert DigestScheduler(app, clock=lambda: MONDAY_AFTER).catch_up().status == "already_sent"  # type: ignore[union-attr]
    assert len(smtp.inbox.received) == 1
    [run] = runs(db)
    assert (run.status, run.attempts, run.trigger) == ("sent", 1, "catch_up")


def test_a_live_claim_is_left_to_its_holder(app: Flask, db: Session, smtp: SmtpServer) -> None:
    db.add(DigestRun(week=WEEK, status="claimed", claim="other-process",
                     claimed_until=MONDAY_AFTER + timedelta(minutes=5)))
    db.commit()
    outcome = DigestScheduler(app, clock=lambda: MONDAY_AFTER).catch_up()
    assert outcome is not None and outcome.status == "busy"
    assert smtp.inbox.received == []


def test_crash_during_the_smtp_hand_over_is_not_resent_automatically(
        app: Flask, db: Session, smtp: SmtpServer) -> None:
    # The hand-over had begun: the message may have been delivered, so no automatic resend.
    db.add(DigestRun(week=WEEK, status="sending", claim="dead-process", attempts=1,
                     claimed_until=MONDAY_AFTER - timedelta(minutes=1)))
    db.commit()
    outcome = DigestScheduler(app, clock=lambda: MONDAY_AFTER).catch_up()
    assert outcome is not None and outcome.status == "failed"
    assert smtp.inbox.received == []
    [run] = runs(db)
    assert (run.status, run.error) == ("failed", INTERRUPTED)
    with app.app_context():
        assert deliver_week(WEEK, trigger="retry", retry=True).status == "sent"
    assert len(smtp.inbox.received) == 1


def test_smtp_down_is_retried_with_backoff_then_failed_and_retry_succeeds(
        app: Flask, db: Session) -> None:
    port = free_port()
    use_smtp(app, port)
    app.config.update(DIGEST_RETRY_SECONDS=30, DIGEST_SMTP_ATTEMPTS=3)
    pauses: list[float] = []
    with app.app_context():
        outcome = deliver_week(WEEK, trigger="schedule", sleep=pauses.append)
    assert outcome.status == "failed" and f"127.0.0.1:{port}" in (outcome.error or "")
    assert pauses == [30, 60]
    [run] = runs(db)
    assert (run.status, run.attempts) == ("failed", 3)
    assert f"SMTP 127.0.0.1:{port}" in (run.error or "")
    with app.app_context():  # the scheduler does not resend a failed week by itself
        assert deliver_week(WEEK, trigger="schedule").status == "failed"
    server = SmtpServer(port, Inbox())
    server.start()
    try:
        with app.app_context():
            assert deliver_week(WEEK, trigger="retry", retry=True).status == "sent"
    finally:
        server.stop()
    assert len(server.inbox.received) == 1
    [run] = runs(db)
    assert (run.status, run.attempts, run.error) == ("sent", 4, None)


def test_backoff_is_bounded() -> None:
    config = SmtpConfig("h", 25, "", "", "none", "a@b", attempts=6, backoff=100,
                        backoff_max=300)
    assert backoff_delays(config) == [100, 200, 300, 300, 300]
    assert backoff_delays(SmtpConfig("h", 25, "", "", "none", "a@b", attempts=1)) == []
