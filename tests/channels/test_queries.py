"""Channel queries against a real database (SQLite and PostgreSQL), with hand-computed values."""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from app.models import Channel, ChannelHistory, User, WeeklySpend
from channels import queries
from channels.edits import ReadAt
from channels.inputs import ChannelInput, SpendInput
from tests import factories

AS_OF = date(2026, 2, 1)


def _world(db: Session) -> dict[str, Channel]:
    """Three channels in three rings: one with spend and refunds, one without spend, one idle."""
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


def test_channels_are_sorted_by_ring_then_name(db: Session) -> None:
    _world(db)
    assert [c.name for c in queries.list_channels(session=db)] == ["Alpha", "Gamma", "beta"]


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

    def save(data: SpendInput, read: ReadAt) -> queries.SpendSaved:
        saved = queries.save_spend(
            session=db, channel_id=cid, week=week, data=data, read=read, user_id=None
        )
        db.commit()
        return saved

    assert save(SpendInput(1_000, 100, 5), ReadAt()) == queries.SpendSaved()
    first = {"amount_minor": 1_000, "impressions": 100, "clicks": 5}
    assert save(SpendInput(2_500, None, None), ReadAt(1, first)) == queries.SpendSaved()
    rows = db.exec(select(WeeklySpend)).all()
    assert [(r.week, r.amount_minor, r.impressions, r.clicks, r.version) for r in rows] == [
        (week, 2_500, None, None, 2)
    ]
    second = {"amount_minor": 2_500, "impressions": None, "clicks": None}
    assert save(SpendInput(None, None, None), ReadAt(2, second)) == queries.SpendSaved()
    assert db.exec(select(WeeklySpend)).all() == []
    assert queries.spend_total(session=db, channel_id=cid) == 0


def test_spend_grid_shows_recent_weeks_and_older_data(db: Session) -> None:
    ch = factories.channel(db)
    other = factories.channel(db)
    current = date(2026, 6, 1)
    factories.spend(db, ch, current, 1_000, impressions=50, clicks=2)
    factories.spend(db, ch, date(2025, 1, 6), 250)  # long before the window
    factories.spend(db, other, current, 999_999)
    recent = [current - timedelta(weeks=w) for w in range(4)]
    grid = queries.spend_grid(session=db, channel_id=ch.id or 0, current_week=current, weeks=4)
    assert [r.week for r in grid.rows] == recent and grid.hidden == 1  # the older week hidden
    everything = queries.spend_grid(session=db, channel_id=ch.id or 0, current_week=current,
                                    weeks=4, everything=True)
    assert [r.week for r in everything.rows] == [*recent, date(2025, 1, 6)]
    assert everything.hidden == 0 and everything.total_minor == 1_250
    assert grid.rows[0] == queries.SpendRow(current, 1_000, 50, 2, version=1)
    assert grid.rows[1] == queries.SpendRow(current - timedelta(weeks=1))
    assert grid.total_minor == 1_250
    assert queries.spend_total(session=db, channel_id=ch.id or 0) == 1_250


def test_list_channels_filters_by_ring_and_status(db: Session) -> None:
    _world(db)
    assert [c.name for c in queries.list_channels(session=db, ring="outer")] == ["beta"]
    assert [c.name for c in queries.list_channels(session=db, status="testing")] == ["Gamma"]
    assert queries.list_channels(session=db, ring="inner", status="idea") == []
