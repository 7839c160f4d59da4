"""Projected LTV per channel from the pooled, shrunk BG/NBD + Gamma-Gamma fits (SPEC §3).

The pooled model is fitted on every customer. Each channel's model maximises its own
likelihood plus a Gaussian prior on the log parameters centred on the pooled fit, whose
precision is the pooled fit's curvature scaled down to `PRIOR_CUSTOMERS` customers (a
penalised likelihood: the Laplace approximation of the pooled likelihood as a power prior worth
that many customers). A channel of n customers thus weighs n / (n + PRIOR_CUSTOMERS) against
the pooled model.

A channel's projected revenue at the horizon is its observed revenue at ages below the horizon
plus, per customer, expected purchases in the weeks left to the horizon times expected spend per
purchase. Its 80 % interval comes from the curvature: parameters drawn from the normal
approximation of each fit, the 10th and 90th percentiles of the resulting projections.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cohorts.ltv import bgnbd, gamma_gamma
from cohorts.ltv.bgnbd import Fit, Prior

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
PRIOR_CUSTOMERS = 100
MIN_CUSTOMERS = 20
MIN_SPENDERS = 5
SPEND_BIN = 0.01  # width of the mean-spend bins, in log units (1 %)
Z_80 = 1.2815515655446004  # the normal quantile of 90 %: an 80 % two-sided interval


@dataclass(frozen=True)
class CustomerSummaries:
    """One entry per customer; days counted from the cohort week's first day, money in minor
    units."""

    channel_id: IntArray
    as_of_day: IntArray  # the as-of date
    first_day: IntArray  # the first purchase's date
    frequency: IntArray  # distinct later days with a positive purchase
    recency_days: IntArray  # last such day − first day (0 without one)
    observed_minor: IntArray  # net revenue at ages below the horizon
    repeat_minor: IntArray  # net revenue after the first day

    def only(self, keep: npt.NDArray[np.bool_]) -> "CustomerSummaries":
        """Return the customers where `keep` is True."""
        return CustomerSummaries(*(getattr(self, name)[keep] for name in SUMMARY_FIELDS))

    @property
    def age(self) -> FloatArray:
        """Return each customer's age T in whole weeks: from the first purchase to the as-of
        date, rounded (the triples stay few; purchases are still counted per day)."""
        return np.round((self.as_of_day - self.first_day) / 7.0)

    @property
    def recency(self) -> FloatArray:
        """Return each customer's recency t_x in whole weeks: from the first to the last
        purchase, rounded."""
        return np.round(self.recency_days / 7.0)

    def weeks_left(self, horizon_weeks: int) -> FloatArray:
        """Return the weeks from the as-of date to each customer's cohort horizon (≥ 0)."""
        return np.maximum(7 * horizon_weeks - 1 - self.as_of_day, 0) / 7.0

    @property
    def mean_spend(self) -> FloatArray:
        """Return each customer's mean repeat spend, max(repeat revenue, 0) / x (0 if x = 0)."""
        repeat = np.maximum(self.repeat_minor, 0).astype(np.float64)
        return np.divide(repeat, self.frequency, out=np.zeros(len(repeat)),
                         where=self.frequency > 0)


SUMMARY_FIELDS = ("channel_id", "as_of_day", "first_day", "frequency", "recency_days",
                  "observed_minor", "repeat_minor")


@dataclass(frozen=True)
class Model:
    """A fitted pair: purchases (BG/NBD) and spend per purchase (Gamma-Gamma, in minor units)."""

    purchases: Fit
    spend: Fit
    customers: int

    def priors(self) -> tuple[Prior, Prior]:
        """Return this (pooled) model's fits as priors worth `PRIOR_CUSTOMERS` customers."""
        def prior(found: Fit) -> Prior:
            precision = np.asarray(np.linalg.inv(found.covariance) * PRIOR_CUSTOMERS
                                   / found.customers, np.float64)
            return Prior(mean=found.log_params, precision=precision)
        return prior(self.purchases), prior(self.spend)


def distinct_rows(columns: list[npt.NDArray[np.int64]]) -> tuple[IntArray, IntArray, IntArray]:
    """Return the distinct rows of integer `columns` (≥ 0), each row's index among them and
    their counts (sorted like np.unique): one mixed-radix int64 key, counted with bincount when
    its range is small and sorted otherwise; much faster than np.unique(axis=0)."""
    key = np.zeros(len(columns[0]), np.int64)
    radices = [int(column.max(initial=0)) + 1 for column in columns]
    for column, radix in zip(columns, radices, strict=True):
        key = key * radix + column
    space = int(np.prod(radices, dtype=np.float64))
    if space <= max(8 * len(key), 1 << 20):  # a small key space: count, no sort
        tally = np.bincount(key, minlength=space)
        unique = np.flatnonzero(tally)
        rank = np.zeros(space, np.int64)
        rank[unique] = np.arange(len(unique))
        inverse, count = rank[key], tally[unique]
    else:
        unique, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
    rows = np.empty((len(unique), len(columns)), np.int64)
    for i in range(len(columns) - 1, -1, -1):
        unique, rows[:, i] = np.divmod(unique, radices[i])
    return rows, inverse.ravel(), count


