"""`flask demo`: a deterministic, consistent demo dataset whose built-in economics are visible."""

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from sqlmodel import Session, col, select

from app.accounts.security import verify_password
from app.accounts.users import create_token
from app.models import (
    ApiToken,
    Channel,
    ChannelHistory,
    Experiment,
    Goal,
    Lead,
    Purchase,
    User,
    WeeklySpend,
)
from demo.generator import (
    BURNOUT_CHANNEL,
    CHEAP_CHANNEL,
    EXPENSIVE_CHANNEL,
    SATURATION_CHANNEL,
    SMALL_CHANNEL,
    generate,
)
from kernel.vocabulary import CHANNEL_KINDS, GRADES, STAGES
from kernel.weeks import local_date, week_of
from tests import factories

END = date(2025, 6, 29)
SMALL_RUN = ["--leads", "2000", "--weeks", "26", "--end", END.isoformat()]
ECONOMICS_RUN = ["--leads", "10000", "--weeks", "52", "--end", END.isoformat()]


def demo(app: Flask, *args: str) -> Result:
    """Run `flask demo` with `args` and return the click result."""
    return app.test_cli_runner().invoke(args=["demo", *args])


def loaded(app: Flask, *args: str) -> Result:
    """Run `flask demo` and assert that it succeeded."""
    result = demo(app, *args)
    assert result.exit_code == 0, result.output
    return result


