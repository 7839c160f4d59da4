"""SMTP settings from the environment: sign-in, and refusing unknown security modes."""

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.digest.mail import MailError, compose, send_once, smtp_config
from tests.digest_support import Inbox, SmtpServer, free_port


def _authenticator(server: object, session: object, envelope: object, mechanism: str,
                   auth_data: object) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"bullseye"
          and auth_data.password == b"s3cret")
    return AuthResult(success=ok)


def _message() -> object:
    return compose(subject="s", html="<p>h</p>", text="t", sender="a@example.com",
                   recipients=["b@example.com"])


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_signs_in_with_username_and_password() -> None:
    server = SmtpServer(free_port(), Inbox(), options={
        "authenticator": _authenticator, "auth_required": True, "auth_require_tls": False})
    server.start()
    try:
        settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port,
                    "SMTP_USERNAME": "bullseye", "SMTP_PASSWORD": "s3cret", "SMTP_TIMEOUT": 2}
        send_once(smtp_config(settings), _message())  # type: ignore[arg-type]
        assert len(server.inbox.received) == 1
        with pytest.raises(MailError, match="SMTP 127.0.0.1"):
            send_once(smtp_config(settings | {"SMTP_PASSWORD": "wrong"}), _message())  # type: ignore[arg-type]
        with pytest.raises(MailError):  # the server requires a sign-in
            send_once(smtp_config(settings | {"SMTP_USERNAME": ""}), _message())  # type: ignore[arg-type]
    finally:
        server.stop()
    assert len(server.inbox.received) == 1


def test_config_defaults_and_bad_values() -> None:
    assert smtp_config({}).port == 25 and smtp_config({}).host == ""
    assert smtp_config({"SMTP_SECURITY": "ssl"}).port == 465
    assert smtp_config({"SMTP_SECURITY": "STARTTLS"}).port == 587
    with pytest.raises(MailError, match="none, starttls, ssl"):
        smtp_config({"SMTP_SECURITY": "tls"})
    with pytest.raises(MailError, match="SMTP_HOST is not set"):
        send_once(smtp_config({}), _message())  # type: ignore[arg-type]
