"""Projected-LTV fit on ~400k customers: the pooled and every channel's shrunk model (issue 16).

Customers are simulated from CDNOW-like BG/NBD and Gamma-Gamma parameters (each channel's
purchase rate scaled differently), first buying over two years of weekly cohorts, as the 1M-lead
demo's ~400k customers do, and summarised at day resolution as `cohorts.ltv.summaries` reads
them. Timed, best of `--repeats`:

- fit: the pooled fit plus one shrunk fit per channel (target ≤ 2 s on the 2-core machine);
- project: the projections to 52 weeks with their 80 % intervals and projected payback curves,
  what the fit worker adds per data version;
- floor: the same two log-likelihoods optimised by the simplest code, for the pooled model
  only: the papers' formulas evaluated per distinct (x, t_x, T) triple and (x, mean-spend bin)
  row (the grouping done beforehand, not timed), value only, handed to scipy's L-BFGS-B with
  its finite-difference gradient from the same start, no curvature. The product's fit does
  eleven such fits (pooled + 10 channels), each with its curvature, so a ratio near 1 means
  the work per fit costs about a tenth of the plain code's. The ratios are printed so the
  figures can be compared across machines and loads.

    python -m benchmarks ltv_fit [--customers 400000] [--channels 10] [--repeats 3]
"""

import argparse
import time
from collections.abc import Callable

import numpy as np
from scipy import optimize, special
from threadpoolctl import threadpool_limits

from cohorts.ltv import bgnbd, gamma_gamma
from cohorts.ltv.projection import (
    CustomerSummaries,
    _spends,
    _triples,
    fit_channel,
    fit_pooled,
    future_by_age,
    project,
)

AS_OF_DAY = 7 * 104 - 1  # the last day of week 103


def simulate(customers: int, channels: int, seed: int = 16) -> CustomerSummaries:
    """Return `customers` simulated customers over `channels` channels (vectorised)."""
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet(np.full(channels, 0.7))
    channel = rng.choice(channels, customers, p=shares) + 1
    rate = rng.gamma(0.243, 1 / 4.414, customers) * (0.5 + channel / channels)
    dropout = rng.beta(0.793, 2.426, customers)
    nu = rng.gamma(3.74, 1 / 1544.0, customers)
    cohort_day = 7 * rng.integers(0, 104, customers)
    moment = cohort_day / 7 + rng.uniform(size=customers)  # weeks since the first cohort week
    first = (moment * 7).astype(np.int64)
    last = first.copy()
    frequency = np.zeros(customers, np.int64)
    amount = np.round(rng.gamma(6.25, 1 / nu)).astype(np.int64)
    observed, repeat = amount.copy(), np.zeros(customers, np.int64)
    alive = np.ones(customers, bool)
    end = (AS_OF_DAY + 1) / 7
    while alive.any():
        live = np.flatnonzero(alive)
        moment[live] += rng.exponential(1 / rate[live])
        going = live[moment[live] < end]
        alive[live[moment[live] >= end]] = False
        day = (moment[going] * 7).astype(np.int64)
        spent = np.round(rng.gamma(6.25, 1 / nu[going])).astype(np.int64)
        observed[going] += spent
        repeat[going] += np.where(day > first[going], spent, 0)
        new_day = day > last[going]
        frequency[going] += new_day
        last[going] = np.where(new_day, day, last[going])
        alive[going[rng.uniform(size=len(going)) < dropout[going]]] = False
    return CustomerSummaries(channel_id=channel, as_of_day=AS_OF_DAY - cohort_day,
                             first_day=first - cohort_day, frequency=frequency,
                             recency_days=last - first, observed_minor=observed,
                             repeat_minor=repeat)


def plain_bgnbd(log_params: np.ndarray, data: bgnbd.Triples) -> float:
    """Return minus the BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6), per triple."""
    r, alpha, a, b = np.exp(log_params)
    x, t_x, age = data.frequency, data.recency, data.age
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b)
          - special.gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + age)
    a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300))
                  - (r + x) * np.log(alpha + t_x), -np.inf)
    return -float(data.count @ (a1 + a2 + np.logaddexp(a3, a4)))


def plain_gamma_gamma(log_params: np.ndarray, data: gamma_gamma.Spends) -> float:
    """Return minus the Gamma-Gamma log-likelihood (Fader, Hardie & Lee 2005b), per row."""
    p, q, gamma = np.exp(log_params)
    x, m = data.frequency, data.mean_spend
    px = p * x
    return -float(data.count @ (
        special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(gamma)
        + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(gamma + m * x)))


def floor_fit(customers: CustomerSummaries) -> Callable[[], None]:
    """Return the floor's work: the pooled model fitted by the simplest code."""
    triples = _triples(customers)
    spends = _spends(customers)
    scale = gamma_gamma.scale_of(spends)
    scaled = gamma_gamma.Spends(spends.frequency, spends.mean_spend / scale, spends.count)

    def work() -> None:
        with np.errstate(all="ignore"), threadpool_limits(1):
            for objective, data, start in ((plain_bgnbd, triples, np.zeros(4)),
                                           (plain_gamma_gamma, scaled, np.array([1.0, 1, 0]))):
                found = optimize.minimize(objective, start, args=(data,), method="L-BFGS-B",
                                          bounds=[bgnbd.LOG_BOUNDS] * len(start))
                assert found.success, found.message
    return work


def _best(repeats: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    """Time the fits, the projections and the reference; print them and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400_000)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    customers = simulate(args.customers, args.channels)
    own = {int(c): customers.only(customers.channel_id == c)
           for c in np.unique(customers.channel_id)}
    triples = bgnbd.triples_of(customers.frequency, customers.recency, customers.age)
    print(f"{args.customers:,} customers, {len(own)} channels, "
          f"{int((customers.frequency > 0).sum()):,} repeat customers, "
          f"{len(triples.count):,} distinct (x, t_x, T) triples")

    def fit_all() -> None:
        pooled = fit_pooled(customers)
        assert not isinstance(pooled, str), pooled
        for part in own.values():
            fit_channel(part, pooled)

    pooled = fit_pooled(customers)
    assert not isinstance(pooled, str), pooled
    models = {c: fit_channel(part, pooled) for c, part in own.items()}

    def project_all() -> None:
        for c, part in own.items():
            project(models[c], part, part.weeks_left(52))
            future_by_age(models[c], part, 52)

    floor = floor_fit(customers)
    fit_time = _best(args.repeats, fit_all)
    floor_time = _best(args.repeats, floor)
    project_time = _best(args.repeats, project_all)
    print(f"fit (pooled + {len(own)} channels): {fit_time:.2f} s (target ≤ 2 s)")
    print(f"floor (pooled only, plain likelihoods, finite differences): {floor_time:.2f} s")
    print(f"project (52 weeks, 80 % intervals, payback curves): {project_time:.2f} s")
    print(f"ratio fit / floor = {fit_time / floor_time:.2f}; "
          f"project / floor = {project_time / floor_time:.2f}")


if __name__ == "__main__":
    main()
