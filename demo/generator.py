"""The demo dataset: a deterministic, realistic history of channels, spend, leads and purchases.

Pure numpy: `generate(...)` returns a frozen `DemoDataset` of arrays and small row tuples; the
database writer is `demo.loader`. The same `seed`, `leads`, `weeks`, `end`, time zone and week
start always give identical data.

Built-in economics (tests and later features rely on them):

* BURNOUT_CHANNEL ("Facebook Ads — lookalike audiences"): conversion decays to 12 % of its
  starting level over the period and its click-through rate (and so its lead volume) falls to
  45 %, while weekly spend stays flat — the law of channel burnout.
* SATURATION_CHANNEL ("Google Ads — competitor keywords"): weekly spend varies widely and weekly
  leads (and customers, at constant conversion) follow ``b · tanh(spend / (b · c))``, so CAC rises
  with spend.
* CHEAP_CHANNEL ("Coupon & deal sites"): very low cost per lead, low-value one-time buyers
  (about 3 % buy a second time) and the most refunds — "ballast"; dropped by the *kill* of
  its coupon test, it stops at 73 % of the period.
* EXPENSIVE_CHANNEL ("LinkedIn Ads — decision makers"): high cost per lead, long sales cycle,
  high-priced monthly subscriptions with low churn (high LTV).
* SMALL_CHANNEL ("Partner referrals"): few leads but the highest conversion and a good LTV.
* PAUSED_CHANNEL ("Cold email outreach") stops at 75 % of the period (status paused);
  "Product Hunt launch" is a one-week spike with a fading tail, "Trade show — SaaStr" runs in
  two event weeks (and the week after each), "Newsletter sponsorships", "Free SEO audit tool"
  and "Slack community" start later; the two "idea" channels have no spend and no leads.
* Every other channel is ordinary and healthy: constant conversion. Every channel has one
  spend row per week it runs; SEM and social ads also log impressions and clicks.

Segments: leads carry industry, region, company_size and role; channels reach different mixes
and conversion depends on segment (SaaS, Fintech, founders and 51–1000-person companies convert
best; Education, LATAM and engineers worst). The experiment on EXPENSIVE_CHANNEL lifts the
conversion of its leads by 40 %.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import product
from typing import Any

import numpy as np
import numpy.typing as npt

from demo import buyers as buyers
from demo import history as cal
from demo import simulation as sim
from demo.catalogue import (
    BURNOUT_CHANNEL,
    CHANNELS,
    CHEAP_CHANNEL,
    EXPENSIVE_CHANNEL,
    PAUSED_CHANNEL,
    SATURATION_CHANNEL,
    SEGMENTS,
    SMALL_CHANNEL,
    ChannelProfile,
)
from demo.history import ExperimentRow, GoalRow, HistoryRow
from kernel.weeks import week_of

__all__ = [
    "BURNOUT_CHANNEL",
    "CHANNELS",
    "CHEAP_CHANNEL",
    "EXPENSIVE_CHANNEL",
    "PAUSED_CHANNEL",
    "SATURATION_CHANNEL",
    "SMALL_CHANNEL",
    "DemoDataset",
    "generate",
]

STAGE_NAMES: tuple[str, ...] = ("inquiry", "lead", "sales_ready", "opportunity", "customer", "lost")
GRADE_NAMES: tuple[str, ...] = ("hot", "warm", "future")
CUSTOMER = STAGE_NAMES.index("customer")


@dataclass(frozen=True)
class DemoDataset:
    """Everything the demo stores; row arrays are parallel, times aware-UTC as datetime64[us].

    Leads: `lead_channel` (index into `channels`), `lead_experiment` (index into `experiments`
    or -1), `lead_created_at`, `lead_cohort_week` (datetime64[D]), `lead_stage` (index into
    STAGE_NAMES), `lead_grade` (index into GRADE_NAMES or -1), `lead_attributes` (index into
    `attribute_json`). Purchases: `purchase_lead` (index into the lead arrays),
    `purchased_at`, `purchased_on` (local date), `purchase_amount_minor` (negative: refund).
    Spend: one row per running channel-week; impressions and clicks are -1 when not logged.
    Stage history: rows `stage_lead` (index into the lead arrays, each lead's rows together
    in time order), `stage_index` (into STAGE_NAMES), `stage_at`; a lead's first row is its
    stage since creation.
    """

    first_week: date
    end: date
    channels: tuple[ChannelProfile, ...]
    channel_created_at: tuple[datetime, ...]
    history: tuple[HistoryRow, ...]
    experiments: tuple[ExperimentRow, ...]
    goals: tuple[GoalRow, ...]
    attribute_json: tuple[str, ...]
    spend_channel: npt.NDArray[np.int64]
    spend_week: npt.NDArray[np.datetime64]
    spend_amount_minor: npt.NDArray[np.int64]
    spend_impressions: npt.NDArray[np.int64]
    spend_clicks: npt.NDArray[np.int64]
    lead_channel: npt.NDArray[np.int64]
    lead_experiment: npt.NDArray[np.int64]
    lead_created_at: npt.NDArray[np.datetime64]
    lead_cohort_week: npt.NDArray[np.datetime64]
    lead_stage: npt.NDArray[np.int64]
    lead_grade: npt.NDArray[np.int64]
    lead_attributes: npt.NDArray[np.int64]
    purchase_lead: npt.NDArray[np.int64]
    purchased_at: npt.NDArray[np.datetime64]
    purchased_on: npt.NDArray[np.datetime64]
    purchase_amount_minor: npt.NDArray[np.int64]
    stage_lead: npt.NDArray[np.int64]
    stage_index: npt.NDArray[np.int64]
    stage_at: npt.NDArray[np.datetime64]


def generate(
    *, leads: int, seed: int, weeks: int, end: date, timezone: str = "UTC", week_start: int = 0
) -> DemoDataset:
    """Return the demo dataset: `leads` leads over `weeks` weeks up to `end` (inclusive)."""
    if leads < 0 or weeks < 1:
        raise ValueError("leads must be ≥ 0 and weeks ≥ 1")
    rng = np.random.default_rng(seed)
    first_week = week_of(end, week_start) - timedelta(weeks=weeks - 1)
    week_days = cal.day_number(first_week) + 7 * np.arange(weeks, dtype=np.int64)
    plan = sim.weekly_plan(CHANNELS, leads, weeks, rng)
    spend = _spend_rows(plan, week_days, rng)
    experiments = cal.experiment_rows(first_week, weeks, end)
    drawn = buyers.draw_leads(
        plan, week_days, cal.day_number(end), cal.experiment_windows(experiments, end), rng
    )
    bought = buyers.draw_purchases(drawn, cal.day_number(end), rng)
    stage, grade = _lead_states(drawn, bought, cal.day_number(end), rng)
    created_days = drawn.created // sim.DAY_US
    return DemoDataset(
        first_week=first_week,
        end=end,
        channels=CHANNELS,
        channel_created_at=tuple(cal.channel_created(plan, first_week, end, timezone)),
        history=tuple(cal.history_rows(plan, first_week, end, timezone, experiments)),
        experiments=experiments,
        goals=cal.goal_rows(drawn, bought, end),
        attribute_json=_attribute_json(),
        spend_channel=spend[0],
        spend_week=spend[1].astype("datetime64[D]"),
        spend_amount_minor=spend[2],
        spend_impressions=spend[3],
        spend_clicks=spend[4],
        lead_channel=drawn.channel,
        lead_experiment=drawn.experiment,
        lead_created_at=_utc(drawn.created, timezone),
        lead_cohort_week=sim.week_start_day(created_days, week_start).astype("datetime64[D]"),
        lead_stage=stage,
        lead_grade=grade,
        lead_attributes=np.ravel_multi_index(
            tuple(drawn.segments.T), tuple(len(s.values) for s in SEGMENTS)
        ).astype(np.int64),
        purchase_lead=bought.lead,
        purchased_at=_utc(bought.at, timezone),
        purchased_on=(bought.at // sim.DAY_US).astype("datetime64[D]"),
        purchase_amount_minor=bought.amount,
        **_stage_history(drawn, bought, stage, cal.day_number(end), timezone, rng),
    )


def _lead_states(
    drawn: buyers.LeadDraw, bought: buyers.PurchaseDraw, end_day: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (stage, grade) indexes: customer exactly for leads with a purchase."""
    customer = np.zeros(drawn.channel.size, dtype=bool)
    customer[bought.lead] = True
    pending = drawn.converts & ~customer
    age = end_day - drawn.created // sim.DAY_US
    return sim.lead_stages(customer, pending, age, rng), sim.lead_grades(customer, rng)


