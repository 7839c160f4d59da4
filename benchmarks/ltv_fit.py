"""Projected-LTV fit on ~400k customers: the pooled and every channel's shrunk model (issue 16).

Customers are simulated from CDNOW-like BG/NBD and Gamma-Gamma parameters (each channel's
purchase rate scaled differently), first buying over two years of weekly cohorts, as the 1M-lead
demo's ~400k customers do, and summarised at day resolution as `cohorts.ltv.summaries` reads
them. Timed, best of `--repeats`:

- fit: the pooled fit plus one shrunk fit per channel (target ≤ 2 s on the 2-core machine);
- project: the projections to 52 weeks with their 80 % intervals and projected payback curves,
  what the fit worker adds per data version;
- reference: evaluating the BG/NBD likelihood once per customer (400k rows, not grouped into
  triples) 50 times, i.e. a plain optimiser loop without the triples; the fit's ratio to it is
  printed so the figure can be compared across machines.

    python -m benchmarks ltv_fit [--customers 400000] [--channels 10] [--repeats 3]
"""

import argparse
import time
from collections.abc import Callable

import numpy as np

from cohorts.ltv import bgnbd
from cohorts.ltv.projection import (
    CustomerSummaries,
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

    ungrouped = bgnbd.Triples(customers.frequency.astype(float), customers.recency,
                              customers.age, np.ones(len(customers.frequency)))

    def reference() -> None:
        for _ in range(50):
            bgnbd.log_likelihood(pooled.purchases.log_params, ungrouped)

    fit_time = _best(args.repeats, fit_all)
    project_time = _best(args.repeats, project_all)
    reference_time = _best(args.repeats, reference)
    print(f"fit (pooled + {len(own)} channels): {fit_time:.2f} s (target ≤ 2 s)")
    print(f"project (52 weeks, 80 % intervals, payback curves): {project_time:.2f} s")
    print(f"reference (50 ungrouped likelihood evaluations): {reference_time:.2f} s")
    print(f"ratio fit / reference = {fit_time / reference_time:.2f}; "
          f"project / reference = {project_time / reference_time:.2f}")


if __name__ == "__main__":
    main()
