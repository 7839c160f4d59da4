"""Weekly looks under the null and under real lifts: sequential against fixed-horizon tests.

Simulates two groups of leads week by week (seeded), applies the compare guard (30 leads per
group, 5 customers in total) and the test at every weekly look, and prints the chance of ever
calling a winner under the null, the power and the median weeks to a decision under +20 % and
+50 % lifts. `python -m benchmarks sequential_looks [-- --runs N]`.
"""

import argparse
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from experiments.sequential import DEFAULT_EXPECTED_LEADS, always_valid_p

FloatArray = npt.NDArray[np.float64]
WEEKS = 26


@dataclass(frozen=True)
class Scenario:
    """Weekly leads per group, conversion of A, relative lift of B, revenue (σ) or None."""

    leads_per_week: int
    conversion: float
    lift: float = 0.0
    sigma: float | None = None  # lognormal σ of a buyer's revenue; None: conversion metric


@dataclass(frozen=True)
class Cumulative:
    """One group's cumulative leads, buyers, Σx and Σx² per run and week (shape (runs, WEEKS))."""

    n: FloatArray
    buyers: FloatArray
    total: FloatArray
    total_sq: FloatArray


def weekly_moments(s: Scenario, runs: int, rng: np.random.Generator, lift: float) -> Cumulative:
    """Return one group's cumulative weekly sums; revenue is lognormal per buyer, 0 otherwise."""
    n = np.full((runs, WEEKS), s.leads_per_week, dtype=np.float64).cumsum(axis=1)
    buyers = rng.binomial(s.leads_per_week, min(1.0, s.conversion * (1 + lift)), (runs, WEEKS))
    cum_buyers = buyers.astype(np.float64).cumsum(axis=1)
    if s.sigma is None:
        return Cumulative(n, cum_buyers, cum_buyers, cum_buyers)
    most = max(1, int(buyers.max()))
    draws = rng.lognormal(0.0, s.sigma, (runs, WEEKS, most))
    draws = np.where(np.arange(most)[None, None, :] < buyers[:, :, None], draws, 0.0)
    return Cumulative(n, cum_buyers, draws.sum(axis=2).cumsum(axis=1),
                      (draws**2).sum(axis=2).cumsum(axis=1))


def p_values(s: Scenario, a: Cumulative, b: Cumulative, sequential: bool,
             expected_leads: float) -> FloatArray:
    """Return each look's p-value: always valid, or the fixed-horizon test compare shows."""
    ma, mb = a.total / a.n, b.total / b.n
    with np.errstate(divide="ignore", invalid="ignore"):
        if s.sigma is None:
            va, vb = ma * (1 - ma), mb * (1 - mb)
        else:
            va = (a.total_sq - a.total**2 / a.n) / (a.n - 1)
            vb = (b.total_sq - b.total**2 / b.n) / (b.n - 1)
        variance = va / a.n + vb / b.n
        if sequential:
            return always_valid_p(mb - ma, variance, a.n + b.n, expected_leads)
        if s.sigma is None:
            pooled = (a.total + b.total) / (a.n + b.n)
            z = (mb - ma) / np.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n))
            return np.asarray(2 * stats.norm.sf(np.abs(z)), dtype=np.float64)
        t = (mb - ma) / np.sqrt(variance)
        df = variance**2 / ((va / a.n) ** 2 / (a.n - 1) + (vb / b.n) ** 2 / (b.n - 1))
        return np.asarray(2 * stats.t.sf(np.abs(t), df), dtype=np.float64)


def significant_weeks(s: Scenario, runs: int, seed: int, sequential: bool,
                      expected_leads: float = DEFAULT_EXPECTED_LEADS) -> npt.NDArray[np.bool_]:
    """Return (runs, WEEKS) booleans: would this look call a winner (guard included)?"""
    rng = np.random.default_rng(seed)
    a, b = weekly_moments(s, runs, rng, 0.0), weekly_moments(s, runs, rng, s.lift)
    p = np.nan_to_num(p_values(s, a, b, sequential, expected_leads), nan=1.0)
    enough = (np.minimum(a.n, b.n) >= 30) & (a.buyers + b.buyers >= 5)
    return np.asarray(enough & (p < 0.05))


def ever_called(weeks: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Return the share of runs that ever called a winner and its 95 % upper (Clopper-Pearson)."""
    runs, called = weeks.shape[0], int(weeks.any(axis=1).sum())
    upper = 1.0 if called == runs else float(stats.beta.ppf(0.975, called + 1, runs - called))
    return called / runs, upper


def median_weeks(weeks: npt.NDArray[np.bool_], sequential: bool) -> float | None:
    """Return the median week of the decision (first significant look; fixed: week 26 only)."""
    if not sequential:
        return float(WEEKS) if weeks[:, -1].mean() >= 0.5 else None
    first = np.where(weeks.any(axis=1), weeks.argmax(axis=1) + 1, np.inf)
    found = float(np.median(first))
    return None if not np.isfinite(found) else found


SCENARIOS = [Scenario(50, 0.05), Scenario(50, 0.30), Scenario(500, 0.05), Scenario(500, 0.30),
             Scenario(50, 0.20, sigma=1.2), Scenario(500, 0.20, sigma=1.2)]


def main(argv: list[str] | None = None) -> None:
    """Print null calibration and power (+20 %, +50 %) of both kinds of test."""
    parser = argparse.ArgumentParser(prog="sequential_looks")
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--expected-leads", type=float, default=DEFAULT_EXPECTED_LEADS)
    args = parser.parse_args(argv)
    print(f"{WEEKS} weekly looks, {args.runs} runs per row, tuning N* = {args.expected_leads:g}")
    print("scenario                      lift  test        ever called (upper 95 %)  median weeks")
    for base in SCENARIOS:
        for lift in (0.0, 0.2, 0.5):
            s = Scenario(base.leads_per_week, base.conversion, lift, base.sigma)
            for sequential in (False, True):
                weeks = significant_weeks(s, args.runs, 7, sequential, args.expected_leads)
                share, upper = ever_called(weeks)
                if not sequential:  # fixed horizon: one look at week 26
                    share = float(weeks[:, -1].mean())
                    upper = float(stats.beta.ppf(0.975, weeks[:, -1].sum() + 1,
                                                 max(1, args.runs - weeks[:, -1].sum())))
                metric = "conversion" if s.sigma is None else "revenue σ1.2"
                label = f"{metric} {s.leads_per_week}/wk p={s.conversion:.2f}"
                median = median_weeks(weeks, sequential)
                print(f"{label:<28} {lift:+4.0%}  {'sequential' if sequential else 'fixed@26':<10}"
                      f"  {share:6.1%} ({upper:5.1%})            "
                      f"{'—' if median is None else f'{median:.0f}'}")
            if lift == 0.0:
                naive = significant_weeks(s, args.runs, 7, False, args.expected_leads)
                print(f"{'':<28} {'':>4}  weekly z/t   {ever_called(naive)[0]:6.1%} ever "
                      "(fixed-horizon test at every look)")


if __name__ == "__main__":
    main()
