"""Channel health (SPEC §5): mature cohort weeks, efficiency trends, status and its reason.

Pure numpy. A channel's *efficiency* signals are conversion (customers within the maturity
age / leads, per cohort week) and, where impressions and clicks are logged, CTR. Each gets
a logistic trend and a level test; the channel takes the worst signal's status. CAC
(spend / customers) gets a Theil–Sen slope with a Mann–Kendall test and is reported, but it
does not flag on its own: it moves with the spend level (saturation), not only with decay.
"""

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from channels.capacity import (
    WEEKS_PER_MONTH,
    SaturationFit,
    economic_capacity_spend,
    fit_saturation,
    marginal_cac,
    observed_capacity,
)
from channels.health_text import no_trend, signal_reason, too_little_data
from channels.trends import BinomialTrend, RankTrend, binomial_trend, rank_trend

Status = Literal["healthy", "watch", "burned_out", "not_enough_data"]
SEVERITY: dict[str, int] = {"not_enough_data": 0, "healthy": 1, "watch": 2, "burned_out": 3}
MIN_MATURE_WEEKS = 6
LEVEL_WEEKS = 4
# A significant trend flags only when the fitted level fell at least 10 %: with millions of
# impressions a 3 % CTR drift is "significant" but is not burnout.
MATERIAL_DECLINE = 0.9
RECENT_SPEND_WEEKS = 4


@dataclass(frozen=True)
class HealthSettings:
    """Thresholds from the install's settings (part of every cache key)."""

    mature_weeks: int = 4
    burnout_p: float = 0.05
    watch_p: float = 0.10
    burnout_level: float = 0.5
    watch_level: float = 0.7
    ltv_to_cac_min: float = 3.0


@dataclass(frozen=True)
class HealthSeries:
    """One channel's weekly facts, oldest first, all arrays (W,).

    customers: leads of the cohort week that bought within `maturity` weeks of age (valid
    where `mature`); impressions/clicks: −1 where not logged; ltv_minor: observed LTV.
    """

    weeks: npt.NDArray[np.datetime64]
    spend_minor: npt.NDArray[np.int64]
    leads: npt.NDArray[np.int64]
    customers: npt.NDArray[np.int64]
    mature: npt.NDArray[np.bool_]
    impressions: npt.NDArray[np.int64]
    clicks: npt.NDArray[np.int64]
    maturity: int
    ltv_minor: float | None = None


@dataclass(frozen=True)
class Signal:
    """One efficiency signal over its weeks: rates, trend, level ratio, status and reason."""

    name: str
    weeks: npt.NDArray[np.datetime64]
    successes: npt.NDArray[np.int64]
    trials: npt.NDArray[np.int64]
    trend: BinomialTrend | None
    best_level: float | None
    last_level: float | None
    status: Status
    reason: str

    @property
    def rates(self) -> npt.NDArray[np.float64]:
        """Return successes / trials per week (trials are > 0 by construction)."""
        return self.successes / self.trials


CapacityModel = Literal["saturating", "no_limit_seen", "not_enough_data"]


@dataclass(frozen=True)
class Capacity:
    """Capacity per month (customers), the fitted curve, marginal CAC (minor units) and the
    monthly spend where marginal CAC reaches LTV ÷ the LTV:CAC threshold; None: undefined.

    model: "saturating" (the curve beat the straight line: modelled capacity with its 90 %
    interval per month, upper None = unbounded), "no_limit_seen" (no capacity figure; the
    line's CAC and the largest weekly spend tried) or "not_enough_data". saturation_p_value:
    the one-sided test of curve against line.
    """

    observed_per_month: float | None
    modelled_per_month: float | None
    fit: SaturationFit | None
    recent_weekly_spend_minor: float | None
    average_cac_minor: float | None
    marginal_cac_minor: float | None
    economic_spend_per_month_minor: float | None
    model: CapacityModel = "not_enough_data"
    modelled_interval_per_month: tuple[float, float | None] | None = None
    saturation_p_value: float | None = None
    linear_cac_minor: float | None = None
    no_limit_up_to_weekly_spend_minor: float | None = None


