"""Vectorised simulation behind the demo dataset: weekly volumes and spend, leads, purchases.

Times are int64 microseconds since the epoch of *local* wall-clock time until `local_to_utc`;
days are int64 days since the epoch. Every function draws from the `rng` it is given, in a fixed
order, so one seed gives one dataset.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from demo.catalogue import (
    AUDIENCES,
    PLANTED_INDUSTRY,
    PLANTED_LIFT,
    PLANTED_MIN_SIZE,
    SEGMENTS,
    ChannelProfile,
)

Float = npt.NDArray[np.float64]
Int = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
SATURATION_K = 1.5
LEADS_PER_CLICK = 0.08
WEEKDAY_MIX = np.array([1.2, 1.25, 1.2, 1.1, 0.95, 0.45, 0.4]) / 6.55


@dataclass(frozen=True)
class WeeklyPlan:
    """Per channel × week (shape C × W): activity, expected and drawn lead counts, trends."""

    active: Bool
    expected: Float
    counts: Int
    conversion_trend: Float
    ctr_trend: Float
    spend_level: Float


def active_weeks(profile: ChannelProfile, n_weeks: int) -> Bool:
    """Return which of `n_weeks` weeks the channel runs in (events: the event week and the next)."""
    position = np.arange(n_weeks) / max(n_weeks - 1, 1)
    if profile.share <= 0:
        return np.zeros(n_weeks, dtype=bool)
    if profile.shape == "events":
        active = np.zeros(n_weeks, dtype=bool)
        for fraction in profile.events:
            week = round(fraction * (n_weeks - 1))
            active[week : week + 2] = True
        return active
    return (position >= profile.start) & (position <= profile.stop)


def _shape(profile: ChannelProfile, active: Bool, rng: np.random.Generator) -> tuple[Float, ...]:
    """Return (intensity, conversion trend, CTR trend, relative spend) of one channel's weeks."""
    n_weeks = active.size
    rank = np.cumsum(active) - 1
    rel = np.where(active, rank / max(int(active.sum()) - 1, 1), 0.0)
    season = 1 + 0.12 * np.sin(2 * np.pi * np.arange(n_weeks) / 52)
    intensity = active * season * rng.lognormal(0, 0.12, n_weeks)
    conversion = np.ones(n_weeks)
    ctr = rng.lognormal(0, 0.05, n_weeks)
    level = np.ones(n_weeks)
    if profile.shape == "growing":
        intensity *= 0.3 + 0.7 * rel
    elif profile.shape == "burnout":
        ctr *= np.exp(np.log(0.45) * rel)
        intensity *= ctr
        conversion = np.exp(np.log(profile.decay) * rel)
    elif profile.shape == "saturating":
        level = rng.lognormal(0, 0.8, n_weeks)
        level /= level[active].mean()
        intensity *= np.tanh(SATURATION_K * level)
    elif profile.shape == "launch":
        intensity = np.where(rank == 0, 1.0, 0.25 * 0.75 ** np.maximum(rank, 0) + 0.03) * active
    elif profile.shape == "events":
        first = np.r_[True, ~active[:-1]]
        intensity *= np.where(first, 1.0, 0.3)
    return intensity, conversion, ctr, level


def weekly_plan(
    channels: tuple[ChannelProfile, ...], leads: int, n_weeks: int, rng: np.random.Generator
) -> WeeklyPlan:
    """Return each channel's weekly activity and draw exactly `leads` leads over channel-weeks."""
    shapes = []
    for profile in channels:
        active = active_weeks(profile, n_weeks)
        intensity, conversion, ctr, level = _shape(profile, active, rng)
        total = intensity.sum()
        weight = intensity * profile.share / total if total > 0 else intensity * 0
        shapes.append((active, weight, conversion, ctr, level))
    active, weight, conversion, ctr, level = (np.array(part) for part in zip(*shapes, strict=True))
    probs = weight / weight.sum()
    counts = rng.multinomial(leads, probs.ravel()).reshape(probs.shape).astype(np.int64)
    return WeeklyPlan(active, probs * leads, counts, conversion, ctr, level)


