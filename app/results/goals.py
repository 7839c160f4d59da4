"""SMART goals as the pages, the API and the weekly email read them: targets with progress.

The daily series behind them are cached until the data changes; the goals themselves are
read on every call, so a saved goal shows at once.

`goals_progress(session=…, as_of=…)` is what the weekly email calls: the as-of month's goals,
overall and per channel, each target with its actual, projection, interval and status.
"""

from collections.abc import Sequence
from datetime import date, timedelta
from functools import partial

from sqlmodel import Session, col, select

from app.models import Channel, Goal
from app.results.cache import cached
from cohorts.as_of import AsOf
from experiments.goals.progress import ScopeProgress, month_progress
from experiments.goals.projection import WEEKS, month_end
from experiments.goals.queries import daily_series_by_scope, scope_series
from experiments.goals.targets import GOAL_KINDS, GoalInput

HISTORY_MONTHS = 12


def targets_of(goal: Goal) -> dict[str, int]:
    """Return a stored goal's targets (column → value), kinds without a target left out."""
    values = {kind.column: getattr(goal, kind.column) for kind in GOAL_KINDS}
    return {column: int(value) for column, value in values.items() if value is not None}


def _months_before(month: date, count: int) -> date:
    """Return the first day of the month `count` months before `month`."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _progress(session: Session, goals: Sequence[Goal], as_of: AsOf) -> list[ScopeProgress]:
    """Return the progress of `goals`, reading every scope's daily series in one pass.

    The pass starts at the earliest first day any scope needs; it is cached per data version
    and (first day, as-of date), so all scopes of a request share it.
    """
    names = {c.id: c.name for c in session.exec(select(Channel)).all()}
    result: list[ScopeProgress] = []
    scopes = sorted({g.channel_id for g in goals}, key=lambda c: (c is not None, c or 0))
    firsts = {
        channel_id: min(min(g.month for g in goals if g.channel_id == channel_id),
                        as_of.day - timedelta(days=7 * WEEKS - 1))
        for channel_id in scopes
    }  # fmt: skip
    if not firsts:
        return result
    start = min(firsts.values())
    by_scope = cached(("goal_series", start, as_of), partial(
        daily_series_by_scope, session=session, first=start, as_of=as_of), stale=False)
    for channel_id in scopes:
        mine = [g for g in goals if g.channel_id == channel_id]
        series = scope_series(by_scope, channel_id, firsts[channel_id])
        for goal in sorted(mine, key=lambda g: g.month, reverse=True):
            progress = month_progress(targets_of(goal), series, goal.month, as_of.day)
            result.append(ScopeProgress(goal.month, channel_id,
                                        names.get(channel_id, "All channels"), progress))
    return result


def month_goals(session: Session, month: date) -> list[Goal]:
    """Return the goals of `month` (overall first, then by channel id)."""
    rows = session.exec(select(Goal).where(Goal.month == month)).all()
    return sorted(rows, key=lambda g: (g.channel_id is not None, g.channel_id or 0))


def goals_progress(*, session: Session, as_of: AsOf, month: date | None = None
                   ) -> list[ScopeProgress]:
    """Return the progress of the goals of `month` (default: the as-of month) as of `as_of`.

    A month that has not begun on the as-of date is projected whole from the weekday pattern.
    """
    chosen = month or as_of.day.replace(day=1)
    return _progress(session, month_goals(session, chosen), as_of)


def goals_history(*, session: Session, as_of: AsOf) -> list[ScopeProgress]:
    """Return the past months' goals (up to 12 months back) against their final actuals."""
    this_month = as_of.day.replace(day=1)
    start = _months_before(this_month, HISTORY_MONTHS)
    goals = session.exec(select(Goal).where(col(Goal.month) >= start,
                                            col(Goal.month) < this_month)).all()
    if not goals:
        return []
    last = month_end(this_month - timedelta(days=1))
    ended = AsOf(last, as_of.week_start, as_of.timezone, as_of.earliest)
    return _progress(session, goals, ended)


def save_goal(session: Session, data: GoalInput) -> str:
    """Store a goal's targets, replacing the month and scope's stored ones.

    Returns "created", "updated", "deleted" (no target left) or "unchanged"; does not commit.
    """
    query = select(Goal).where(Goal.month == data.month)
    query = query.where(col(Goal.channel_id).is_(None) if data.channel_id is None
                        else Goal.channel_id == data.channel_id)  # fmt: skip
    row = session.exec(query).first()
    if not data.targets:
        if row is not None:
            session.delete(row)
        return "deleted" if row is not None else "unchanged"
    values = {kind.column: data.targets.get(kind.column) for kind in GOAL_KINDS}
    if row is not None and all(getattr(row, k) == v for k, v in values.items()):
        return "unchanged"
    outcome = "updated" if row is not None else "created"
    row = row or Goal(month=data.month, channel_id=data.channel_id)
    for column, value in values.items():
        setattr(row, column, value)
    session.add(row)
    return outcome