def snapshot(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Return every demo row keyed by natural keys (ids differ between backends and runs)."""
    db.expire_all()
    queries = {
        "channel": "SELECT name, kind, ring, status, launch_days, ice_impact, created_at "
        "FROM channel ORDER BY name",
        "history": "SELECT c.name, h.changed_at, h.ring, h.status FROM channel_history h "
        "JOIN channel c ON c.id = h.channel_id ORDER BY c.name, h.changed_at",
        "spend": "SELECT c.name, s.week, s.amount_minor, s.impressions, s.clicks "
        "FROM weekly_spend s JOIN channel c ON c.id = s.channel_id ORDER BY c.name, s.week",
        "lead": "SELECT l.external_id, c.name, e.name, l.created_at, l.cohort_week, l.stage, "
        "l.grade, l.attributes FROM lead l JOIN channel c ON c.id = l.channel_id "
        "LEFT JOIN experiment e ON e.id = l.experiment_id ORDER BY l.external_id",
        "purchase": "SELECT p.external_id, l.external_id, p.purchased_at, p.purchased_on, "
        "p.amount_minor FROM purchase p JOIN lead l ON l.id = p.lead_id ORDER BY p.external_id",
        "goal": "SELECT g.month, c.name, g.leads, g.new_customers, g.revenue_minor, "
        "g.max_cac_minor FROM goal g LEFT JOIN channel c ON c.id = g.channel_id "
        "ORDER BY g.month, c.name",
    }
    return {key: [tuple(row) for row in db.execute(sa.text(sql))] for key, sql in queries.items()}


def test_same_seed_gives_identical_rows_and_another_seed_differs(app: Flask, db: Session) -> None:
    loaded(app, *SMALL_RUN)
    first = snapshot(db)
    loaded(app, *SMALL_RUN, "--replace")
    assert snapshot(db) == first
    loaded(app, *SMALL_RUN, "--replace", "--seed", "8")
    other = snapshot(db)
    assert other["channel"] == first["channel"]
    assert other["lead"] != first["lead"]
    assert other["purchase"] != first["purchase"]
    assert other["spend"] != first["spend"]


def test_channels_spend_and_experiments_are_complete(app: Flask, db: Session) -> None:
    loaded(app, *SMALL_RUN)
    channels = db.exec(select(Channel)).all()
    assert len(channels) >= 12
    assert len({c.kind for c in channels}) >= 6
    assert {c.kind for c in channels} <= set(CHANNEL_KINDS)
    assert all(c.launch_days is not None and c.ice_impact is not None for c in channels)
    by_id = {c.id: c for c in channels}
    history: dict[int, list[ChannelHistory]] = defaultdict(list)
    for row in db.exec(select(ChannelHistory).order_by(col(ChannelHistory.changed_at))):
        history[row.channel_id].append(row)
    for channel in channels:
        assert channel.id is not None
        last = history[channel.id][-1]
        assert (last.ring, last.status) == (channel.ring, channel.status)
    spend = db.exec(select(WeeklySpend)).all()
    weeks_by_channel: dict[str, set[date]] = defaultdict(set)
    for week in spend:
        weeks_by_channel[by_id[week.channel_id].name].add(week.week)
        assert week.week.weekday() == 0 and week.amount_minor >= 0
        is_ad = by_id[week.channel_id].kind in ("sem", "social_display_ads")
        assert (week.clicks is not None and week.impressions is not None) == is_ad
        if week.clicks is not None and week.impressions is not None:
            assert 0 < week.clicks < week.impressions
    assert len(weeks_by_channel["Google Ads — long tail"]) == 26
    assert max(weeks_by_channel[BURNOUT_CHANNEL]) == week_of(END)
    experiments = db.exec(select(Experiment)).all()
    assert len(experiments) >= 3
    assigned = [lead for lead in db.exec(select(Lead)) if lead.experiment_id is not None]
    assert assigned
    by_experiment = {e.id: e for e in experiments}
    for lead in assigned:
        experiment = by_experiment[lead.experiment_id]
        assert lead.channel_id == experiment.channel_id
        assert experiment.start_date <= lead.created_at.date()
    assert db.exec(select(Goal)).all()


def test_leads_and_purchases_are_consistent(app: Flask, db: Session) -> None:
    result = loaded(app, *SMALL_RUN)
    assert "2,000 lead rows written" in result.output
    leads = {lead.id: lead for lead in db.exec(select(Lead))}
    purchases = db.exec(select(Purchase).order_by(col(Purchase.purchased_at))).all()
    assert len(leads) == 2000
    assert 0.15 <= len(purchases) / len(leads) <= 0.6
    assert len({lead.external_id for lead in leads.values()}) == 2000
    paid: dict[int, int] = defaultdict(int)
    refunds = 0
    for purchase in purchases:
        lead = leads[purchase.lead_id]
        assert purchase.purchased_at > lead.created_at
        assert purchase.purchased_on <= END
        assert purchase.purchased_on == purchase.purchased_at.date()
        paid[purchase.lead_id] += purchase.amount_minor
        assert paid[purchase.lead_id] >= 0, "a refund exceeds what was paid"
        refunds += purchase.amount_minor < 0
    assert refunds > 0
    buyers = set(paid)
    for lead in leads.values():
        assert lead.created_at.date() <= END
        assert lead.cohort_week == week_of(lead.created_at.date())
        assert lead.stage in STAGES and (lead.grade is None or lead.grade in GRADES)
        assert (lead.stage == "customer") == (lead.id in buyers)
        assert set(lead.attributes) == {"industry", "region", "company_size", "role"}
    stages = {lead.stage for lead in leads.values()}
    assert stages == set(STAGES)


def weekly_rows(db: Session) -> dict[str, dict[date, list[int]]]:
    """Return channel name → cohort week → [leads, customers], computed in SQL."""
    sql = sa.text(
        "SELECT c.name, l.cohort_week, COUNT(*), "
        "SUM(CASE WHEN l.stage = 'customer' THEN 1 ELSE 0 END) "
        "FROM lead l JOIN channel c ON c.id = l.channel_id GROUP BY c.name, l.cohort_week"
    )
    table: dict[str, dict[date, list[int]]] = defaultdict(dict)
    for name, week, leads, customers in db.execute(sql):
        week = week if isinstance(week, date) else date.fromisoformat(week)
        table[name][week] = [int(leads), int(customers)]
    return table


def conversion(weeks: dict[date, list[int]], chosen: list[date]) -> float:
    """Return customers / leads over the `chosen` cohort weeks."""
    return sum(weeks[w][1] for w in chosen) / sum(weeks[w][0] for w in chosen)


def channel_money(db: Session, name: str) -> tuple[int, int, int]:
    """Return (revenue, customers, customers with 2+ payments) of channel `name`."""
    sql = sa.text(
        "SELECT l.id, SUM(p.amount_minor), SUM(CASE WHEN p.amount_minor > 0 THEN 1 ELSE 0 END) "
        "FROM purchase p JOIN lead l ON l.id = p.lead_id JOIN channel c ON c.id = l.channel_id "
        "WHERE c.name = :name GROUP BY l.id"
    )
    rows = db.execute(sql, {"name": name}).all()
    return sum(int(r[1]) for r in rows), len(rows), sum(1 for r in rows if r[2] >= 2)


def test_built_in_economics_are_visible(app: Flask, db: Session) -> None:
    loaded(app, *ECONOMICS_RUN)
    table = weekly_rows(db)
    burnout = sorted(table[BURNOUT_CHANNEL])
    assert conversion(table[BURNOUT_CHANNEL], burnout[-12:]) <= 0.5 * conversion(
        table[BURNOUT_CHANNEL], burnout[:12]
    )
    spend = db.execute(
        sa.text(
            "SELECT s.week, s.amount_minor FROM weekly_spend s JOIN channel c "
            "ON c.id = s.channel_id WHERE c.name = :name"
        ),
        {"name": SATURATION_CHANNEL},
    ).all()
    saturating = table[SATURATION_CHANNEL]
    weeks = [(int(amount), saturating.get(_as_date(week), [0, 0])[1]) for week, amount in spend]
    amounts = np.array([w[0] for w in weeks])
    low, high = np.quantile(amounts, [0.25, 0.75])
    cac_low = sum(a for a, _ in weeks if a <= low) / sum(c for a, c in weeks if a <= low)
    cac_high = sum(a for a, _ in weeks if a >= high) / sum(c for a, c in weeks if a >= high)
    assert cac_high >= 1.5 * cac_low
    expensive_revenue, expensive_customers, _ = channel_money(db, EXPENSIVE_CHANNEL)
    cheap_revenue, cheap_customers, cheap_repeaters = channel_money(db, CHEAP_CHANNEL)
    assert expensive_revenue / expensive_customers >= 3 * cheap_revenue / cheap_customers
    assert cheap_repeaters <= 0.1 * cheap_customers
    rates = {name: conversion(weeks_, list(weeks_)) for name, weeks_ in table.items()}
    assert max(rates, key=rates.__getitem__) == SMALL_CHANNEL
    assert sum(leads for leads, _ in table[SMALL_CHANNEL].values()) <= 0.03 * 10000


def _as_date(value: date | str) -> date:
    """Return a DATE column value as a date (SQLite text or a date)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def test_if_empty_creates_one_owner_once(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8123")
    result = loaded(app, "--if-empty", *SMALL_RUN)
    found = re.findall(
        r"Sign in at http://0\.0\.0\.0:8123 with demo@bullseye\.local / (\S+)", result.output
    )
    assert len(found) == 1
    users = db.exec(select(User)).all()
    assert [(u.email, u.role) for u in users] == [("demo@bullseye.local", "owner")]
    assert verify_password(users[0].password_hash, found[0])
    before = snapshot(db)
    again = loaded(app, "--if-empty", *SMALL_RUN)
    assert "already has data" in again.output and "Sign in" not in again.output
    assert len(db.exec(select(User)).all()) == 1
    assert snapshot(db) == before


def test_if_empty_skips_a_database_with_users(app: Flask, db: Session) -> None:
    factories.user(db, role="owner")
    result = loaded(app, "--if-empty", *SMALL_RUN)
    assert "already has data" in result.output
    assert db.exec(select(Channel)).all() == []


def test_existing_data_is_kept_unless_replace(app: Flask, db: Session) -> None:
    loaded(app, *SMALL_RUN)
    owner = factories.user(db, role="owner")
    create_token(db, user=owner, name="ci")
    db.commit()
    before = snapshot(db)
    refused = demo(app, *SMALL_RUN, "--seed", "9")
    assert refused.exit_code != 0
    assert "--replace" in refused.output
    assert snapshot(db) == before
    loaded(app, *SMALL_RUN, "--seed", "9", "--replace")
    assert snapshot(db) != before
    assert len(db.exec(select(Lead)).all()) == 2000
    assert [u.email for u in db.exec(select(User))] == [owner.email]
    assert len(db.exec(select(ApiToken)).all()) == 1


def test_end_in_the_future_is_refused(app: Flask, db: Session) -> None:
    result = demo(app, "--leads", "10", "--end", "2999-01-01")
    assert result.exit_code != 0 and "--end" in result.output
    assert db.exec(select(Channel)).all() == []


def test_generator_follows_the_time_zone_and_week_start() -> None:
    data = generate(
        leads=3000,
        seed=3,
        weeks=20,
        end=date(2025, 3, 30),
        timezone="America/New_York",
        week_start=6,
    )
    created = [datetime.fromisoformat(str(t)).replace(tzinfo=UTC) for t in data.lead_created_at]
    local_days = [local_date(moment, "America/New_York") for moment in created]
    weeks = [date.fromisoformat(str(w)) for w in data.lead_cohort_week]
    assert weeks == [week_of(day, 6) for day in local_days]
    assert all(w.weekday() == 6 for w in weeks)
    bought = [datetime.fromisoformat(str(t)).replace(tzinfo=UTC) for t in data.purchased_at]
    on = [date.fromisoformat(str(d)) for d in data.purchased_on]
    assert on == [local_date(moment, "America/New_York") for moment in bought]
    assert all(bought[i] > created[int(j)] for i, j in enumerate(data.purchase_lead))
    assert max(on) <= date(2025, 3, 30)
    assert int(data.lead_channel.size) == 3000


def test_default_calendar_ends_in_the_running_week(app: Flask, db: Session) -> None:
    loaded(app, "--leads", "300", "--weeks", "8")
    today = local_date(datetime.now(UTC), "UTC")
    last_spend = db.exec(select(sa.func.max(WeeklySpend.week))).one()
    assert last_spend == week_of(today, 0)
    running = db.exec(select(WeeklySpend).where(WeeklySpend.week == last_spend)).all()
    assert running and all(row.amount_minor > 0 for row in running)
