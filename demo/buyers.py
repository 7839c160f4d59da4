"""Who buys in the demo dataset, when and how much: leads' conversion, purchases and refunds.

Times are int64 microseconds of local wall-clock time, as in `demo.simulation`.
"""

from dataclasses import dataclass

import numpy as np

from demo import simulation as sim
from demo.catalogue import CHANNELS, SIZE_PRICE, ChannelProfile
from demo.simulation import DAY_US, Bool, Float, Int

REPEAT_KINDS: tuple[str, ...] = ("none", "monthly", "quarterly", "occasional")
REPEAT_DAYS = np.array([0.0, 30.44, 91.31, 0.0])


@dataclass(frozen=True)
class LeadDraw:
    """Drawn leads (parallel arrays, sorted by time): channel and week indexes, local created
    time, (n, 4) segment value indexes, experiment index (-1: none) and whether they will buy."""

    channel: Int
    week: Int
    created: Int
    segments: Int
    experiment: Int
    converts: Bool


@dataclass(frozen=True)
class ExperimentWindow:
    """Where an experiment takes leads: its channel, first and last day numbers, share, lift."""

    channel: int
    first_day: int
    last_day: int
    assign: float
    lift: float


@dataclass(frozen=True)
class PurchaseDraw:
    """Purchases and refunds (parallel arrays, by time): lead index, local time, amount."""

    lead: Int
    at: Int
    amount: Int


def draw_leads(
    plan: sim.WeeklyPlan,
    week_days: Int,
    end_day: int,
    windows: tuple[ExperimentWindow, ...],
    rng: np.random.Generator,
) -> LeadDraw:
    """Draw leads: channel, week, local time, segments, experiment and whether they will buy."""
    channel, week, created = sim.lead_times(plan.counts, week_days, end_day, rng)
    segments = sim.lead_segments(channel, CHANNELS, rng)
    experiment = np.full(channel.size, -1, dtype=np.int64)
    day = created // DAY_US
    for e, window in enumerate(windows):
        inside = (channel == window.channel) & (day >= window.first_day) & (day <= window.last_day)
        experiment[inside & (rng.random(channel.size) < window.assign)] = e
    lift = np.r_[[window.lift for window in windows], 1.0][experiment]
    base = np.array([p.conversion for p in CHANNELS])[channel]
    audience = sim.segment_conversion(segments, channel)
    chance = base * plan.conversion_trend[channel, week] * audience * lift
    converts = rng.random(channel.size) < np.minimum(chance, 0.95)
    return LeadDraw(channel, week, created, segments, experiment, converts)


def draw_purchases(leads: LeadDraw, end_day: int, rng: np.random.Generator) -> PurchaseDraw:
    """Return purchases and refunds up to the end of `end_day`, ordered by time."""
    channel = leads.channel
    buyers = np.flatnonzero(leads.converts)
    cycle = np.array([p.cycle_days for p in CHANNELS])[channel[buyers]]
    # Never buy within 2.4 hours of arriving: keeps purchases after leads across DST shifts.
    lag = rng.gamma(2.0, cycle / 1.678) + 0.1
    first_at = leads.created[buyers] + (lag * DAY_US).astype(np.int64)
    size = leads.segments[:, 2]
    lead, at, amount = purchase_rows(buyers, channel, first_at, size, CHANNELS, rng)
    end_us = (end_day + 1) * DAY_US
    kept = at < end_us
    lead, at, amount = lead[kept], at[kept], amount[kept]
    rate = np.array([p.refund_rate for p in CHANNELS])[channel[lead]]
    r_lead, r_at, r_amount = refund_rows(lead, at, amount, rate, rng)
    r_kept = r_at < end_us
    lead = np.r_[lead, r_lead[r_kept]]
    at = np.r_[at, r_at[r_kept]]
    amount = np.r_[amount, r_amount[r_kept]]
    order = np.lexsort((lead, at))
    return PurchaseDraw(lead[order], at[order], amount[order])


def _within_group_cumsum(values: Float, sizes: Int) -> Float:
    """Return the running sum of `values` restarted at each group (groups of `sizes`, in order)."""
    running = np.cumsum(values)
    before = np.r_[0.0, running][np.cumsum(sizes) - sizes]
    return running - np.repeat(before, sizes)


def purchase_rows(
    buyers: Int,
    channel: Int,
    first_at: Int,
    size: Int,
    channels: tuple[ChannelProfile, ...],
    rng: np.random.Generator,
) -> tuple[Int, Int, Int]:
    """Return (lead, local time, amount) of every purchase: the first and the repeats."""
    bc = channel[buyers]
    price = np.array([p.price_minor for p in channels])[bc] * np.array(SIZE_PRICE)[size[buyers]]
    plan_price = np.maximum(np.round(price * rng.lognormal(0, 0.15, bc.size) / 100) * 100, 100)
    kind = np.array([REPEAT_KINDS.index(p.repeat) for p in channels])[bc]
    churn = np.array([p.churn for p in channels])[bc]
    repeats = np.where(kind == 0, 0, np.minimum(rng.geometric(churn) - 1, 120))
    owner = np.repeat(np.arange(bc.size), repeats)
    occasional = kind[owner] == 3
    gaps = np.where(
        occasional,
        rng.gamma(2.0, 35.0, owner.size),
        REPEAT_DAYS[kind[owner]] + rng.normal(0, 1.5, owner.size),
    )
    repeat_at = first_at[owner] + (_within_group_cumsum(gaps, repeats) * DAY_US).astype(np.int64)
    varied = np.round(plan_price[owner] * rng.lognormal(0, 0.35, owner.size) / 100) * 100
    repeat_amount = np.where(occasional, np.maximum(varied, 100), plan_price[owner])
    lead = np.r_[buyers, buyers[owner]]
    at = np.r_[first_at, repeat_at]
    amount = np.r_[plan_price, repeat_amount].astype(np.int64)
    return lead, at, amount


def refund_rows(
    lead: Int, at: Int, amount: Int, rate: Float, rng: np.random.Generator
) -> tuple[Int, Int, Int]:
    """Return refunds of some purchases (a rate per purchase): the full or half amount, later."""
    refunded = np.flatnonzero(rng.random(lead.size) < rate)
    full = rng.random(refunded.size) < 0.7
    back = np.where(full, amount[refunded], amount[refunded] // 2)
    later = (rng.uniform(0.5, 14, refunded.size) * DAY_US).astype(np.int64)
    return lead[refunded], at[refunded] + later, -back
