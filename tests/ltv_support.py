"""Synthetic customers drawn from known BG/NBD and Gamma-Gamma parameters (tests of cohorts.ltv).

Customers' cohorts start over `COHORT_WEEKS` weeks, each buys first in a uniform moment of its
cohort week and is observed until the end of week `AS_OF_WEEK`. Purchases then follow the
BG/NBD story in continuous time (Poisson rate λ while alive, dropping out after each repeat
purchase with probability p), each worth a Gamma(p_s, ν) amount in minor units. The summaries
are taken at day resolution as `cohorts.ltv.summaries` takes them from the database.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlmodel import Session

from app.models import Lead, Purchase
from cohorts.ltv.projection import CustomerSummaries

MON = date(2025, 1, 6)  # a Monday: week 0 of the simulation
COHORT_WEEKS = 12
AS_OF_WEEK = 20
CDNOW_PURCHASES = (0.243, 4.414, 0.793, 2.426)  # r, α, a, b
CDNOW_SPEND = (6.25, 3.74, 1544.0)  # p, q, γ in cents


@dataclass(frozen=True)
class Synthetic:
    customers: CustomerSummaries
    weeks_left: np.ndarray
    truth_minor: float  # observed + expected future revenue to the horizon given the latent truth


def simulate(n: int, seed: int, *, horizon: int = 52, channel: int = 1,
             purchases: tuple[float, ...] = CDNOW_PURCHASES,
             spend: tuple[float, ...] = CDNOW_SPEND) -> Synthetic:
    """Return `n` simulated customers of `channel` with their oracle 52-week revenue."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = purchases
    p_s, q, gamma = spend
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    nu = rng.gamma(q, 1 / gamma, n)
    cohort = rng.integers(0, COHORT_WEEKS, n)
    end = float(AS_OF_WEEK + 1)
    rows = []
    truth = 0.0
    as_of = 7 * (AS_OF_WEEK + 1) - 1
    for i in range(n):
        moment = cohort[i] + rng.uniform()
        days, amounts, alive = [], [], True
        while moment < end:
            days.append(int(moment * 7) - 7 * int(cohort[i]))
            amounts.append(int(round(rng.gamma(p_s, 1 / nu[i]))))
            if len(days) > 1 and rng.uniform() < dropout[i]:  # only after a repeat purchase
                alive = False
                break
            moment += rng.exponential(1 / rate[i])
        first = days[0]
        repeat_days = sorted({d for d, m in zip(days, amounts, strict=True) if d > first and m > 0})
        observed = sum(m for d, m in zip(days, amounts, strict=True) if d < 7 * horizon)
        repeat = sum(m for d, m in zip(days, amounts, strict=True) if d > first)
        as_of_day = as_of - 7 * int(cohort[i])
        rows.append((channel, as_of_day, first, len(repeat_days),
                     (repeat_days[-1] - first) if repeat_days else 0, observed, repeat))
        left = max(7 * horizon - 1 - as_of_day, 0) / 7
        future = (1 - np.exp(-rate[i] * dropout[i] * left)) / dropout[i] if alive else 0.0
        truth += observed + future * p_s / nu[i]
    table = np.array(rows, dtype=np.int64)
    customers = CustomerSummaries(*(table[:, k] for k in range(table.shape[1])))
    return Synthetic(customers=customers, weeks_left=customers.weeks_left(horizon),
                     truth_minor=truth)


def store_customers(db: Session, channel_id: int, n: int, seed: int) -> None:
    """Store simulated customers as leads and purchases (one purchase per summary event)."""
    synthetic = simulate(n, seed=seed, channel=channel_id).customers
    rng = np.random.default_rng(seed)
    for i in range(n):
        cohort = MON + timedelta(days=7 * (146 - int(synthetic.as_of_day[i])) // 7)
        lead = Lead(external_id=f"s{seed}-{i}", channel_id=channel_id, cohort_week=cohort,
                    created_at=datetime(cohort.year, cohort.month, cohort.day, tzinfo=UTC))
        db.add(lead)
        db.flush()
        first = cohort + timedelta(days=int(synthetic.first_day[i]))
        days = [first]
        x, span = int(synthetic.frequency[i]), int(synthetic.recency_days[i])
        if x:
            middle = sorted(rng.choice(np.arange(1, span), x - 1, replace=False)) if x > 1 else []
            days += [first + timedelta(days=int(d)) for d in middle] + [
                first + timedelta(days=span)]
        repeat = int(synthetic.repeat_minor[i])
        amounts = [int(synthetic.observed_minor[i]) - repeat] + (
            [repeat // x] * (x - 1) + [repeat - repeat // x * (x - 1)] if x else [])
        for k, (day, amount) in enumerate(zip(days, amounts, strict=True)):
            db.add(Purchase(external_id=f"s{seed}-{i}-{k}", lead_id=lead.id, amount_minor=amount,
                            purchased_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                            purchased_on=day))
    db.commit()
