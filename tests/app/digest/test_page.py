"""The /digest/ page: preview, send now (owners, to themselves), last runs and retry."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.digest.queue import run_pending
from app.models import DigestRun, DigestSend, Settings, User
from tests.conftest import sign_in
from tests.digest_support import WEEK, Inbox, SmtpServer, free_port, parts, scenario, use_smtp


def test_page_frames_the_weeks_email_and_lists_runs(client: FlaskClient, owner: User,
                                                    db: Session, smtp: SmtpServer) -> None:
    scenario(db)
    db.add(DigestRun(week=WEEK, status="failed", trigger="schedule", attempts=4,
                     recipients="founder@example.com", error="SMTP mail.example:25: refused"))
    db.commit()
    page = sign_in(client, owner).get("/digest/?week=2026-10-05").get_data(as_text=True)
    assert '<iframe title="The email of the week of 2026-10-05"' in page
    assert 'src="/digest/preview?week=2026-10-05"' in page
    assert "SMTP mail.example:25: refused" in page and ">Retry</button>" in page
    assert "Send this week&#39;s email to me" in page or "Send this week's email to me" in page
    partial = client.get("/digest/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<section id="digest-runs"')


def test_preview_serves_the_email_itself(client: FlaskClient, owner: User, db: Session) -> None:
    scenario(db)
    sign_in(client, owner)
    html = client.get("/digest/preview?week=2026-10-05")
    text = client.get("/digest/preview?week=2026-10-05&format=text")
    assert html.mimetype == "text/html" and text.mimetype == "text/plain"
    assert "550.00 USD" in html.get_data(as_text=True)
    assert text.get_data(as_text=True).startswith("Subject: Bullseye weekly — week of 2026-10-05")
    assert client.get("/digest/preview?week=2999-01-04").status_code == 400
    bad = client.get("/digest/?week=nonsense").get_data(as_text=True)
    assert "week must be a date like 2026-11-16" in bad


def test_the_email_has_no_script_svg_or_outside_link(app: Flask, client: FlaskClient,
                                                     owner: User, db: Session) -> None:
    scenario(db)
    app.config["BASE_URL"] = "https://bullseye.example.com"
    html = sign_in(client, owner).get("/digest/preview?week=2026-10-05").get_data(as_text=True)
    lowered = html.lower()
    for forbidden in ("<script", "<svg", "<img", "<link", "<style", "@import", "url(",
                      "javascript:", " on" + "click", "src="):
        assert forbidden not in lowered, forbidden
    urls = re.findall(r"(?:https?:)?//[^\s\"'<>]+", html)
    assert urls and all(u.startswith("https://bullseye.example.com/") for u in urls), urls
    assert 'href="https://bullseye.example.com/?as_of=2026-10-11"' in html


def test_send_now_goes_to_the_signed_in_owner_only(app: Flask, client: FlaskClient,
                                                   owner: User, db: Session,
                                                   smtp: SmtpServer) -> None:
    scenario(db)
    response = sign_in(client, owner).post("/digest/send-now", data={"week": "2026-10-05"})
    assert response.status_code == 302
    assert smtp.inbox.received == []  # queued: the worker sends it
    assert run_pending(app, "test-worker") == 1
    [(to, message)] = smtp.inbox.received
    assert to == [owner.email] and message["To"] == owner.email
    assert "550.00 USD" in parts(message)[0]
    assert db.exec(select(DigestRun)).all() == []  # outside the once-a-week rule
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"to {owner.email}" in page


def test_viewers_and_editors_only_look(client: FlaskClient, viewer: User, editor: User,
                                       db: Session, smtp: SmtpServer) -> None:
    run = DigestRun(week=WEEK, status="failed", error="refused")
    db.add(run)
    db.commit()
    for user in (viewer, editor):
        sign_in(client, user)
        page = client.get("/digest/").get_data(as_text=True)
        assert "refused" in page and "Retry</button>" not in page and "send-now" not in page
        assert client.post("/digest/send-now", data={"week": "2026-10-05"}).status_code == 403
        assert client.post(f"/digest/runs/{run.id}/retry").status_code == 403
    assert smtp.inbox.received == []
    db.refresh(run)
    assert run.status == "failed"


def test_retry_sends_a_failed_week_when_smtp_is_back(app: Flask, client: FlaskClient,
                                                      owner: User, db: Session) -> None:
    port = free_port()
    use_smtp(app, port)
    sign_in(client, owner)
    db.add(DigestRun(week=WEEK, status="sent"))
    db.commit()
    sent = db.exec(select(DigestRun)).one()
    assert client.post(f"/digest/runs/{sent.id}/retry").status_code == 409
    db.delete(sent)
    db.commit()
    with app.app_context():
        from app.digest.delivery import deliver_week

        assert deliver_week(WEEK, trigger="schedule").status == "failed"  # SMTP down
    run = db.exec(select(DigestRun)).one()
    response = client.post(f"/digest/runs/{run.id}/retry", follow_redirects=True)
    assert "is queued" in response.get_data(as_text=True)  # answered before any SMTP
    server = SmtpServer(port, Inbox())
    server.start()
    try:
        assert run_pending(app, "test-worker") == 1
    finally:
        server.stop()
    send = db.exec(select(DigestSend)).one()
    send_page = client.get(f"/digest/sends/{send.id}").get_data(as_text=True)
    assert "Sent the email of the week of 2026-10-05" in send_page
    assert len(server.inbox.received) == 1
    db.refresh(run)
    assert (run.status, run.trigger) == ("sent", "retry")
    assert client.post("/digest/runs/999/retry").status_code == 404


def test_page_shows_the_next_send_in_local_time(client: FlaskClient, owner: User,
                                                db: Session) -> None:
    settings = db.get(Settings, 1)
    assert settings is not None
    settings.timezone, settings.digest_weekday, settings.digest_time = "Asia/Tokyo", 2, "07:15"
    db.add(settings)
    db.commit()
    page = sign_in(client, owner).get("/digest/").get_data(as_text=True)
    shown = re.search(r'<span id="next-run">(.*?)</span>', page)
    assert shown and re.fullmatch(r"Wednesday \d{4}-\d\d-\d\d 07:15 JST", shown.group(1))
    settings.digest_enabled = False
    db.add(settings)
    db.commit()
    assert "Switched off in the settings" in client.get("/digest/").get_data(as_text=True)
