"""STARTTLS and implicit TLS against real aiosmtpd servers with a certificate made here.

The CA is made by trustme for each test; the app trusts it through SMTP_CA_FILE and verifies
the certificate and host name as it does in production. The servers record whether each
sign-in came over TLS, so "the password only travels encrypted" is observed, not assumed.
"""

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from sqlmodel import Session, select

from app.digest.delivery import deliver_week
from app.models import DigestRun
from tests.digest_support import RECIPIENTS, WEEK, Inbox, SmtpServer, free_port, use_smtp

USER, PASSWORD = "mailer", "s3cret-password"


class SignIns:
    """An aiosmtpd authenticator that accepts USER/PASSWORD and records each attempt's
    transport: (mechanism, whether the connection was TLS when the password arrived)."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, bool]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:  # fmt: skip
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.attempts.append((mechanism, tls))
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login, auth_data.password) == (USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok)


@pytest.fixture
def ca(tmp_path: Path) -> tuple[trustme.CA, Path]:
    """A fresh CA and its certificate written as a PEM file."""
    authority = trustme.CA()
    path = tmp_path / "smtp-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, path


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


def _serve(options: dict[str, Any]) -> Iterator[SmtpServer]:
    server = SmtpServer(free_port(), Inbox(), options=options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _configure(app: Flask, server: SmtpServer, security: str, ca_file: Path | None) -> None:
    use_smtp(app, server.port)
    app.config.update(SMTP_SECURITY=security, SMTP_USERNAME=USER, SMTP_PASSWORD=PASSWORD,
                      SMTP_CA_FILE=str(ca_file) if ca_file else "", SMTP_TIMEOUT=10,
                      DIGEST_SMTP_ATTEMPTS=1)


def _run(db: Session) -> DigestRun:
    db.expire_all()
    return db.exec(select(DigestRun).where(DigestRun.week == WEEK)).one()


def test_starttls_upgrades_before_the_password_and_the_message_arrives(
        app: Flask, db: Session, ca: tuple[trustme.CA, Path]) -> None:
    authority, ca_file = ca
    sign_ins = SignIns()
    for server in _serve({"tls_context": _server_context(authority), "require_starttls": True,
                          "authenticator": sign_ins}):
        _configure(app, server, "starttls", ca_file)
        with app.app_context():
            outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
        assert outcome.status == "sent", outcome
        [(envelope_to, message)] = server.inbox.received
        assert sorted(envelope_to) == sorted(RECIPIENTS)
        assert message["Subject"].startswith("Bullseye weekly — week of 2026-10-05")
        assert sign_ins.attempts and all(tls for _mechanism, tls in sign_ins.attempts)
        assert _run(db).status == "sent"


def test_implicit_tls_signs_in_over_tls_and_the_message_arrives(
        app: Flask, db: Session, ca: tuple[trustme.CA, Path]) -> None:
    authority, ca_file = ca
    sign_ins = SignIns()
    # auth_require_tls only knows STARTTLS; the whole connection is TLS here, which the
    # authenticator records itself.
    for server in _serve({"ssl_context": _server_context(authority), "auth_require_tls": False,
                          "authenticator": sign_ins}):
        _configure(app, server, "ssl", ca_file)
        with app.app_context():
            outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
        assert outcome.status == "sent", outcome
        [(envelope_to, _message)] = server.inbox.received
        assert sorted(envelope_to) == sorted(RECIPIENTS)
        assert sign_ins.attempts and all(tls for _mechanism, tls in sign_ins.attempts)


def test_a_server_without_starttls_fails_clearly_before_any_password_is_sent(
        app: Flask, db: Session, ca: tuple[trustme.CA, Path]) -> None:
    _authority, ca_file = ca
    sign_ins = SignIns()
    for server in _serve({"auth_require_tls": False, "authenticator": sign_ins}):  # plain
        _configure(app, server, "starttls", ca_file)
        with app.app_context():
            outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
        assert outcome.status == "failed"
        run = _run(db)
        assert run.status == "failed" and run.attempts == 1
        assert run.error == (f"SMTP 127.0.0.1:{server.port}: SMTP_SECURITY is starttls but "
                             "the server does not offer STARTTLS; nothing was sent")
        assert server.inbox.received == [] and sign_ins.attempts == []


def test_implicit_tls_to_a_plain_server_fails_and_records_the_tls_error(
        app: Flask, db: Session, ca: tuple[trustme.CA, Path]) -> None:
    _authority, ca_file = ca
    sign_ins = SignIns()
    for server in _serve({"auth_require_tls": False, "authenticator": sign_ins}):
        _configure(app, server, "ssl", ca_file)
        with app.app_context():
            outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
        assert outcome.status == "failed"
        run = _run(db)
        assert run.status == "failed"
        assert run.error is not None and run.error.startswith(f"SMTP 127.0.0.1:{server.port}: ")
        assert "SSL" in run.error  # the handshake's own reason (wrong version number)
        assert server.inbox.received == [] and sign_ins.attempts == []


def test_a_certificate_from_an_untrusted_ca_is_refused(
        app: Flask, db: Session, ca: tuple[trustme.CA, Path]) -> None:
    authority, _ca_file = ca
    sign_ins = SignIns()
    for server in _serve({"tls_context": _server_context(authority), "require_starttls": True,
                          "authenticator": sign_ins}):
        _configure(app, server, "starttls", None)  # the system's CAs do not know this one
        with app.app_context():
            outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
        assert outcome.status == "failed"
        run = _run(db)
        assert run.error is not None and "CERTIFICATE_VERIFY_FAILED" in run.error
        assert server.inbox.received == [] and sign_ins.attempts == []


def test_a_starttls_server_never_sees_a_password_sent_without_tls(
        app: Flask, db: Session, ca: tuple[trustme.CA, Path]) -> None:
    authority, ca_file = ca
    sign_ins = SignIns()
    for server in _serve({"tls_context": _server_context(authority), "require_starttls": True,
                          "authenticator": sign_ins}):
        _configure(app, server, "none", ca_file)  # misconfigured: no TLS asked for
        with app.app_context():
            outcome = deliver_week(WEEK, trigger="test", sleep=lambda _s: None)
        assert outcome.status == "failed"
        run = _run(db)
        # the server offers AUTH only after STARTTLS, so the client never sends the password
        assert run.error is not None and "AUTH extension not supported" in run.error
        assert server.inbox.received == [] and sign_ins.attempts == []
