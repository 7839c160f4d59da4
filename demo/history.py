"""The demo dataset's calendar: channel history, experiment dates and monthly goals.

Pure: no database; times are aware UTC datetimes placed in the configured time zone.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from demo import buyers as buyers
from demo import simulation as sim
from demo.catalogue import CHANNELS, EXPENSIVE_CHANNEL, EXPERIMENTS, ExperimentPlan
from experiments.channel_tests.inputs import moved_by


@dataclass(frozen=True)
class HistoryRow:
    """A dated ring/status snapshot of channel number `channel` (index into CHANNELS).

    A move made by a decision names the test (`experiment`, index into the experiment rows)
    and the decision, as a decision taken in the app records it.
    """

    channel: int
    changed_at: datetime
    ring: str
    status: str
    experiment: int | None = None
    decision: str | None = None


@dataclass(frozen=True)
class ExperimentRow:
    """An experiment to store: its plan and its calendar dates."""

    plan: ExperimentPlan
    channel: int
    start_date: date
    end_date: date | None
    decided_on: date | None


@dataclass(frozen=True)
class GoalRow:
    """A monthly goal, overall (channel None) or for channel number `channel`."""

    month: date
    channel: int | None
    leads: int | None
    new_customers: int | None
    revenue_minor: int | None
    max_cac_minor: int | None


def day_number(day: date) -> int:
    """Return the day number of `day` (days since 1970-01-01)."""
    return (day - date(1970, 1, 1)).days


def local_moment(day: date, timezone: str, hour: int = 10) -> datetime:
    """Return `hour` o'clock local time on `day` as an aware UTC datetime."""
    return datetime.combine(day, time(hour), ZoneInfo(timezone)).astimezone(UTC)


def experiment_windows(
    experiments: tuple[ExperimentRow, ...], end: date
) -> tuple[buyers.ExperimentWindow, ...]:
    """Return where each experiment takes leads (until `end` while it has no end date)."""
    return tuple(
        buyers.ExperimentWindow(
            row.channel,
            day_number(row.start_date),
            day_number(row.end_date or end),
            row.plan.assign,
            row.plan.lift,
        )
        for row in experiments
    )


def _channel_days(plan: sim.WeeklyPlan, first_week: date, end: date) -> list[tuple[date, ...]]:
    """Return (created, first active day, last active day) per channel; (created,) if idle."""
    days: list[tuple[date, ...]] = []
    for c, profile in enumerate(CHANNELS):
        weeks = np.flatnonzero(plan.active[c])
        if weeks.size == 0:
            days.append((end - timedelta(days=30 + c),))
            continue
        first = first_week + timedelta(weeks=int(weeks[0]))
        last = first_week + timedelta(weeks=int(weeks[-1]))
        days.append((first - timedelta(days=profile.launch_days + 7), first, last))
    return days


def channel_created(
    plan: sim.WeeklyPlan, first_week: date, end: date, timezone: str
) -> list[datetime]:
    """Return when each channel was entered (a week before its launch work began)."""
    return [local_moment(d[0], timezone) for d in _channel_days(plan, first_week, end)]


DECISION_HOUR = 16  # decisions are taken in the afternoon of their day


def decision_rows(channel: int, ring: str, status: str, experiments: Sequence[ExperimentRow],
                  timezone: str) -> list[HistoryRow]:
    """Return the moves the decided tests of `channel` made, oldest first, from (ring, status).

    Each decision moves the channel as a decision in the app does (experiments.channel_tests.
    inputs.moved_by); a decision that leaves it where it is writes no row, as in the app.
    """
    rows = []
    decided = sorted((row.decided_on, i, row) for i, row in enumerate(experiments)
                     if row.channel == channel and row.decided_on and row.plan.decision)
    for day, index, row in decided:
        assert row.plan.decision is not None
        moved = moved_by(row.plan.decision, ring, status)
        if moved != (ring, status):
            ring, status = moved
            rows.append(HistoryRow(channel, local_moment(day, timezone, DECISION_HOUR), ring,
                                   status, index, row.plan.decision))
    return rows


