"""`flask --app app digest send|preview` against a real SMTP server."""

from flask import Flask
from sqlmodel import Session, select

from app.models import DigestRun
from tests.digest_support import RECIPIENTS, WEEK, SmtpServer, free_port, parts, scenario


def test_send_once_then_already_sent_then_force_and_an_extra_copy(
        app: Flask, db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["digest", "send", "--week", "2026-10-07"])  # a day of WEEK
    assert first.exit_code == 0, first.output
    assert "Sent the email of the week of 2026-10-05" in first.output
    second = runner.invoke(args=["digest", "send", "--week", "2026-10-05"])
    assert second.exit_code == 0 and "already sent" in second.output
    assert len(smtp.inbox.received) == 1
    copy = runner.invoke(args=["digest", "send", "--week", "2026-10-05", "--to", "me@example.com"])
    assert copy.exit_code == 0 and "already sent" in copy.output
    assert "to me@example.com" in copy.output
    assert [to for to, _m in smtp.inbox.received] == [RECIPIENTS, ["me@example.com"]]
    forced = runner.invoke(args=["digest", "send", "--week", "2026-10-05", "--force"])
    assert forced.exit_code == 0 and "Sent the email" in forced.output
    assert len(smtp.inbox.received) == 3
    run = db.exec(select(DigestRun)).one()
    assert (run.week, run.status, run.trigger) == (WEEK, "sent", "cli")


def test_smtp_failure_exits_non_zero_with_the_error_on_stderr(app: Flask, db: Session,
                                                              smtp: SmtpServer) -> None:
    app.config.update(SMTP_PORT=free_port(), DIGEST_SMTP_ATTEMPTS=1)
    result = app.test_cli_runner().invoke(args=["digest", "send", "--week", "2026-10-05"])
    assert result.exit_code == 1
    assert "failed" in result.stderr and "SMTP 127.0.0.1" in result.stderr
    assert result.stdout == ""


def test_preview_writes_html_or_text_to_stdout(app: Flask, db: Session,
                                               smtp: SmtpServer) -> None:
    scenario(db)
    runner = app.test_cli_runner()
    html = runner.invoke(args=["digest", "preview", "--week", "2026-10-05"])
    text = runner.invoke(args=["digest", "preview", "--week", "2026-10-05", "--text"])
    assert html.exit_code == text.exit_code == 0
    assert html.output.startswith("<!DOCTYPE html>") and "550.00 USD" in html.output
    assert text.output.startswith("Subject: Bullseye weekly — week of 2026-10-05:")
    assert "- Spend: 550.00 USD" in text.output
    # The preview is the email that is sent.
    runner.invoke(args=["digest", "send", "--week", "2026-10-05"])
    sent_text, sent_html = parts(smtp.inbox.received[0][1])
    assert sent_html.replace("\r\n", "\n").strip() == html.output.strip()
    assert sent_text.replace("\r\n", "\n").strip() == text.output.split("\n", 1)[1].strip()
    assert smtp.inbox.received == smtp.inbox.received[:1]


def test_unusable_weeks_are_refused(app: Flask) -> None:
    runner = app.test_cli_runner()
    for text, message in (("2026-13-01", "a date like"), ("2999-01-04", "not complete"),
                          ("1999-06-07", "must lie between")):
        result = runner.invoke(args=["digest", "preview", "--week", text])
        assert result.exit_code == 2 and message in result.output, result.output
