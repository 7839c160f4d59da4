"""Segment queries on hand-made leads: pooling, skipping and bounds counted in SQL (issue 12)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

import experiments.segments.insights as segments
import experiments.segments.queries as segment_queries
from app.models import Channel, Lead
from cohorts.queries import AsOf
from experiments.segments.insights import Moments, SegmentRule, SegmentValue, segment_insights
from experiments.segments.limits import SegmentLimits, SkippedAttribute
from experiments.segments.queries import attribute_keys, segment_moments
from kernel.weeks import week_of
from tests import factories

AS_OF = AsOf(day=date(2026, 3, 1))
CREATED = datetime(2026, 1, 5, 9, tzinfo=UTC)
# plan value -> purchases (minor units) of each of its leads; [] = never bought.
PLANS: dict[str, list[list[int]]] = {
    "a": [[1000], [500, 250], [], [], []],
    "b": [[300], [], [], []],
    "c": [[200], [], []],
    "d": [[], []],
    "e": [[700]],
}


def _lead(channel: Channel, key: str, attributes: dict[str, Any]) -> Lead:
    assert channel.id is not None
    return Lead(external_id=key, channel_id=channel.id, created_at=CREATED,
                cohort_week=week_of(CREATED.date()), attributes=attributes)


@pytest.fixture
def plans(db: Session) -> Channel:
    """15 leads with plan a–e and a unique email, 3 rare keys, one lead with no attributes."""
    ads = factories.channel(db, name="Ads")
    n = 0
    for plan, buyers in PLANS.items():
        for amounts in buyers:
            n += 1
            extra = {f"x{n}": "1"} if n <= 3 else {}
            lead = _lead(ads, f"lead-{n}", {"plan": plan, "email": f"{n}@example.com"} | extra)
            db.add(lead)
            db.flush()
            for amount in amounts:
                factories.purchase(db, lead, date(2026, 2, 1), amount)
            if plan == "d":
                factories.purchase(db, lead, date(2026, 3, 5), 9999)  # after the as-of day
    bare = _lead(ads, "lead-bare", {})
    db.add(bare)
    db.flush()
    factories.purchase(db, bare, date(2026, 2, 1), 100)
    db.commit()
    return ads


def test_top_values_and_pooled_other_by_hand(db: Session, plans: Channel) -> None:
    limits = SegmentLimits(top_values=2, max_distinct=10, max_attributes=2)
    values, totals, plan = segment_moments(session=db, as_of=AS_OF, limits=limits)
    # email and plan are on 15 leads each (ties by name), x1–x3 on one: those 3 are not looked at.
    assert plan.compared == ("plan",)
    assert plan.skipped == (SkippedAttribute("email", 15, 15),)
    assert plan.not_looked_at == 3
    assert values == [
        SegmentValue("plan", "a", Moments(5, 2, 1750.0, 1000.0**2 + 750.0**2)),
        SegmentValue("plan", "b", Moments(4, 1, 300.0, 300.0**2)),
        # c, d and e pooled: 3 + 2 + 1 leads; c0 and e0 bought; d's purchase is after as-of.
        SegmentValue("plan", "", Moments(6, 2, 200.0 + 700.0, 200.0**2 + 700.0**2), 3),
    ]
    assert totals == Moments(16, 6, 3050.0, 1000.0**2 + 750.0**2 + 300.0**2 + 200.0**2
                             + 700.0**2 + 100.0**2)


def test_an_attribute_with_few_values_is_not_pooled(db: Session, plans: Channel) -> None:
    limits = SegmentLimits(top_values=5, max_distinct=15, max_attributes=10)
    values, _, plan = segment_moments(session=db, as_of=AS_OF, limits=limits)
    assert plan.compared == ("email", "plan", "x1", "x2", "x3") and not plan.skipped
    assert [v.value for v in values if v.attribute == "plan"] == ["a", "b", "c", "d", "e"]
    emails = [v for v in values if v.attribute == "email"]
    assert len(emails) == 6 and emails[-1].pooled == 10 and emails[-1].moments.leads == 10


@pytest.fixture
def statements(db: Session) -> Iterator[list[str]]:
    """Collect every SQL statement the session's engine runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = db.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def _many_values(db: Session, distinct: int, keys: int) -> None:
    """Add 300 leads whose `source` takes `distinct` values, and a lead with `keys` keys."""
    ads = factories.channel(db, name="Many")
    db.add_all(_lead(ads, f"many-{i}", {"source": f"s{i % distinct}", "tier": str(i % 2)})
               for i in range(300))
    db.add(_lead(ads, "wide", {f"k{i}": "v" for i in range(keys)}))
    db.commit()


@pytest.mark.parametrize(("distinct", "keys"), [(30, 5), (300, 400)])
def test_work_does_not_grow_with_distinct_values_or_keys(
    db: Session, statements: list[str], monkeypatch: pytest.MonkeyPatch,
    distinct: int, keys: int,
) -> None:
    _many_values(db, distinct, keys)
    tests = []
    for name in ("z_test", "exact_test", "fisher_test"):
        original = getattr(segments, name)
        monkeypatch.setattr(segments, name,
                            lambda *a, f=original: tests.append(a) or f(*a))  # type: ignore[misc]
    limits = SegmentLimits(top_values=5, max_distinct=1000, max_attributes=2)
    statements.clear()
    values, totals, plan = segment_moments(session=db, as_of=AS_OF, limits=limits)
    segment_insights(values, totals, SegmentRule())
    # totals, attribute uses, then one query for the values of the compared attributes.
    assert len(statements) == 3 and plan.compared == ("source", "tier")
    assert plan.not_looked_at == keys
    assert len(values) == 5 + 1 + 2 and len(tests) == len(values)


def test_picker_keys_are_the_most_used_limited_in_sql(
    db: Session, plans: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert attribute_keys(session=db) == ["email", "plan", "x1", "x2", "x3"]
    monkeypatch.setattr(segment_queries, "MAX_VALUES", 2)
    assert attribute_keys(session=db) == ["email", "plan"]
