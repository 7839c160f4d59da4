"""Small builders for test data; each commits so the app under test sees it."""

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.accounts.security import hash_password
from app.models import Channel, Lead, Purchase, User, WeeklySpend
from experiments.models import Experiment
from kernel.weeks import week_of

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_hash = hash_password(PASSWORD)


def user(db: Session, *, role: str = "editor", email: str | None = None) -> User:
    """Create a user whose password is PASSWORD."""
    row = User(email=email or f"user{next(_seq)}@example.com", password_hash=_hash, role=role)
    db.add(row)
    db.commit()
    return row


def channel(db: Session, **fields: Any) -> Channel:
    """Create a channel (defaults: an SEM channel in the middle ring, testing)."""
    values: dict[str, Any] = {
        "name": f"Channel {next(_seq)}",
        "kind": "sem",
        "ring": "middle",
        "status": "testing",
    }
    row = Channel(**(values | fields))
    db.add(row)
    db.commit()
    return row


def channel_test(db: Session, **fields: Any) -> Experiment:
    """Create a channel test (defaults: running since 6 May 2024, for two weeks)."""
    values: dict[str, Any] = {"name": f"Test {next(_seq)}", "start_date": date(2024, 5, 6),
                              "end_date": date(2024, 5, 19), "status": "running"}
    row = Experiment(**(values | fields))
    db.add(row)
    db.commit()
    return row


def spend(db: Session, ch: Channel, week: date, amount_minor: int, **fields: Any) -> WeeklySpend:
    """Record spend for the week containing `week`."""
    assert ch.id is not None
    row = WeeklySpend(channel_id=ch.id, week=week_of(week), amount_minor=amount_minor, **fields)
    db.add(row)
    db.commit()
    return row


def lead(db: Session, ch: Channel, created: datetime | date, **fields: Any) -> Lead:
    """Create a lead on `ch` created at `created` (UTC; a date means midnight)."""
    assert ch.id is not None
    if not isinstance(created, datetime):
        created = datetime(created.year, created.month, created.day, tzinfo=UTC)
    row = Lead(
        external_id=fields.pop("external_id", f"lead-{next(_seq)}"),
        channel_id=ch.id,
        created_at=created,
        cohort_week=week_of(created.date()),
        **fields,
    )
    db.add(row)
    db.commit()
    return row


def purchase(db: Session, ld: Lead, at: datetime | date, amount_minor: int) -> Purchase:
    """Create a purchase by `ld` at `at` (UTC; a date means noon)."""
    assert ld.id is not None
    if not isinstance(at, datetime):
        at = datetime(at.year, at.month, at.day, 12, tzinfo=UTC)
    row = Purchase(
        external_id=f"purchase-{next(_seq)}",
        lead_id=ld.id,
        purchased_at=at,
        purchased_on=at.date(),
        amount_minor=amount_minor,
    )
    db.add(row)
    db.commit()
    return row


def referrals_history(db: Session, ch: Channel, monday: date) -> None:
    """Add the hand-checked two-cohort history several tests compute by hand.

    Week 0: spend 100.00, leads a, b, c; a buys 60.00 (age 0), 30.00 (age 2), refund 10.00
    (age 2); b buys 40.00 (age 1). Week 1: spend 50.00, lead d buys 20.00 (age 0).
    """
    spend(db, ch, monday, 10000)
    spend(db, ch, monday + timedelta(7), 5000)
    a, b = lead(db, ch, monday), lead(db, ch, monday + timedelta(3))
    lead(db, ch, monday + timedelta(6))
    d = lead(db, ch, monday + timedelta(8))
    purchase(db, a, monday + timedelta(1), 6000)
    purchase(db, a, monday + timedelta(15), 3000)
    purchase(db, a, monday + timedelta(16), -1000)
    purchase(db, b, monday + timedelta(9), 4000)
    purchase(db, d, monday + timedelta(10), 2000)


def weekly_cohorts(db: Session, ch: Channel, monday: date, buyers: Sequence[int], leads: int,
                   *, spend_by_week: Sequence[int] | None = None, tag: str = "") -> None:
    """Add `leads` leads at 09:00 UTC on each Monday from `monday`; the first buyers[w] of
    week w buy 300.00 three days later; spend_by_week[w] (minor units) is stored if given."""
    for w, k in enumerate(buyers):
        week = monday + timedelta(weeks=w)
        if spend_by_week is not None:
            spend(db, ch, week, spend_by_week[w])
        rows = [Lead(external_id=f"{ch.name}{tag}-{w}-{i}", channel_id=ch.id or 0,
                     created_at=datetime(week.year, week.month, week.day, 9, tzinfo=UTC),
                     cohort_week=week) for i in range(leads)]
        db.add_all(rows)
        db.flush()
        db.add_all([Purchase(external_id=f"p-{lead.external_id}", lead_id=lead.id or 0,
                             purchased_at=lead.created_at + timedelta(days=3),
                             purchased_on=week + timedelta(days=3), amount_minor=30_000)
                    for lead in rows[:k]])
    db.commit()


def stored_settings(db: Session) -> dict[str, Any]:
    """Return every editable setting as stored now (read afresh)."""
    from app.jobs.settings_change import stored_values
    from app.models import Settings

    db.expire_all()
    row = db.get(Settings, 1)
    assert row is not None
    return stored_values(row)