def _stage_history(
    drawn: buyers.LeadDraw, bought: buyers.PurchaseDraw, stage: npt.NDArray[np.int64],
    end_day: int, timezone: str, rng: np.random.Generator,
) -> dict[str, npt.NDArray[Any]]:
    """Return the leads' stage histories (DemoDataset fields stage_lead, stage_index, stage_at)."""
    until = np.full(stage.size, (end_day + 1) * sim.DAY_US - 1, dtype=np.int64)
    np.minimum.at(until, bought.lead, bought.at)
    lead, index, at = sim.stage_paths(stage, drawn.created, np.maximum(until, drawn.created), rng)
    return {"stage_lead": lead, "stage_index": index, "stage_at": _utc(at, timezone)}


def _utc(local_us: npt.NDArray[np.int64], timezone: str) -> npt.NDArray[np.datetime64]:
    """Return aware-UTC datetime64[us] for local wall-clock microseconds."""
    return sim.local_to_utc(local_us, timezone).astype("datetime64[us]")


def _spend_rows(
    plan: sim.WeeklyPlan, week_days: npt.NDArray[np.int64], rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], ...]:
    """Return (channel, week day number, amount, impressions, clicks) of running channel-weeks."""
    parts = []
    for c, profile in enumerate(CHANNELS):
        amount = sim.weekly_spend(profile, plan, c, rng)
        impressions, clicks = sim.ad_traffic(profile, plan, c, rng)
        weeks = np.flatnonzero(plan.active[c])
        channel = np.full(weeks.size, c, dtype=np.int64)
        parts.append((channel, week_days[weeks], amount[weeks], impressions[weeks], clicks[weeks]))
    return tuple(np.concatenate(column).astype(np.int64) for column in zip(*parts, strict=True))


def _attribute_json() -> tuple[str, ...]:
    """Return the JSON text of every combination of segment values (C order of the codes)."""
    keys = [segment.key for segment in SEGMENTS]
    return tuple(
        json.dumps(dict(zip(keys, values, strict=True)), ensure_ascii=False)
        for values in product(*(segment.values for segment in SEGMENTS))
    )
