"""The goals of every scope of a request are measured on one pass of the goal-series SQL."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from app.db import get_session
from app.models import Goal
from app.results import goals
from cohorts.as_of import AsOf
from experiments.goals import queries
from tests import factories


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every goal-series computation: one pass for all scopes, or one scope."""
    seen: list[str] = []
    by_scope, single = goals.daily_series_by_scope, queries.daily_series

    def counting_by_scope(**kwargs: Any) -> Any:
        seen.append(f"all from {kwargs['first']}")
        return by_scope(**kwargs)

    def counting_single(**kwargs: Any) -> Any:
        seen.append("one scope")
        return single(**kwargs)

    monkeypatch.setattr(goals, "daily_series_by_scope", counting_by_scope)
    monkeypatch.setattr(queries, "daily_series", counting_single)
    return seen


def test_four_scopes_read_the_series_once_per_as_of_date(
    app: Flask, db: Session, passes: list[str]
) -> None:
    channels = [factories.channel(db) for _ in range(3)]
    for k, ch in enumerate(channels):
        for day in range(1, 15):
            factories.lead(db, ch, datetime(2026, 3, day, 9 + k, tzinfo=UTC))
    for ch in (None, *channels):
        db.add(Goal(month=date(2026, 3, 1), channel_id=None if ch is None else ch.id, leads=40))
    db.add(Goal(month=date(2026, 1, 1), channel_id=channels[0].id, leads=10))  # history
    db.commit()
    with app.test_request_context():
        session = get_session()
        march = goals.goals_progress(session=session, as_of=AsOf(date(2026, 3, 14)))
        assert [(s.channel_id, s.progress[0].actual) for s in march] == [
            (None, 42), *((ch.id, 14) for ch in channels)]  # fmt: skip
        assert passes == [f"all from {date(2026, 3, 14) - timedelta(days=7 * 8 - 1)}"]
        again = goals.goals_progress(session=session, as_of=AsOf(date(2026, 3, 14)))
        assert again == march and len(passes) == 1  # cached for this data version
        goals.goals_progress(session=session, as_of=AsOf(date(2026, 3, 13)))
        assert len(passes) == 2  # a new as-of date: one new pass for all four scopes
        history = goals.goals_history(session=session, as_of=AsOf(date(2026, 3, 14)))
        assert [(s.month, s.channel_id) for s in history] == [(date(2026, 1, 1), channels[0].id)]
        # the history's pass starts on 1 January, before its as-of date 28 Feb − 55 days
        assert passes[2:] == ["all from 2026-01-01"] and "one scope" not in passes