def _triples(customers: CustomerSummaries) -> bgnbd.Triples:
    rows, _, count = distinct_rows([customers.frequency, customers.recency.astype(np.int64),
                                    customers.age.astype(np.int64)])
    columns = rows.astype(np.float64)
    return bgnbd.Triples(columns[:, 0], columns[:, 1], columns[:, 2], count.astype(np.float64))


def _spends(customers: CustomerSummaries) -> gamma_gamma.Spends:
    """Return the repeat customers' spends grouped by frequency and 1 %-wide bins of mean spend
    (each bin at the geometric mean of its customers), so the fit's cost stays bounded."""
    mean = customers.mean_spend
    keep = mean > 0
    frequency, log_mean = customers.frequency[keep], np.log(mean[keep])
    bins = np.floor(log_mean / SPEND_BIN).astype(np.int64)
    rows, inverse, count = distinct_rows([frequency, bins - bins.min(initial=0)])
    centre = np.bincount(inverse, weights=log_mean, minlength=len(rows)) / count
    return gamma_gamma.Spends(rows[:, 0].astype(np.float64), np.exp(centre),
                              count.astype(np.float64))


def not_enough_data(customers: CustomerSummaries) -> str | None:
    """Return why `customers` cannot support a pooled fit, or None when they can."""
    if len(customers.frequency) < MIN_CUSTOMERS:
        return f"fewer than {MIN_CUSTOMERS} customers"
    if not (customers.frequency > 0).any():
        return "no customer has bought again on a later day"
    spenders = customers.mean_spend > 0
    if spenders.sum() < MIN_SPENDERS:
        return f"fewer than {MIN_SPENDERS} customers with repeat purchases worth more than refunds"
    if np.unique(customers.mean_spend[spenders]).size < 2:
        return "every repeat customer spent the same"
    return None


def fit_pooled(customers: CustomerSummaries) -> Model | str:
    """Return the model fitted on every customer, or the reason there is not enough data."""
    reason = not_enough_data(customers)
    if reason is not None:
        return reason
    purchases = bgnbd.fit(_triples(customers))
    spend = gamma_gamma.fit(_spends(customers))
    if purchases is None or spend is None:
        return "the repeat-purchase model could not be fitted to these purchases"
    if spend.params[1] <= 1:
        return "spend per purchase varies too much for a finite mean (Gamma-Gamma q ≤ 1)"
    return Model(purchases=purchases, spend=spend, customers=len(customers.frequency))


def fit_channel(customers: CustomerSummaries, pooled: Model) -> Model:
    """Return a channel's model shrunk toward `pooled` (the pooled model where a part of it
    cannot be fitted, e.g. a channel without repeat purchases keeps the pooled spend model)."""
    purchase_prior, spend_prior = pooled.priors()
    purchases = bgnbd.fit(_triples(customers), purchase_prior) if len(customers.frequency) else None
    spends = _spends(customers)
    spend = gamma_gamma.fit(spends, spend_prior) if spends.customers else None
    return Model(purchases=purchases or _as_prior(pooled.purchases, purchase_prior),
                 spend=spend or _as_prior(pooled.spend, spend_prior),
                 customers=len(customers.frequency))


def _as_prior(found: Fit, prior: Prior) -> Fit:
    """Return the pooled fit with the prior's spread (what a channel without data knows)."""
    return Fit(found.log_params, np.asarray(np.linalg.inv(prior.precision), np.float64),
               found.log_likelihood, 0.0)


def weight(customers: int) -> float:
    """Return the weight of a channel's own customers against the pooled model."""
    return customers / (customers + PRIOR_CUSTOMERS)


@dataclass(frozen=True)
class Groups:
    """Customers grouped by (x, t_x, T, weeks left): counts and summed mean repeat spend."""

    triples: bgnbd.Triples
    weeks_left: FloatArray
    spend_sum: FloatArray


def group(customers: CustomerSummaries, weeks_left: FloatArray) -> Groups:
    """Return `customers` grouped for projection with their weeks left to the horizon (at day
    resolution)."""
    days_left = np.round(np.maximum(weeks_left, 0) * 7).astype(np.int64)
    rows, inverse, count = distinct_rows([customers.frequency, customers.recency.astype(np.int64),
                                          customers.age.astype(np.int64), days_left])
    spend_sum = np.bincount(inverse, weights=customers.mean_spend,
                            minlength=len(rows)).astype(np.float64)
    columns = rows.astype(np.float64)
    triples = bgnbd.Triples(columns[:, 0], columns[:, 1], columns[:, 2], count.astype(np.float64))
    return Groups(triples=triples, weeks_left=rows[:, 3] / 7.0, spend_sum=spend_sum)


