"""SMTP delivery from the environment (stdlib smtplib and email.message)."""

import smtplib
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

SECURITY = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


class MailError(Exception):
    """Mail could not be sent (configuration or SMTP); the message says why."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand messages over; `attempts` tries with `backoff` seconds doubling
    between them (at most `backoff_max`)."""

    host: str
    port: int
    username: str
    password: str
    security: str
    mail_from: str
    ca_file: str = ""  # PEM CA bundle to verify the server's certificate ("": the system's)
    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 30.0
    backoff_max: float = 300.0


def smtp_config(config: Mapping[str, Any]) -> SmtpConfig:
    """Return the SMTP settings of the app config (read from SMTP_* and MAIL_FROM)."""
    security = str(config.get("SMTP_SECURITY") or "none").lower()
    if security not in SECURITY:
        raise MailError(f"SMTP_SECURITY must be one of none, starttls, ssl, not {security!r}")
    port = config.get("SMTP_PORT") or DEFAULT_PORTS[security]
    return SmtpConfig(
        host=str(config.get("SMTP_HOST") or ""), port=int(port),
        username=str(config.get("SMTP_USERNAME") or ""),
        password=str(config.get("SMTP_PASSWORD") or ""), security=security,
        mail_from=str(config.get("MAIL_FROM") or "bullseye@localhost"),
        ca_file=str(config.get("SMTP_CA_FILE") or ""),
        timeout=float(config.get("SMTP_TIMEOUT") or 30),
        attempts=max(int(config.get("DIGEST_SMTP_ATTEMPTS", 4)), 1),
        backoff=float(config.get("DIGEST_RETRY_SECONDS", 30)),
    )


def split_addresses(text: str) -> list[str]:
    """Return the addresses of a comma- or newline-separated list, without blanks."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def compose(*, subject: str, html: str, text: str, sender: str, recipients: Sequence[str],
            message_id: str | None = None) -> EmailMessage:
    """Return a multipart/alternative message: the plain text first, then the HTML."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def tls_context(config: SmtpConfig) -> ssl.SSLContext:
    """Return a verifying TLS context: the system's CAs, or only SMTP_CA_FILE's when set."""
    return ssl.create_default_context(cafile=config.ca_file or None)


def send_once(config: SmtpConfig, message: EmailMessage) -> None:
    """Hand `message` to the SMTP server once; raise MailError with the server's reason.

    With starttls, a server that does not offer STARTTLS fails the attempt before anything
    (the password above all) is sent in plain text.
    """
    if not config.host:
        raise MailError("SMTP_HOST is not set: the email cannot be sent")
    try:
        if config.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=tls_context(config))
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise MailError(f"SMTP {config.host}:{config.port}: SMTP_SECURITY is "
                                    "starttls but the server does not offer STARTTLS; "
                                    "nothing was sent")
                client.starttls(context=tls_context(config))
            if config.username:
                client.login(config.username, config.password)
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP {config.host}:{config.port}: {exc}") from exc


def backoff_delays(config: SmtpConfig) -> list[float]:
    """Return the pauses between attempts: backoff, doubling, at most backoff_max each."""
    return [min(config.backoff * 2**i, config.backoff_max) for i in range(config.attempts - 1)]


def send_with_retries(config: SmtpConfig, message: EmailMessage, *,
                      sleep: Callable[[float], None],
                      before_attempt: Callable[[int], None] | None = None,
                      after_failure: Callable[[int, str], None] | None = None) -> int:
    """Send with bounded backoff; return the attempts used, or raise the last MailError.

    `before_attempt(n)` runs before each attempt (it may raise to stop), `after_failure(n,
    error)` after each failed one.
    """
    delays = backoff_delays(config)
    for attempt in range(1, config.attempts + 1):
        if before_attempt:
            before_attempt(attempt)
        try:
            send_once(config, message)
            return attempt
        except MailError as exc:
            if after_failure:
                after_failure(attempt, str(exc))
            if attempt == config.attempts:
                raise
            sleep(delays[attempt - 1])
    raise AssertionError("unreachable")