def history_rows(
    plan: sim.WeeklyPlan, first_week: date, end: date, timezone: str,
    experiments: Sequence[ExperimentRow] = (),
) -> list[HistoryRow]:
    """Return each channel's ring/status history: idea, then testing, then its current state.

    A channel whose tests were decided reaches its current state through those decisions'
    moves (dated on their decision days); the catalogue's state is what they lead to.
    """
    rows: list[HistoryRow] = []
    for c, (profile, days) in enumerate(
        zip(CHANNELS, _channel_days(plan, first_week, end), strict=True)
    ):
        rows.append(HistoryRow(c, local_moment(days[0], timezone), "outer", "idea"))
        if profile.status == "idea":
            continue
        if len(days) == 1:
            moment = local_moment(days[0], timezone, hour=11)
            rows.append(HistoryRow(c, moment, profile.ring, profile.status))
            continue
        _created, first, last = days
        ring = "outer" if profile.ring == "outer" and profile.status == "testing" else "middle"
        testing = first - timedelta(days=profile.launch_days)
        rows.append(HistoryRow(c, local_moment(testing, timezone), ring, "testing"))
        if moves := decision_rows(c, ring, "testing", experiments, timezone):
            rows.extend(moves)
            continue
        if profile.status == "testing":
            continue
        if profile.status == "focus":
            changed = first + (last - first) * 2 // 5
        else:
            changed = min(last + timedelta(days=7), end)
        rows.append(HistoryRow(c, local_moment(changed, timezone), profile.ring, profile.status))
    return rows


def experiment_rows(first_week: date, weeks: int, end: date) -> tuple[ExperimentRow, ...]:
    """Return the experiments with calendar dates placed at their fractions of the period."""
    names = [profile.name for profile in CHANNELS]
    span = weeks * 7 - 1
    rows = []
    for plan in EXPERIMENTS:
        start = first_week + timedelta(days=round(plan.start * span))
        stop = None if plan.end is None else first_week + timedelta(days=round(plan.end * span))
        decided = min(stop + timedelta(days=3), end) if plan.decision and stop else None
        rows.append(ExperimentRow(plan, names.index(plan.channel), start, stop, decided))
    return tuple(rows)


def goal_rows(
    drawn: buyers.LeadDraw, bought: buyers.PurchaseDraw, end: date
) -> tuple[GoalRow, ...]:
    """Return goals for this month and next: 10 % and 20 % above the last four weeks' pace."""
    recent = (day_number(end) - 27) * sim.DAY_US
    at, amount = bought.at, bought.amount
    _leads, first = np.unique(bought.lead, return_index=True)
    pace = {
        "leads": int((drawn.created >= recent).sum()),
        "customers": int((at[first] >= recent).sum()),
        "revenue": int(amount[at >= recent].sum()),
    }
    month = end.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    rows = []
    for when, growth in ((month, 1.1), (next_month, 1.2)):
        scale = growth * 30.44 / 28
        revenue = round(pace["revenue"] * scale / 100) * 100
        rows.append(
            GoalRow(
                when,
                None,
                round(pace["leads"] * scale),
                round(pace["customers"] * scale),
                revenue,
                None,
            )
        )
    expensive = next(i for i, p in enumerate(CHANNELS) if p.name == EXPENSIVE_CHANNEL)
    profile = CHANNELS[expensive]
    max_cac = round(profile.cpl_minor / profile.conversion * 1.25 / 100) * 100
    rows.append(GoalRow(month, expensive, None, None, None, max_cac))
    # The two busiest channels: one with a leads goal below its pace (on track), one far
    # above it (off track); last month's overall goal shows in the history.
    volume = np.bincount(drawn.channel[drawn.created >= recent], minlength=len(CHANNELS))
    volume[expensive] = -1  # it has its own goal this month
    busiest = np.argsort(-volume, kind="stable")[:2]
    for channel, growth in zip(busiest.tolist(), (0.8, 1.6), strict=True):
        recent_leads = int(((drawn.channel == channel) & (drawn.created >= recent)).sum())
        rows.append(GoalRow(month, channel, round(recent_leads * growth * 30.44 / 28),
                            None, None, None))
    last_month = (month - timedelta(days=1)).replace(day=1)
    rows.append(GoalRow(last_month, None, round(pace["leads"] * 30.44 / 28),
                        round(pace["customers"] * 30.44 / 28), None, None))
    return tuple(rows)