def future_revenue(purchase_params: FloatArray, spend_params: FloatArray,
                   groups: Groups) -> float:
    """Return the expected revenue (minor units) of the grouped customers in their weeks left."""
    live = groups.weeks_left > 0
    if not live.any():
        return 0.0
    triples = bgnbd.Triples(*(getattr(groups.triples, name)[live]
                              for name in ("frequency", "recency", "age", "count")))
    per_customer = bgnbd.expected_purchases(purchase_params, triples, groups.weeks_left[live])
    spend = gamma_gamma.expected_spend(spend_params, triples.frequency,
                                       groups.spend_sum[live], triples.count)
    return float(per_customer @ spend)


@dataclass(frozen=True)
class Projection:
    """A channel's projected revenue at the horizon (minor units) with its 80 % interval."""

    revenue_minor: float
    low_minor: float | None
    high_minor: float | None
    observed_minor: int
    customers: int
    weight: float  # of the channel's own customers against the pooled model


def project(model: Model, customers: CustomerSummaries, weeks_left: FloatArray,
            interval: bool = True) -> Projection:
    """Return the projection of `customers` under `model` with its 80 % interval from the fits'
    curvature (delta method on the log of the expected future revenue; none if not asked)."""
    groups = group(customers, weeks_left)
    observed = int(customers.observed_minor.sum())
    future = future_revenue(model.purchases.params, model.spend.params, groups)
    low: float | None = None
    high: float | None = None
    if interval and future > 0:
        spread = np.sqrt(_log_variance(model, groups, future))
        if np.isfinite(spread):
            low = observed + future * float(np.exp(-Z_80 * spread))
            high = observed + future * float(np.exp(Z_80 * spread))
    count = len(customers.frequency)
    return Projection(revenue_minor=observed + future, low_minor=low, high_minor=high,
                      observed_minor=observed, customers=count, weight=weight(count))


def _log_variance(model: Model, groups: Groups, future: float, step: float = 1e-4) -> float:
    """Return the variance of log(future revenue) implied by both fits' covariances."""
    variance = 0.0
    for found, position in ((model.purchases, 0), (model.spend, 1)):
        gradient = np.empty(len(found.log_params))
        for i in range(len(gradient)):
            shift = np.zeros(len(gradient))
            shift[i] = step
            values = []
            for sign in (1.0, -1.0):
                params = [model.purchases.params, model.spend.params]
                params[position] = np.exp(found.log_params + sign * shift)
                values.append(future_revenue(params[0], params[1], groups))
            gradient[i] = (np.log(values[0]) - np.log(values[1])) / (2 * step)
        variance += float(gradient @ found.covariance @ gradient)
    return variance


def future_by_age(model: Model, customers: CustomerSummaries, horizon_weeks: int) -> FloatArray:
    """Return the expected revenue (minor units) of `customers` from the as-of date to each
    cohort age 1 … `horizon_weeks` (entry k − 1: up to age k; 0 for ages already passed)."""
    by_day = group(customers, customers.as_of_day / 7.0)  # 4th key: the as-of day
    days = np.round(by_day.weeks_left * 7)
    return np.array([
        future_revenue(model.purchases.params, model.spend.params,
                       Groups(by_day.triples, np.maximum(7 * age - 1 - days, 0) / 7.0,
                              by_day.spend_sum))
        for age in range(1, horizon_weeks + 1)])


def interval_rule(low: float | None, high: float | None, bound: float) -> str | None:
    """Return "pass" when the whole interval is ≥ `bound`, "fail" when it is all below, and
    "undecided" when it straddles it; None without an interval."""
    if low is None or high is None:
        return None
    return "pass" if low >= bound else "fail" if high < bound else "undecided"


def projected_payback_week(revenue_by_age: FloatArray, current_age: IntArray,
                           spend_minor: int, margin: float,
                           future_by_age: FloatArray) -> int | None:
    """Return the first age k whose projected revenue through age k, times `margin`, covers
    `spend_minor`; None when none within the horizon (or no spend).

    `revenue_by_age` is the channel's cumulative triangle (cohorts × ages, NaN past a cohort's
    current age); a cohort's revenue through age k is its observed value at min(k, current age),
    and `future_by_age[k]` adds the expected revenue from the as-of date through age k.
    """
    if spend_minor <= 0 or not len(future_by_age):
        return None
    ages = np.arange(len(future_by_age))
    observed = np.zeros(len(ages))
    rows = min(len(current_age), revenue_by_age.shape[0])
    if rows and revenue_by_age.shape[1]:  # every cohort at once (a loop cost ~3 ms a channel)
        reached = np.minimum(np.asarray(current_age[:rows], np.int64), revenue_by_age.shape[1] - 1)
        upto = np.minimum(ages[None, :], reached[:, None])
        observed = np.nan_to_num(revenue_by_age[np.arange(rows)[:, None], upto]).sum(axis=0)
    pays = (observed + future_by_age) * margin >= spend_minor
    return int(np.argmax(pays)) if pays.any() else None
