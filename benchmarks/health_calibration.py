"""Calibration of channel health statistics by seeded simulation (issue 13, items 3 and 4).

Not a speed benchmark: it prints rates, each next to its reference measured in the same run.

* Capacity on linear channels (customers ∝ spend, Poisson noise, 6–26 weeks, spend varied):
  how often a capacity is reported (target ≤ 6 %; the test's level is 5 %), and how often
  AIC or BIC would have preferred the curve on the same channels.
* Capacity on saturating channels: how often it is reported, the median and the 10–90 %
  range of fitted/true capacity, and how often the 90 % interval covers the truth; for a
  strong bend (the recovery test's channel) and a slight one (spend/(b·c) ≤ 0.6).
* Conversion trend on flat, overdispersed high-volume channels with 6–12 mature weeks: the
  false-positive rate at p < 0.05 with the t reference, against the normal reference that
  the same fits would give (target ≤ 6.5 %).

    python -m benchmarks health_calibration [--channels 4000] [--seed 13]
"""

import argparse
from collections.abc import Callable

import numpy as np
from scipy import stats

from channels.capacity import MAX_FLAT_START, fit_saturation
from channels.saturation import fit_curve
from channels.trends import binomial_trend

Simulate = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray, float]]


def linear_channel(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Return (spend, customers, inf): customers ∝ spend, 1–100 a week at the mean spend."""
    weeks = int(rng.integers(6, 27))
    spend = np.round(rng.lognormal(11.5, rng.uniform(0.3, 1.0), weeks))
    mean_customers = np.exp(rng.uniform(0.0, np.log(100)))
    return spend, rng.poisson(mean_customers * spend / spend.mean()), np.inf


def saturating_channel(bend: tuple[float, float], weeks: tuple[int, int]) -> Simulate:
    """Return a simulator of b·tanh(spend/(b·c)) channels with max spend/(b·c) in `bend`."""
    def simulate(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
        n = int(rng.integers(weeks[0], weeks[1] + 1))
        b, c = np.exp(rng.uniform(np.log(10), np.log(80))), 5_000.0
        relative = rng.uniform(0.04, 1.0, n)
        spend = np.round(relative * rng.uniform(*bend) * b * c)
        return spend, rng.poisson(b * np.tanh(spend / (b * c))), float(b)
    return simulate


def capacity_rates(simulate: Simulate, channels: int, seed: int) -> dict[str, float]:
    """Return the share reported, median and 10/90 % of fitted/true b, and interval coverage.

    Coverage is over the channels whose capacity is reported (where an interval is shown).
    """
    rng = np.random.default_rng(seed)
    reported, ratios, covered = 0, [], 0
    for _ in range(channels):
        spend, customers, truth = simulate(rng)
        fit = fit_saturation(spend, customers)
        if fit is not None and fit.b is not None:
            reported += 1
            ratios.append(fit.b / truth)
            lo, hi = fit.b_interval or (0.0, None)
            covered += lo <= truth and (hi is None or truth <= hi)
    q = np.quantile(ratios, [0.1, 0.5, 0.9]) if ratios else [np.nan] * 3
    return {"reported": reported / channels, "p10": q[0], "median": q[1], "p90": q[2],
            "coverage_when_reported": covered / reported if reported else np.nan}


def criterion_rates(channels: int, seed: int) -> tuple[float, float]:
    """Return how often AIC and BIC would prefer the curve on the linear channels."""
    rng = np.random.default_rng(seed)
    aic = bic = 0
    for _ in range(channels):
        spend, customers, _truth = linear_channel(rng)
        if fit_saturation(spend, customers) is None:
            continue
        drop = fit_curve(spend[spend > 0], customers[spend > 0], MAX_FLAT_START).deviance_drop
        aic += drop > 2  # one parameter more: AIC prefers the curve when 2·Δlog L > 2
        bic += drop > np.log(spend.size)
    return aic / channels, bic / channels


def flat_trend_rates(channels: int, seed: int) -> tuple[float, float, int]:
    """Return false-positive rates (t reference, normal reference) and the channels fitted."""
    rng = np.random.default_rng(seed)
    t_hits = normal_hits = fitted = 0
    for _ in range(channels):
        weeks = int(rng.integers(6, 13))
        leads = rng.integers(2_000, 8_000, weeks)
        rate = 0.05 * rng.lognormal(0, rng.uniform(0.1, 0.4), weeks)
        trend = binomial_trend(np.arange(weeks, dtype=float), rng.binomial(leads, rate), leads)
        if trend is None:
            continue
        fitted += 1
        t_hits += trend.p_value < 0.05
        normal_hits += 2 * stats.norm.sf(abs(trend.slope / trend.std_error)) < 0.05
    return t_hits / fitted, normal_hits / fitted, fitted


def main(argv: list[str] | None = None) -> None:
    """Run the simulations and print the rates."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    n, seed = args.channels, args.seed
    linear = capacity_rates(linear_channel, n, seed)
    aic, bic = criterion_rates(n, seed)
    print(f"capacity on linear channels: reported {100 * linear['reported']:.1f} % "
          f"of {n} (target ≤ 6 %, test level 5 %); AIC would prefer the curve for "
          f"{100 * aic:.1f} %, BIC for {100 * bic:.1f} %")
    cases = (("strong bend 1.5–3, 20 weeks", saturating_channel((1.5, 3.0), (20, 20))),
             ("strong bend 1.5–3, 6–26 weeks", saturating_channel((1.5, 3.0), (6, 26))),
             ("slight bend 0.3–0.6, 6–26 weeks", saturating_channel((0.3, 0.6), (6, 26))))
    for name, simulate in cases:
        r = capacity_rates(simulate, n // 4, seed + 1)
        print(f"capacity on saturating channels, {name}: reported {100 * r['reported']:.1f} %; "
              f"fitted/true b median {r['median']:.2f} (10–90 %: {r['p10']:.2f}–{r['p90']:.2f}); "
              f"90 % interval covers the truth in {100 * r['coverage_when_reported']:.1f} % "
              "of those reported")
    t_rate, normal_rate, fitted = flat_trend_rates(n, seed + 2)
    print(f"conversion trend, flat overdispersed channels with 6–12 weeks ({fitted} fitted): "
          f"false positives {100 * t_rate:.1f} % with the t reference (target ≤ 6.5 %) against "
          f"{100 * normal_rate:.1f} % with the normal reference")