@dataclass(frozen=True)
class ChannelHealth:
    """A channel's health as of a date."""

    status: Status
    reason: str
    mature_weeks: int
    maturity: int
    conversion: Signal
    ctr: Signal | None
    cac_weeks: npt.NDArray[np.datetime64]
    cac_minor: npt.NDArray[np.float64]
    cac_trend: RankTrend | None
    capacity: Capacity | None  # None when not asked for (status history)


def maturity_weeks(mature_weeks: int, p75_days: float | None) -> int:
    """Return the age (weeks) a cohort needs: the setting, or the p75 sales cycle if longer."""
    cycle = math.ceil(p75_days / 7) if p75_days else 0
    return max(mature_weeks, cycle, 1)


def window_levels(successes: npt.ArrayLike, trials: npt.ArrayLike) -> tuple[float, float] | None:
    """Return (best, last) pooled rate over 4 consecutive entries; None if fewer than 4."""
    y, n = np.asarray(successes, dtype=np.float64), np.asarray(trials, dtype=np.float64)
    if y.size < LEVEL_WEEKS or n.sum() <= 0:
        return None
    kernel = np.ones(LEVEL_WEEKS)
    rates = np.convolve(y, kernel, "valid") / np.maximum(np.convolve(n, kernel, "valid"), 1e-12)
    return float(rates.max()), float(rates[-1])


def trend_levels(trend: BinomialTrend, index: npt.ArrayLike, trials: npt.ArrayLike,
                 slope: float | None = None) -> tuple[float, float] | None:
    """Return (best, last) 4-week level of the fitted rates (weighted by trials)."""
    n = np.asarray(trials, dtype=np.float64)
    return window_levels(trend.rates_at(index, slope) * n, n)


def _ratio(levels: tuple[float, float] | None) -> float:
    return levels[1] / levels[0] if levels and levels[0] > 0 else 1.0


def classify(trend: BinomialTrend, index: npt.ArrayLike, successes: npt.ArrayLike,
             trials: npt.ArrayLike, settings: HealthSettings) -> Status:
    """Return the SPEC §5 status of one signal from its trend and 4-week levels.

    Burned out: significant decline and raw last-4-weeks level ≤ 50 % of the best raw 4
    weeks (the significance test guards the noisy best window). Watch: a significant and
    material decline (fitted level down ≥ 10 %), or a level ≤ 70 % of the best judged on the
    fitted trend at the slope's one-sided upper (1 − watch_p) bound — raw windows alone
    flagged most steady demo channels, since the best of many noisy windows sits far above
    the true level.
    """
    down = trend.slope < 0
    raw = _ratio(window_levels(successes, trials))
    if down and trend.p_value < settings.burnout_p and raw <= settings.burnout_level:
        return "burned_out"
    material = down and _ratio(trend_levels(trend, index, trials)) <= MATERIAL_DECLINE
    upper = trend.slope + trend.critical_value(settings.watch_p) * trend.std_error
    bound_ratio = _ratio(trend_levels(trend, index, trials, upper))
    if (material and trend.p_value < settings.watch_p) or bound_ratio <= settings.watch_level:
        return "watch"
    return "healthy"


def assess_signal(name: str, weeks: npt.NDArray[np.datetime64], successes: npt.ArrayLike,
                  trials: npt.ArrayLike, spend: npt.ArrayLike | None,
                  settings: HealthSettings) -> Signal:
    """Return one signal's trend and status over weeks with trials > 0 (week index in weeks)."""
    y, n = np.asarray(successes, dtype=np.int64), np.asarray(trials, dtype=np.int64)
    keep = n > 0
    weeks, y, n = weeks[keep], y[keep], n[keep]
    s = None if spend is None else np.asarray(spend)[keep]
    if weeks.size < MIN_MATURE_WEEKS:
        return Signal(name, weeks, y, n, None, None, None, "not_enough_data",
                      too_little_data(name, int(weeks.size), MIN_MATURE_WEEKS))
    index = (weeks - weeks[0]).astype(np.int64) / 7.0
    trend = binomial_trend(index, y, n, s)
    if trend is None:
        return Signal(name, weeks, y, n, None, None, None, "not_enough_data",
                      no_trend(name, int(y.sum()), int(n.sum()), int(weeks.size)))
    status = classify(trend, index, y, n, settings)
    levels = window_levels(y, n)
    reason = signal_reason(name, status, trend, levels, float(index[-1]))
    best, last = levels if levels else (None, None)
    return Signal(name, weeks, y, n, trend, best, last, status, reason)