def weekly_spend(
    profile: ChannelProfile, plan: WeeklyPlan, c: int, rng: np.random.Generator
) -> Int:
    """Return channel `c`'s spend per week in minor units, rounded to whole units (0 if idle)."""
    active, expected, level = plan.active[c], plan.expected[c], plan.spend_level[c]
    if not active.any():
        return np.zeros(active.size, dtype=np.int64)
    noise = rng.lognormal(0, 0.1, active.size)
    if profile.spend_model == "flat":
        amount = expected[active].mean() * profile.cpl_minor * noise
    elif profile.spend_model == "saturating":
        scale = expected.sum() / np.tanh(SATURATION_K * level[active]).sum()
        amount = scale * SATURATION_K * level * profile.cpl_minor
    else:
        amount = expected * profile.cpl_minor * noise
    return (np.round(amount * active / 100) * 100).astype(np.int64)


def ad_traffic(
    profile: ChannelProfile, plan: WeeklyPlan, c: int, rng: np.random.Generator
) -> tuple[Int, Int]:
    """Return weekly (impressions, clicks) of an ad channel; -1 where not logged."""
    counts = plan.counts[c]
    if profile.ctr is None:
        return np.full(counts.size, -1, dtype=np.int64), np.full(counts.size, -1, dtype=np.int64)
    expected = plan.expected[c]
    clicks = np.ceil(expected / LEADS_PER_CLICK * rng.lognormal(0, 0.1, counts.size))
    impressions = np.round(clicks / (profile.ctr * plan.ctr_trend[c]))
    return impressions.astype(np.int64), np.maximum(clicks, counts).astype(np.int64)


def lead_times(
    counts: Int, week_days: Int, end_day: int, rng: np.random.Generator
) -> tuple[Int, Int, Int]:
    """Return (channel, week index, local created time) of every lead, sorted by time."""
    n_weeks = counts.shape[1]
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    channel, week = cell // n_weeks, cell % n_weeks
    n = cell.size
    day = rng.choice(7, size=n, p=WEEKDAY_MIX)
    available = np.clip(end_day - week_days[week] + 1, 1, 7)
    late = day >= available
    day[late] = (rng.random(int(late.sum())) * available[late]).astype(np.int64)
    seconds = np.clip(rng.normal(13.5 * 3600, 3.3 * 3600, n), 0, 86_399).astype(np.int64)
    micros = rng.integers(0, 1_000_000, n)
    created = (week_days[week] + day) * DAY_US + seconds * 1_000_000 + micros
    order = np.argsort(created, kind="stable")
    return channel[order], week[order], created[order]


def lead_segments(
    channel: Int, channels: tuple[ChannelProfile, ...], rng: np.random.Generator
) -> Int:
    """Return an (n, 4) array of segment value indexes drawn from each channel's audience."""
    codes = np.zeros((channel.size, len(SEGMENTS)), dtype=np.int64)
    for c, profile in enumerate(channels):
        rows = np.flatnonzero(channel == c)
        for s, segment in enumerate(SEGMENTS):
            mix = np.array(segment.mix) * np.array(AUDIENCES[profile.audience][s])
            codes[rows, s] = rng.choice(len(segment.values), size=rows.size, p=mix / mix.sum())
    return codes


def planted_audience(codes: Int) -> Bool:
    """Return which leads are in the planted audience: industry SaaS and 51+ employees."""
    industry = [s.key for s in SEGMENTS].index("industry")
    size = [s.key for s in SEGMENTS].index("company_size")
    return (codes[:, industry] == SEGMENTS[industry].values.index(PLANTED_INDUSTRY)) & (
        codes[:, size] >= SEGMENTS[size].values.index(PLANTED_MIN_SIZE))


def segment_conversion(codes: Int, channel: Int | None = None) -> Float:
    """Return each lead's conversion multiplier: the product over its segment values, times
    PLANTED_LIFT for the planted audience (issue 18). With `channel`, the lift is divided by
    its mean over each channel's leads, so every channel's expected conversion is unchanged
    and only who converts moves."""
    factor = np.ones(codes.shape[0])
    for s, segment in enumerate(SEGMENTS):
        factor *= np.array(segment.conversion)[codes[:, s]]
    boost = np.where(planted_audience(codes), PLANTED_LIFT, 1.0)
    if channel is not None and channel.size:
        sums = np.bincount(channel, weights=boost)
        counts = np.maximum(np.bincount(channel), 1)
        boost = boost / (sums / counts)[channel]
    return factor * boost


