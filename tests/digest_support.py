"""The weekly email's test scenario (numbers computed by hand) and a real SMTP server."""

import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlmodel import Session, select

from app.models import Channel, Goal
from tests import factories

WEEK = date(2026, 10, 5)  # the digest's week (Monday); as of Sunday 2026-10-11
AS_OF = WEEK + timedelta(days=6)
RECIPIENTS = ["founder@example.com", "growth@example.com"]


def scenario(db: Session) -> None:
    """Store two channels whose weekly totals the tests check by hand.

    Referrals (inner ring, focus): 10 leads every Monday from 2026-09-07 to 2026-10-05,
    buyers 1, 2, 0, 3, 2 (300.00 each, three days later), spend 100.00 … 500.00.
    Ads: 5 leads on 2026-09-28 and 2026-10-05, one buyer each, spend 50.00 each week.
    Week of 2026-10-05: spend 550.00, leads 15, customers 3, revenue 900.00, CAC 183.33.
    Previous week: 450.00, 15, 4, 1,200.00, CAC 112.50 (so CAC +63 %).
    4 weeks before: spend 262.50, leads 11.25, customers 1.75, revenue 525.00 a week, CAC
    150.00. A lead of the next week buys too: no number of the week may include it.
    A goal for October 2026 (all channels): 100 leads, 10 customers, 1,000.00, CAC ≤ 200.00.
    """
    referrals = factories.channel(db, name="Referrals", ring="inner", status="focus")
    ads = factories.channel(db, name="Ads")
    factories.weekly_cohorts(db, referrals, date(2026, 9, 7), [1, 2, 0, 3, 2], 10,
                             spend_by_week=[10_000, 20_000, 30_000, 40_000, 50_000])
    factories.weekly_cohorts(db, ads, date(2026, 9, 28), [1, 1], 5,
                             spend_by_week=[5_000, 5_000])
    later = factories.lead(db, referrals, datetime(2026, 10, 13, 9, tzinfo=UTC))
    factories.purchase(db, later, datetime(2026, 10, 14, 9, tzinfo=UTC), 77_700)
    db.add(Goal(month=date(2026, 10, 1), leads=100, new_customers=10, revenue_minor=100_000,
                max_cac_minor=20_000))
    db.commit()


# The week of 2026-09-28 ends on 2026-10-04: September is over (final), October under way.
GOALS_WEEK = date(2026, 9, 28)
ALL_KINDS = {"inquiries": 40, "leads": 30, "sales_ready_leads": 5, "new_customers": 4,
             "revenue_minor": 100_000, "max_cac_minor": 20_000, "max_cpl_minor": 4_000,
             "min_conversion_bp": 1_500}  # fmt: skip


def goals_scenario(db: Session) -> None:
    """The scenario with, instead of its goal, one of every kind for September and October
    2026, overall and for Ads."""
    scenario(db)
    ads = db.exec(select(Channel).where(Channel.name == "Ads")).one()
    for goal in db.exec(select(Goal)).all():
        db.delete(goal)
    db.flush()
    for month in (date(2026, 9, 1), date(2026, 10, 1)):
        for channel_id in (None, ads.id):
            db.add(Goal(month=month, channel_id=channel_id, **ALL_KINDS))
    db.commit()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Inbox:
    """What a local SMTP server received: (envelope recipients, parsed message) pairs."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """A running aiosmtpd server on 127.0.0.1 and its inbox."""

    port: int
    inbox: Inbox
    controller: Controller | None = None
    options: dict[str, Any] = field(default_factory=dict)  # aiosmtpd SMTP options (auth)

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                     **self.options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def running_smtp() -> Iterator[SmtpServer]:
    """Start a local SMTP server on a free port; stop it afterwards."""
    server = SmtpServer(free_port(), Inbox())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def use_smtp(app: Flask, port: int) -> None:
    """Point `app` at the local SMTP server, with the test recipients and no backoff pause."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none",
                      MAIL_FROM="bullseye@example.com", DIGEST_RECIPIENTS=", ".join(RECIPIENTS),
                      DIGEST_RETRY_SECONDS=0, DIGEST_SMTP_ATTEMPTS=3)


def parts(message: EmailMessage) -> tuple[str, str]:
    """Return the plain-text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None, "both parts must be there"
    return text.get_content(), html.get_content()


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """Start a local SMTP server and point the app at it (import into a conftest to use)."""
    for server in running_smtp():
        use_smtp(app, server.port)
        yield server
