"""Projected LTV of every channel and the install's backtest, read from the database.

`channel_ltvs` fits the pooled model once on every customer and each channel's shrunk model,
and projects each channel to the horizon. `backtest` does the same as of `weeks` weeks earlier
and compares what it would then have projected for those customers' next `weeks` weeks with
what they actually spent since.
"""

from dataclasses import dataclass, field

import numpy as np
from sqlmodel import Session

from cohorts.as_of import AsOf
from cohorts.ltv.projection import (
    CustomerSummaries,
    Model,
    fit_channel,
    fit_pooled,
    future_by_age,
    project,
)
from cohorts.ltv.summaries import customer_summaries, revenue_since, weeks_earlier

METHOD = "bg_nbd_gamma_gamma"
BACKTEST_WEEKS = 26  # the default holdout (settings.ltv_backtest_weeks)
BACKTEST_WEEKS_MAX = 104  # two years: the longest holdout a setting may ask for


@dataclass(frozen=True)
class ChannelLtv:
    """A channel's projected LTV per customer (minor units, margin applied) and its basis."""

    ltv_minor: float
    low_minor: float | None
    high_minor: float | None
    customers: int
    weight: float
    pooled_customers: int
    horizon_weeks: int
    future_by_age_minor: tuple[float, ...]  # expected revenue from the as-of date to ages 1 … H

    @property
    def basis(self) -> str:
        """Return the sentence that says where the projection comes from."""
        return (f"projected to {self.horizon_weeks} weeks by a repeat-purchase model from "
                f"{self.pooled_customers:,} customers; this channel's {self.customers:,} "
                f"customers weigh {round(100 * self.weight)} %")


@dataclass(frozen=True)
class LtvProjections:
    """Every channel's projection, or why there is none (`reason`, "not enough data")."""

    channels: dict[int, ChannelLtv]
    reason: str | None
    pooled_customers: int
    # The fitted models (each channel's shrunk one, and the pooled one): what per-customer
    # projected values (cohorts.ltv.customers) are computed from.
    models: dict[int, Model] = field(default_factory=dict)
    pooled: Model | None = None


def _per_channel(customers: CustomerSummaries) -> dict[int, CustomerSummaries]:
    return {int(c): customers.only(customers.channel_id == c)
            for c in np.unique(customers.channel_id)}


def _models(customers: CustomerSummaries) -> tuple[dict[int, Model], str | None]:
    models, _, reason = _fitted(customers)
    return models, reason


def _fitted(customers: CustomerSummaries) -> tuple[dict[int, Model], Model | None, str | None]:
    pooled = fit_pooled(customers)
    if not isinstance(pooled, Model):
        return {}, None, pooled
    return ({c: fit_channel(own, pooled) for c, own in _per_channel(customers).items()},
            pooled, None)


def channel_ltvs(*, session: Session, as_of: AsOf, horizon_weeks: int,
                 margin: float = 1.0) -> LtvProjections:
    """Return each channel's projected LTV at `horizon_weeks` with its 80 % interval."""
    customers = customer_summaries(session=session, as_of=as_of, horizon_weeks=horizon_weeks)
    models, pooled_model, reason = _fitted(customers)
    pooled = len(customers.channel_id)
    own = _per_channel(customers)
    found = {c: project(model, own[c], own[c].weeks_left(horizon_weeks))
             for c, model in models.items()}

    def per_customer(value: float | None, count: int) -> float | None:
        return None if value is None else value * margin / count

    channels = {c: ChannelLtv(
        ltv_minor=p.revenue_minor * margin / p.customers,
        low_minor=per_customer(p.low_minor, p.customers),
        high_minor=per_customer(p.high_minor, p.customers),
        customers=p.customers, weight=p.weight, pooled_customers=pooled,
        horizon_weeks=horizon_weeks,
        future_by_age_minor=tuple(future_by_age(models[c], own[c], horizon_weeks).tolist()))
        for c, p in found.items()}
    return LtvProjections(channels=channels, reason=reason, pooled_customers=pooled,
                          models=models, pooled=pooled_model)


@dataclass(frozen=True)
class BacktestRow:
    """One channel's backtest: projected against actual revenue (minor units) since then."""

    projected_minor: float
    actual_minor: int
    customers: int

    @property
    def error(self) -> float | None:
        """Return |projected − actual| / actual; None when actual revenue is not positive."""
        if self.actual_minor <= 0:
            return None
        return abs(self.projected_minor - self.actual_minor) / self.actual_minor


@dataclass(frozen=True)
class Backtest:
    """The install's backtest `weeks` weeks back: per channel and its mean absolute % error."""

    weeks: int
    channels: dict[int, BacktestRow]
    reason: str | None

    @property
    def mape(self) -> float | None:
        """Return the mean absolute percentage error over channels with one; None if none."""
        errors = [row.error for row in self.channels.values() if row.error is not None]
        return float(np.mean(errors)) if errors else None


def backtest(*, session: Session, as_of: AsOf, weeks: int = BACKTEST_WEEKS) -> Backtest:
    """Return what the model would have projected `weeks` weeks before `as_of` for the next
    `weeks` weeks of the customers it knew then, against what they spent since."""
    if not 1 <= weeks <= BACKTEST_WEEKS_MAX:
        raise ValueError(f"the backtest's holdout must be 1 to {BACKTEST_WEEKS_MAX} weeks, "
                         f"not {weeks}")
    past = weeks_earlier(as_of, weeks)
    # Horizon 0: no observed revenue counts, the projection is of the weeks after `past` only.
    customers = customer_summaries(session=session, as_of=past, horizon_weeks=0)
    models, reason = _models(customers)
    own = _per_channel(customers)
    found = {c: project(model, own[c], np.full(len(own[c].channel_id), float(weeks)),
                        interval=False)
             for c, model in models.items()}
    actual = revenue_since(session=session, as_of=as_of, weeks=weeks)
    rows = {c: BacktestRow(projected_minor=p.revenue_minor, actual_minor=actual.get(c, 0),
                           customers=p.customers) for c, p in found.items()}
    return Backtest(weeks=weeks, channels=rows, reason=reason)

