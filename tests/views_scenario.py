"""A hand-checked world for the dashboard, channel and cohort pages (numbers in the tests).

Referrals (inner ring) is the scenario of tests/test_api_metrics.py: week of 5 Jan spend
100.00, leads a, b, c; a buys 60.00 (age 0), 30.00 and a refund of 10.00 (age 2); b buys
40.00 (age 1). Week of 12 Jan: spend 50.00, lead d buys 20.00 (age 0).
Search (middle): week of 5 Jan spend 20.00, two leads, one buys 10.00 at age 0.
Events (middle): week of 12 Jan spend 300.00, one lead buys 400.00 at age 0.
Podcast ads (outer): nothing logged.
"""

from datetime import date, timedelta

from sqlmodel import Session

from tests import factories

MON = date(2026, 1, 5)


def build(db: Session) -> dict[str, int]:
    """Create the world; return channel ids by name."""
    referrals = factories.channel(
        db, name="Referrals", kind="business_development", ring="inner", status="focus"
    )
    search = factories.channel(db, name="Search", kind="sem", ring="middle")
    events = factories.channel(db, name="Events", kind="offline_events", ring="middle")
    podcast = factories.channel(db, name="Podcast ads", kind="offline_ads", ring="outer")
    factories.referrals_history(db, referrals, MON)
    factories.spend(db, search, MON, 2000)
    buyer = factories.lead(db, search, MON + timedelta(1))
    factories.lead(db, search, MON + timedelta(2))
    factories.purchase(db, buyer, MON + timedelta(2), 1000)
    factories.spend(db, events, MON + timedelta(7), 30000)
    visitor = factories.lead(db, events, MON + timedelta(7))
    factories.purchase(db, visitor, MON + timedelta(8), 40000)
    return {c.name: c.id or 0 for c in (referrals, search, events, podcast)}
