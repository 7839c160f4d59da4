"""Comparisons of channel groups are cached until one of those channels' data changes."""

from datetime import date

from flask import Flask
from sqlmodel import Session

from app.results.comparisons import parse_request, run
from app.results.metrics import parse_as_of
from tests import factories

WEEK = date(2025, 9, 1)


def test_a_comparison_is_reused_until_one_of_its_channels_changes(app: Flask, db: Session) -> None:
    a, b, other = (factories.channel(db, name=n) for n in ("A", "B", "Other"))
    for ch, buyers in ((a, 2), (b, 5)):
        for i in range(10):
            lead = factories.lead(db, ch, WEEK)
            if i < buyers:
                factories.purchase(db, lead, WEEK.replace(day=3), 1_000 * (i + 1))

    def comparison() -> object:
        with app.test_request_context():
            as_of = parse_as_of("2025-12-01")
            return run(parse_request(f"channel:{a.id}", f"channel:{b.id}", "revenue_per_lead",
                                     as_of))

    first = comparison()
    factories.lead(db, other, WEEK)  # another channel's write keeps it
    assert comparison() is first
    factories.lead(db, a, WEEK)  # a write to A computes it again, with A's new lead
    again = comparison()
    assert again is not first
    assert again.a.n == 11 and first.a.n == 10  # type: ignore[attr-defined]
