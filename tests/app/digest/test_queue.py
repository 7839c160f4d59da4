""""Send now" and "retry" are queued: the request answers at once without touching SMTP, the
page polls the send, the worker sends it once."""

import socket
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.digest.queue import INTERRUPTED, run_pending
from app.models import DigestRun, DigestSend, User
from kernel.weeks import utcnow
from tests.conftest import sign_in
from tests.digest_support import RECIPIENTS, WEEK, SmtpServer, scenario, use_smtp

HX = {"HX-Request": "true"}


def _sends(db: Session) -> list[DigestSend]:
    db.expire_all()
    return list(db.exec(select(DigestSend).order_by(DigestSend.id)))  # type: ignore[arg-type]


def test_send_now_answers_without_contacting_the_mail_server_and_the_page_polls(
        app: Flask, client: FlaskClient, owner: User, db: Session) -> None:
    scenario(db)
    # A mail server that accepts connections and never answers: a request that talked to it
    # would wait SMTP_TIMEOUT; the listening socket shows whether anyone connected at all.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        use_smtp(app, silent.getsockname()[1])
        sign_in(client, owner)
        first = client.post("/digest/send-now", data={"week": "2026-10-05"}, headers=HX)
        again = client.post("/digest/send-now", data={"week": "2026-10-05"}, headers=HX)
        silent.setblocking(False)
        try:
            silent.accept()
            raise AssertionError("the request connected to the SMTP server")
        except BlockingIOError:
            pass  # nobody connected
    assert first.status_code == again.status_code == 202
    html = first.get_data(as_text=True)
    [send] = _sends(db)  # the second click found the first still queued
    assert (send.kind, send.week, send.recipient, send.status) == (
        "copy", WEEK, owner.email, "queued")
    assert html.lstrip().startswith('<section id="digest-send"')
    assert f'hx-get="/digest/sends/{send.id}" hx-trigger="every 1s"' in html
    assert f"The copy of the week of 2026-10-05 to {owner.email} is queued" in html
    page = client.get(f"/digest/?week=2026-10-05&send={send.id}").get_data(as_text=True)
    assert f'hx-get="/digest/sends/{send.id}"' in page  # the full page polls it too


def test_the_worker_sends_a_queued_copy_once_and_the_status_stops_polling(
        app: Flask, client: FlaskClient, owner: User, db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    sign_in(client, owner)
    client.post("/digest/send-now", data={"week": "2026-10-05"}, headers=HX)
    [send] = _sends(db)
    assert run_pending(app, "worker-a") == 1
    assert run_pending(app, "worker-b") == 0  # nothing left: sent once
    [(to, _message)] = smtp.inbox.received
    assert to == [owner.email]
    html = client.get(f"/digest/sends/{send.id}").get_data(as_text=True)
    assert "hx-trigger" not in html and 'data-status="done"' in html
    assert f"Sent the email of the week of 2026-10-05 to {owner.email}." in html


def test_two_queued_retries_of_a_week_send_it_once(
        app: Flask, client: FlaskClient, owner: User, db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    run = DigestRun(week=WEEK, status="failed", error="refused", recipients="x@example.com")
    db.add(run)
    db.commit()
    sign_in(client, owner)
    response = client.post(f"/digest/runs/{run.id}/retry", headers=HX)
    assert response.status_code == 202 and "The retry of the week of 2026-10-05 is queued" in (
        response.get_data(as_text=True))
    assert client.post(f"/digest/runs/{run.id}/retry", headers=HX).status_code == 202
    assert len(_sends(db)) == 1  # still queued: not queued twice
    db.add(DigestSend(kind="retry", week=WEEK))  # a racing second request got past that
    db.commit()
    assert smtp.inbox.received == [] and db.get(DigestRun, run.id).status == "failed"  # type: ignore[union-attr]
    assert run_pending(app, "worker") == 2
    [(to, _message)] = smtp.inbox.received  # the week's claim lets one of them send
    assert sorted(to) == sorted(RECIPIENTS)
    first, second = _sends(db)
    assert (first.status, second.status) == ("done", "done")
    assert first.message.startswith("Sent the email of the week of 2026-10-05")
    assert "was already sent" in second.message
    db.refresh(run)
    assert (run.status, run.trigger, run.error) == ("sent", "retry", None)


def test_a_send_whose_worker_died_is_failed_not_sent_again(
        app: Flask, client: FlaskClient, owner: User, db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    db.add(DigestSend(kind="copy", week=WEEK, recipient=owner.email, status="sending",
                      claim="dead-worker", claimed_until=utcnow() - timedelta(seconds=1)))
    db.add(DigestSend(kind="copy", week=WEEK, recipient=owner.email, status="sending",
                      claim="live-worker", claimed_until=utcnow() + timedelta(minutes=5)))
    db.commit()
    assert run_pending(app, "worker") == 0
    dead, live = _sends(db)
    assert (dead.status, dead.error) == ("failed", INTERRUPTED)
    assert live.status == "sending"  # its worker still holds it
    assert smtp.inbox.received == []
    html = sign_in(client, owner).get(f"/digest/sends/{dead.id}").get_data(as_text=True)
    assert INTERRUPTED in html and 'role="alert"' in html


def test_a_failed_send_shows_the_smtp_error(app: Flask, client: FlaskClient, owner: User,
                                            db: Session) -> None:
    scenario(db)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    use_smtp(app, port)
    sign_in(client, owner)
    client.post("/digest/send-now", data={"week": "2026-10-05"})
    assert run_pending(app, "worker") == 1
    [send] = _sends(db)
    assert send.status == "failed" and send.error and f"SMTP 127.0.0.1:{port}:" in send.error
    html = client.get(f"/digest/sends/{send.id}").get_data(as_text=True)
    assert f"The copy to {owner.email} failed." in html and "hx-trigger" not in html


def test_the_worker_command_sends_queued_emails(app: Flask, client: FlaskClient, owner: User,
                                                db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    sign_in(client, owner).post("/digest/send-now", data={"week": "2026-10-05"})
    result = app.test_cli_runner().invoke(args=["worker", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 queued weekly emails." in result.output
    assert len(smtp.inbox.received) == 1


def test_only_owners_see_a_sends_status(client: FlaskClient, owner: User, viewer: User,
                                        db: Session) -> None:
    send = DigestSend(kind="copy", week=WEEK, recipient=owner.email)
    db.add(send)
    db.commit()
    sign_in(client, viewer)
    assert client.get(f"/digest/sends/{send.id}").status_code == 403
    assert owner.email not in client.get(f"/digest/?send={send.id}").get_data(as_text=True)
    assert sign_in(client, owner).get("/digest/sends/999").status_code == 404


def test_a_malformed_send_argument_is_ignored(client: FlaskClient, owner: User,
                                              db: Session) -> None:
    sign_in(client, owner)
    for value in ("x", "²", "99999999999999999999", "-1", ""):
        response = client.get("/digest/", query_string={"send": value})
        assert response.status_code == 200, value
        assert 'id="digest-send"' not in response.get_data(as_text=True)