def _cac_series(series: HealthSeries) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.float64]]:
    """Return mature weeks with spend and customers, and their CAC (minor units)."""
    keep = series.mature & (series.spend_minor > 0) & (series.customers > 0)
    return series.weeks[keep], series.spend_minor[keep] / series.customers[keep]


def assess_capacity(series: HealthSeries, settings: HealthSettings) -> Capacity:
    """Return observed and modelled capacity, marginal CAC and economic capacity."""
    mature = series.mature
    spend, customers = series.spend_minor[mature], series.customers[mature]
    fit = fit_saturation(spend, customers)
    paid = series.spend_minor[series.spend_minor > 0]
    recent = float(paid[-RECENT_SPEND_WEEKS:].mean()) if paid.size else None
    average = float(spend.sum() / customers.sum()) if customers.sum() > 0 else None
    target = (series.ltv_minor / settings.ltv_to_cac_min
              if series.ltv_minor and settings.ltv_to_cac_min > 0 else None)
    economic = economic_capacity_spend(fit, target) if fit else None
    saturating = fit is not None and fit.b is not None
    return Capacity(
        observed_per_month=observed_capacity(customers),
        modelled_per_month=fit.b * WEEKS_PER_MONTH if fit and fit.b else None,
        fit=fit,
        recent_weekly_spend_minor=recent,
        average_cac_minor=average,
        marginal_cac_minor=marginal_cac(fit, recent) if fit and recent else None,
        economic_spend_per_month_minor=None if economic is None else economic * WEEKS_PER_MONTH,
        model="not_enough_data" if fit is None else "saturating" if saturating else "no_limit_seen",
        modelled_interval_per_month=_per_month(fit.b_interval) if fit else None,
        saturation_p_value=fit.p_value if fit else None,
        linear_cac_minor=fit.linear_cac if fit else None,
        no_limit_up_to_weekly_spend_minor=fit.max_spend if fit and not saturating else None,
    )


def _per_month(weekly: tuple[float, float | None] | None) -> tuple[float, float | None] | None:
    """Return a weekly (low, high) interval as customers per month (high None stays None)."""
    if weekly is None:
        return None
    low, high = weekly
    return low * WEEKS_PER_MONTH, None if high is None else high * WEEKS_PER_MONTH


def _has_traffic(series: HealthSeries) -> npt.NDArray[np.bool_]:
    return (series.impressions > 0) & (series.clicks >= 0)


def assess(series: HealthSeries, settings: HealthSettings,
           with_capacity: bool = True) -> ChannelHealth:
    """Return the channel's status, reason, signals, CAC trend and (optionally) capacity."""
    m = series.mature
    spend = series.spend_minor[m]
    conversion = assess_signal("conversion", series.weeks[m], series.customers[m],
                               series.leads[m], spend, settings)
    traffic = _has_traffic(series)
    ctr = None
    if traffic.sum() >= MIN_MATURE_WEEKS:
        ctr = assess_signal("click-through rate", series.weeks[traffic], series.clicks[traffic],
                            series.impressions[traffic], series.spend_minor[traffic], settings)
    status, reason = conversion.status, conversion.reason
    if status != "not_enough_data" and ctr and SEVERITY[ctr.status] > SEVERITY[status]:
        status, reason = ctr.status, ctr.reason
    cac_weeks, cac = _cac_series(series)
    cac_index = (cac_weeks - cac_weeks[0]).astype(np.int64) / 7.0 if cac.size else cac
    return ChannelHealth(
        status=status, reason=reason, mature_weeks=int((m & (series.leads > 0)).sum()),
        maturity=series.maturity, conversion=conversion, ctr=ctr,
        cac_weeks=cac_weeks, cac_minor=cac, cac_trend=rank_trend(cac_index, cac),
        capacity=assess_capacity(series, settings) if with_capacity else None,
    )