def lead_stages(customer: Bool, pending: Bool, age_days: Int, rng: np.random.Generator) -> Int:
    """Return stage indexes: customer (4) for buyers, pipeline stages by age for the others."""
    # Columns: inquiry, lead, sales_ready, opportunity, lost; rows: < 14, < 60, older days.
    table = np.array(
        [
            [0.30, 0.45, 0.15, 0.08, 0.02],
            [0.05, 0.40, 0.15, 0.10, 0.30],
            [0.02, 0.28, 0.05, 0.05, 0.60],
        ]
    )
    cdf = np.cumsum(table, axis=1)[np.digitize(age_days, [14, 60])]
    picked = (rng.random(age_days.size)[:, None] > cdf[:, :-1]).sum(axis=1)
    stage = np.array([0, 1, 2, 3, 5])[picked]
    stage = np.where(pending, np.where(rng.random(age_days.size) < 0.4, 2, 3), stage)
    return np.where(customer, 4, stage).astype(np.int64)


def lead_grades(customer: Bool, rng: np.random.Generator) -> Int:
    """Return grade indexes (hot, warm, future) or -1 for ungraded; buyers are hotter."""
    u = rng.random(customer.size)
    cdf = np.where(customer[:, None], [0.5, 0.8, 0.85], [0.08, 0.33, 0.55])
    grade = (u[:, None] > cdf).sum(axis=1)
    return np.where(grade == 3, -1, grade).astype(np.int64)


def local_to_utc(local_us: Int, timezone: str) -> Int:
    """Return UTC microseconds for local wall-clock microseconds in `timezone` (earlier fold)."""
    if timezone == "UTC" or local_us.size == 0:
        return local_us
    hours, inverse = np.unique(local_us // HOUR_US, return_inverse=True)
    zone = ZoneInfo(timezone)
    offsets = np.array([_offset_seconds(int(h), zone) for h in hours], dtype=np.int64)
    return local_us - offsets[inverse.ravel()] * 1_000_000


def _offset_seconds(hour: int, zone: ZoneInfo) -> int:
    """Return the UTC offset in seconds of local wall-clock hour number `hour` in `zone`."""
    wall = datetime.fromtimestamp(hour * 3600, UTC).replace(tzinfo=zone)
    offset = wall.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def week_start_day(days: Int, week_start: int) -> Int:
    """Return the first day of the week of each day number (week_start: 0 = Monday)."""
    return days - (days + 3 - week_start) % 7


def stage_paths(
    stage: Int, start_us: Int, until_us: Int, rng: np.random.Generator
) -> tuple[Int, Int, Int]:
    """Return each lead's stage history as (lead index, stage index, time) rows, per lead in
    time order; the first row of a lead is its stage at creation (time = `start_us`).

    Leads enter as inquiries or leads and move up the pipeline (0–3) to their final stage;
    customers (4) and lost leads (5) first climb to a random pipeline stage (lost ones mostly
    early). Later rows fall between creation and `until_us` (a customer's first purchase,
    when its customer row lies exactly; the end of the data for the others).
    """
    n = stage.size
    terminal = stage >= 4
    climb = np.where(rng.random(n) < 0.6, 0, rng.integers(0, 4, n))
    enter = np.where(rng.random(n) < 0.5, 0, 1)
    furthest = np.where(terminal, np.maximum(enter, np.where(stage == 4, 3 - climb % 2, climb)),
                        stage)  # fmt: skip
    enter = np.minimum(enter, furthest)
    rows = furthest - enter + 1 + terminal
    lead = np.repeat(np.arange(n), rows)
    first = np.cumsum(rows) - rows
    step = np.arange(lead.size) - first[lead]
    index = np.where(step < (furthest - enter + 1)[lead], enter[lead] + step, stage[lead])
    gaps = np.where(step == 0, 0.0, rng.exponential(1.0, lead.size))
    spent = np.cumsum(gaps)
    spent -= np.repeat(spent[first], rows)
    total = spent[first + rows - 1] + np.where(stage == 4, 0.0, rng.exponential(1.0, n))
    share = np.divide(spent, total[lead], out=np.zeros(lead.size), where=total[lead] > 0)
    at = start_us[lead] + (share * (until_us - start_us)[lead]).astype(np.int64)
    return lead.astype(np.int64), index.astype(np.int64), at
