"""Channel queries against a real database (SQLite and PostgreSQL), with hand-computed values."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.models import Channel, ChannelHistory, User, WeeklySpend
from channels import queries
from channels.forms import ChannelInput, SpendInput
from channels.queries import KeyNumbers
from tests import factories

AS_OF = date(2026, 2, 1)


def _world(db: Session) -> dict[str, Channel]:
    """Three channels: one with spend and refunds, one without spend, one without anything."""
    alpha = factories.channel(db, name="Alpha", ring="inner", status="focus")
    beta = factories.channel(db, name="beta", ring="outer", status="idea", kind="seo")
    gamma = factories.channel(db, name="Gamma", ring="middle")
    factories.spend(db, alpha, date(2026, 1, 5), 100_000)
    factories.spend(db, alpha, date(2026, 1, 12), 50_050)
    factories.spend(db, alpha, date(2026, 2, 9), 70_000)  # after AS_OF
    buyer = factories.lead(db, alpha, date(2026, 1, 6))
    factories.purchase(db, buyer, date(2026, 1, 8), 30_000)
    factories.purchase(db, buyer, date(2026, 1, 20), 20_000)
    factories.purchase(db, buyer, date(2026, 1, 25), -5_000)  # refund
    second = factories.lead(db, alpha, date(2026, 1, 7))
    factories.purchase(db, second, date(2026, 1, 9), 10_000)
    late_buyer = factories.lead(db, alpha, date(2026, 1, 13))  # buys only after AS_OF
    factories.purchase(db, late_buyer, date(2026, 3, 1), 99_999)
    factories.lead(db, alpha, date(2026, 2, 10))  # created after AS_OF
    organic = factories.lead(db, beta, date(2026, 1, 20))
    factories.purchase(db, organic, date(2026, 1, 21), 9_900)
    return {"alpha": alpha, "beta": beta, "gamma": gamma}


def test_key_numbers_per_channel_as_of_a_date(db: Session) -> None:
    world = _world(db)
    numbers = queries.key_numbers(session=db, as_of=AS_OF)
    alpha = numbers[world["alpha"].id or 0]
    # leads: 3 created by Feb 1; customers: 2 bought by Feb 1; revenue 300 + 200 − 50 + 100.
    assert alpha == KeyNumbers(
        spend_minor=150_050, spend_weeks=2, leads=3, customers=2, revenue_minor=55_000
    )
    assert alpha.cac_minor == 75_025  # 1,500.50 / 2
    assert alpha.cpl_minor == 50_017  # 1,500.50 / 3 = 500.1666… → 500.17
    assert alpha.conversion == 2 / 3
    beta = numbers[world["beta"].id or 0]
    assert beta == KeyNumbers(
        spend_minor=0, spend_weeks=0, leads=1, customers=1, revenue_minor=9_900
    )
    assert beta.cac_minor is None  # no spend logged: CAC is unknown, not free
    assert beta.conversion == 1.0
    assert world["gamma"].id not in numbers


def test_later_as_of_counts_later_events(db: Session) -> None:
    world = _world(db)
    alpha = queries.key_numbers(session=db, as_of=date(2026, 3, 1))[world["alpha"].id or 0]
    assert alpha == KeyNumbers(
        spend_minor=220_050, spend_weeks=3, leads=4, customers=3, revenue_minor=154_999
    )
    assert alpha.cac_minor == 73_350  # 2,200.50 / 3 = 733.50


def test_as_of_is_a_local_day_in_the_settings_time_zone(db: Session) -> None:
    ch = factories.channel(db)
    # 03:00 UTC on Feb 2 is still Feb 1 (22:00) in New York.
    factories.lead(db, ch, datetime(2026, 2, 2, 3, 0, tzinfo=UTC))
    in_utc = queries.key_numbers(session=db, as_of=AS_OF)
    in_new_york = queries.key_numbers(session=db, as_of=AS_OF, timezone="America/New_York")
    assert ch.id not in in_utc
    assert in_new_york[ch.id or 0].leads == 1


def test_summaries_are_sorted_by_ring_then_name_with_zeroes_for_idle_channels(db: Session) -> None:
    world = _world(db)
    summaries = queries.channel_summaries(session=db, as_of=AS_OF)
    assert [s.name for s in summaries] == ["Alpha", "Gamma", "beta"]
    gamma = summaries[1]
    assert gamma.numbers == KeyNumbers()
    assert (gamma.numbers.cac_minor, gamma.numbers.conversion) == (None, None)
    assert summaries[2].id == world["beta"].id


def test_totals_recompute_ratios_from_sums(db: Session) -> None:
    _world(db)
    totals = queries.total_numbers(queries.channel_summaries(session=db, as_of=AS_OF))
    assert totals == KeyNumbers(
        spend_minor=150_050, spend_weeks=2, leads=4, customers=3, revenue_minor=64_900
    )
    assert totals.cac_minor == 50_017  # 1,500.50 / 3 customers (not a mean of channel CACs)
    assert totals.conversion == 3 / 4


def test_totals_of_nothing_are_zero_with_undefined_ratios() -> None:
    totals = queries.total_numbers([])
    assert totals == KeyNumbers()
    assert (totals.cac_minor, totals.cpl_minor, totals.conversion) == (None, None, None)


@contextmanager
def _count_statements(db: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = db.get_bind()

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_dashboard_query_count_does_not_grow_with_channels(db: Session) -> None:
    _world(db)
    with _count_statements(db) as few:
        queries.channel_summaries(session=db, as_of=AS_OF)
    for i in range(5):
        ch = factories.channel(db, name=f"Extra {i}")
        factories.spend(db, ch, date(2026, 1, 5), 1_000)
        factories.purchase(db, factories.lead(db, ch, date(2026, 1, 5)), date(2026, 1, 6), 500)
    db.expire_all()
    with _count_statements(db) as many:
        summaries = queries.channel_summaries(session=db, as_of=AS_OF)
    assert len(summaries) == 8
    assert len(many) == len(few) == 4  # channels + spend + leads + purchases


def test_channel_numbers_of_one_channel(db: Session) -> None:
    world = _world(db)
    numbers = queries.channel_numbers(session=db, channel_id=world["beta"].id or 0, as_of=AS_OF)
    assert numbers.revenue_minor == 9_900
    gamma = queries.channel_numbers(session=db, channel_id=world["gamma"].id or 0, as_of=AS_OF)
    assert gamma == KeyNumbers()


def test_name_taken_ignores_case_including_non_ascii(db: Session) -> None:
    ch = factories.channel(db, name="Яндекс Директ")
    assert queries.name_taken(session=db, name="яндекс директ")
    assert queries.name_taken(session=db, name="ЯНДЕКС ДИРЕКТ")
    assert not queries.name_taken(session=db, name="яндекс директ", exclude_id=ch.id)
    assert not queries.name_taken(session=db, name="Google Ads")


def _input(**fields: object) -> ChannelInput:
    values: dict[str, object] = {
        "name": "Blog outreach",
        "kind": "targeting_blogs",
        "ring": "outer",
        "status": "idea",
        "launch_days": 10,
        "ice_impact": 5,
        "ice_confidence": 6,
        "ice_ease": 7,
        "notes": "",
    }
    return ChannelInput(**(values | fields))  # type: ignore[arg-type]


def test_create_and_update_write_history_only_on_ring_or_status_change(db: Session) -> None:
    user = factories.user(db, role="editor", email="ed@example.com")
    ch = queries.create_channel(session=db, data=_input(), user_id=user.id)
    db.commit()
    queries.update_channel(session=db, channel=ch, data=_input(notes="renamed"), user_id=user.id)
    db.commit()
    queries.update_channel(session=db, channel=ch, data=_input(ring="middle"), user_id=None)
    db.commit()
    rows = db.exec(select(ChannelHistory).order_by(col(ChannelHistory.id))).all()
    assert [(r.ring, r.status, r.user_id) for r in rows] == [
        ("outer", "idea", user.id),
        ("middle", "idea", None),
    ]
    history = queries.channel_history(session=db, channel_id=ch.id or 0)
    assert [(h.ring, h.user_email) for h in history] == [
        ("middle", None),
        ("outer", "ed@example.com"),
    ]


def test_history_keeps_rows_of_deleted_users(db: Session) -> None:
    user = factories.user(db, role="editor")
    ch = queries.create_channel(session=db, data=_input(), user_id=user.id)
    db.commit()
    db.delete(db.get(User, user.id))
    db.commit()
    history = queries.channel_history(session=db, channel_id=ch.id or 0)
    assert [h.user_email for h in history] == [None]


def test_save_spend_upserts_and_deletes_one_row(db: Session) -> None:
    ch = factories.channel(db)
    week = date(2026, 1, 5)
    cid = ch.id or 0
    queries.save_spend(session=db, channel_id=cid, week=week, data=SpendInput(1_000, 100, 5))
    db.commit()
    queries.save_spend(session=db, channel_id=cid, week=week, data=SpendInput(2_500, None, None))
    db.commit()
    rows = db.exec(select(WeeklySpend)).all()
    assert [(r.week, r.amount_minor, r.impressions, r.clicks) for r in rows] == [
        (week, 2_500, None, None)
    ]
    queries.save_spend(session=db, channel_id=cid, week=week, data=SpendInput(None, None, None))
    db.commit()
    assert db.exec(select(WeeklySpend)).all() == []
    assert queries.spend_total(session=db, channel_id=cid) == 0


def test_spend_grid_shows_recent_weeks_and_older_data(db: Session) -> None:
    ch = factories.channel(db)
    other = factories.channel(db)
    current = date(2026, 6, 1)
    factories.spend(db, ch, current, 1_000, impressions=50, clicks=2)
    factories.spend(db, ch, date(2025, 1, 6), 250)  # long before the window
    factories.spend(db, other, current, 999_999)
    grid = queries.spend_grid(session=db, channel_id=ch.id or 0, current_week=current, weeks=4)
    assert [r.week for r in grid.rows] == [
        current,
        current - timedelta(weeks=1),
        current - timedelta(weeks=2),
        current - timedelta(weeks=3),
        date(2025, 1, 6),
    ]
    assert grid.rows[0] == queries.SpendRow(current, 1_000, 50, 2)
    assert grid.rows[1] == queries.SpendRow(current - timedelta(weeks=1))
    assert grid.total_minor == 1_250
    assert queries.spend_total(session=db, channel_id=ch.id or 0) == 1_250


def test_list_channels_filters_by_ring_and_status(db: Session) -> None:
    _world(db)
    assert [c.name for c in queries.list_channels(session=db, ring="outer")] == ["beta"]
    assert [c.name for c in queries.list_channels(session=db, status="testing")] == ["Gamma"]
    assert queries.list_channels(session=db, ring="inner", status="idea") == []
