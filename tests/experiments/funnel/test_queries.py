"""The funnel as of a date on hand-made stage histories, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from app.models import Channel, Lead, LeadStageChange
from cohorts.as_of import AsOf
from experiments.funnel.queries import funnel_data, quarterly_cycle_rows
from experiments.funnel.report import funnel_report
from experiments.funnel.stages import funnel
from tests import factories as f


def _at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC)


def _moves(db: Session, lead: Lead, *moves: tuple[datetime | None, str]) -> None:
    """Store a lead's stage history: (time or None for "since creation", stage)."""
    assert lead.id is not None
    for at, stage in moves:
        db.add(LeadStageChange(lead_id=lead.id, changed_at=at, stage=stage, grade=lead.grade))
    lead.stage = moves[-1][1]
    db.add(lead)
    db.commit()


def funnel_history(db: Session) -> tuple[Channel, Channel]:
    """Two channels: A with four leads moving through the funnel in March 2026, B with one."""
    a, b = f.channel(db), f.channel(db)
    for monday in (date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)):
        f.spend(db, a, monday, 30000)
    f.spend(db, a, date(2026, 4, 6), 50000)  # after the as-of dates
    one = f.lead(db, a, _at(3, 2), grade="hot")
    _moves(db, one, (None, "inquiry"), (_at(3, 5), "lead"), (_at(3, 12), "sales_ready"),
           (_at(3, 20), "opportunity"))
    f.purchase(db, one, date(2026, 3, 30), 100000)  # noon: 10.5 days after the opportunity
    two = f.lead(db, a, _at(3, 3), grade="warm")
    _moves(db, two, (None, "inquiry"), (_at(3, 10), "lead"), (_at(3, 17), "lost"))
    f.lead(db, a, _at(3, 4), stage="lead")  # stored without history: "lead" since creation
    four = f.lead(db, a, _at(3, 9), grade="hot")
    _moves(db, four, (None, "sales_ready"), (_at(3, 25), "lost"))
    f.lead(db, a, _at(4, 2), stage="customer")  # created after the as-of dates
    six = f.lead(db, b, _at(3, 2))
    _moves(db, six, (None, "lost"))
    return a, b


def _stages(db: Session, day: date, channel: Channel) -> dict[str, tuple[int, ...]]:
    assert channel.id is not None
    data = funnel_data(session=db, as_of=AsOf(day), channel_ids=[channel.id])
    return {s.stage: (s.reached, s.lost, s.cost_minor, s.median_days, s.stays)
            for s in funnel(data.counts[channel.id])}  # type: ignore[misc]


def test_funnel_at_month_end_counts_reached_lost_costs_and_days(db: Session) -> None:
    a, _b = funnel_history(db)
    # spend 3 × 300.00 = 90,000 minor; days: inquiry 3 and 7, lead 7 and 7,
    # sales-ready 8 and 16, opportunity 10 (floor of 10.5)
    assert _stages(db, date(2026, 3, 31), a) == {
        "inquiry": (4, 0, 22500, 5.0, 2),
        "lead": (4, 1, 22500, 7.0, 2),
        "sales_ready": (2, 1, 45000, 12.0, 2),
        "opportunity": (1, 0, 90000, 10.0, 1),
        "customer": (1, 0, 90000, None, 0),
    }


def test_as_of_rule_counts_each_lead_at_the_stage_it_had_then(db: Session) -> None:
    a, _b = funnel_history(db)
    # 15 March: nobody lost yet, nobody past sales-ready, two weeks of spend (60,000)
    assert _stages(db, date(2026, 3, 15), a) == {
        "inquiry": (4, 0, 15000, 5.0, 2),
        "lead": (4, 0, 15000, 7.0, 1),
        "sales_ready": (2, 0, 30000, None, 0),
        "opportunity": (0, 0, None, None, 0),
        "customer": (0, 0, None, None, 0),
    }


def test_conversions_grades_and_overall_sum_channels(db: Session) -> None:
    a, b = funnel_history(db)
    assert a.id is not None and b.id is not None
    data = funnel_data(session=db, as_of=AsOf(date(2026, 3, 31)))
    report = funnel_report(data, [], min_leads=1, min_customers=1)
    assert [s.reached for s in report.stages] == [5, 4, 2, 1, 1]
    assert [s.lost for s in report.stages] == [1, 1, 1, 0, 0]  # B's lead: lost at inquiry
    assert [s.conversion for s in report.stages] == [4 / 5, 2 / 4, 1 / 2, 1 / 1, None]
    assert data.grade_leads[a.id] == {"hot": 2, "warm": 1, "future": 0}
    assert data.grade_customers[a.id] == {"hot": 1, "warm": 0, "future": 0}
    assert report.stages[0].cost_minor == 18000  # 90,000 over 5 inquiries


def test_quarterly_sales_cycle_rows(db: Session) -> None:
    a, _b = funnel_history(db)
    january = f.lead(db, a, _at(1, 5))
    f.purchase(db, january, date(2026, 1, 25), 100)  # 20 days, cohort 2026 Q1
    rows = quarterly_cycle_rows(session=db, as_of=AsOf(date(2026, 3, 31)))
    # 2026 Q1 = 2026 × 4 + 0; the March customer bought after 28 days (noon: floor 28)
    assert sorted(rows) == [(8104, 20, 1), (8104, 28, 1)]


@pytest.mark.parametrize("day", [date(2026, 2, 28), date(2000, 1, 1)])
def test_a_date_before_any_lead_gives_an_empty_funnel(db: Session, day: date) -> None:
    funnel_history(db)
    data = funnel_data(session=db, as_of=AsOf(day))
    assert all(counts.furthest.sum() == 0 for counts in data.counts.values())
