"""Cohort engine vs DuckDB on the 1M-lead demo dataset, both working on in-memory data.

The engine (cohorts.events + cohorts.triangle + cohorts.economics) builds every channel's
cohort triangle (cumulative customers, revenue, ROI by age) and totals from raw event
arrays. DuckDB runs the equivalent GROUP BY (leads per cohort; first purchases and
revenue per cohort and age; cumulative sums by age) on the same arrays loaded into its
in-memory tables. Target (issue 3): engine time / DuckDB time ≤ 1.0.

    python -m benchmarks engine [--leads 1000000] [--repeats 7]
"""

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from cohorts.economics import channel_economics
from cohorts.events import AllCohorts, EventArrays, all_cohorts
from cohorts.triangle import CohortCounts, build_triangle
from demo.generator import DemoDataset, generate

END = date(2026, 11, 15)
WEEKS = 104

DUCKDB_SQL = """
WITH first AS (
    SELECT lead, MIN(week) AS week FROM purchases GROUP BY lead
), new AS (
    SELECT l.channel, l.week AS cohort, f.week - l.week AS age, COUNT(*) AS customers
    FROM first f JOIN leads l ON l.id = f.lead WHERE f.week >= l.week GROUP BY ALL
), revenue AS (
    SELECT l.channel, l.week AS cohort, p.week - l.week AS age, SUM(p.amount) AS revenue
    FROM purchases p JOIN leads l ON l.id = p.lead WHERE p.week >= l.week GROUP BY ALL
), sizes AS (
    SELECT channel, week AS cohort, COUNT(*) AS leads FROM leads GROUP BY ALL
)
SELECT r.channel, r.cohort, r.age, s.leads,
       SUM(COALESCE(n.customers, 0)) OVER w AS customers,
       SUM(r.revenue) OVER w AS revenue
FROM revenue r
JOIN sizes s USING (channel, cohort)
LEFT JOIN new n USING (channel, cohort, age)
WINDOW w AS (PARTITION BY r.channel, r.cohort ORDER BY r.age)
"""


def event_arrays(data: DemoDataset) -> EventArrays:
    """Return the demo's events on a week grid starting at its first week."""
    first = np.datetime64(data.first_week, "D")
    lead_week = ((data.lead_cohort_week - first) // np.timedelta64(7, "D")).astype(np.int64)
    purchase_days = (data.purchased_on.astype("datetime64[D]") - first).astype(np.int64)
    spend = np.zeros((len(data.channels), WEEKS), dtype=np.int64)
    spend_week = ((data.spend_week - first) // np.timedelta64(7, "D")).astype(np.int64)
    np.add.at(spend, (data.spend_channel, spend_week), data.spend_amount_minor)
    return EventArrays(
        lead_channel=data.lead_channel.astype(np.int64),
        lead_week=lead_week,
        purchase_lead=data.purchase_lead.astype(np.int64),
        purchase_week=purchase_days // 7,
        purchase_amount_minor=data.purchase_amount_minor.astype(np.int64),
        spend_minor=spend,
    )


def engine(events: EventArrays, first_week: date) -> list[Any]:
    """Return every channel's triangle and totals as of the last week."""
    cohorts: AllCohorts = all_cohorts(events)
    n_weeks = events.spend_minor.shape[1]
    current_age = (n_weeks - 1) - np.arange(n_weeks)
    weeks = np.datetime64(first_week, "D") + 7 * np.arange(n_weeks)
    results = []
    for c in range(events.spend_minor.shape[0]):
        counts = CohortCounts(
            weeks,
            current_age,
            cohorts.spend_minor[c],
            cohorts.leads[c],
            cohorts.new_customers[c],
            cohorts.revenue_minor[c],
        )
        triangle = build_triangle(counts)
        results.append((triangle, channel_economics(triangle)))
    return results


def duckdb_connection(events: EventArrays) -> Any:
    """Return a DuckDB connection with the events loaded into in-memory tables."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    leads = pa.table(
        {
            "id": np.arange(events.lead_channel.size),
            "channel": events.lead_channel,
            "week": events.lead_week,
        }
    )
    purchases = pa.table(
        {
            "lead": events.purchase_lead,
            "week": events.purchase_week,
            "amount": events.purchase_amount_minor,
        }
    )
    con.register("leads_arrow", leads)
    con.register("purchases_arrow", purchases)
    con.execute("CREATE TABLE leads AS SELECT * FROM leads_arrow")
    con.execute("CREATE TABLE purchases AS SELECT * FROM purchases_arrow")
    return con


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Return the median seconds of `repeats` runs of `fn` and its last result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    """Time the engine and DuckDB on the same data; print both and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    data = generate(leads=args.leads, seed=7, weeks=WEEKS, end=END)
    events = event_arrays(data)
    print(
        f"{events.lead_channel.size:,} leads, {events.purchase_lead.size:,} purchases, "
        f"{events.spend_minor.shape[0]} channels, {WEEKS} weeks"
    )
    con = duckdb_connection(events)
    engine_s, results = best_of(lambda: engine(events, data.first_week), args.repeats)
    duck_s, rows = best_of(lambda: con.execute(DUCKDB_SQL).fetchnumpy(), args.repeats)
    check_totals(results, rows)
    print(f"engine  {engine_s * 1000:8.1f} ms  (median of {args.repeats})")
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"duckdb  {duck_s * 1000:8.1f} ms  (median of {args.repeats}, {threads} threads)")
    print(f"engine / duckdb = {engine_s / duck_s:.2f} (target ≤ 1.0)")


def check_totals(results: list[Any], rows: dict[str, Any]) -> None:
    """Fail loudly unless both computations agree on total customers and revenue."""
    customers = sum(e.customers for _t, e in results)
    revenue = sum(e.revenue_minor for _t, e in results)
    last: dict[tuple[int, int], tuple[int, int, int]] = {}
    for ch, cohort, age, cust, rev in zip(
        rows["channel"],
        rows["cohort"],
        rows["age"],
        rows["customers"],
        rows["revenue"],
        strict=True,
    ):
        key = (int(ch), int(cohort))
        if key not in last or age > last[key][0]:
            last[key] = (age, int(cust), int(rev))
    duck_customers = sum(v[1] for v in last.values())
    duck_revenue = sum(v[2] for v in last.values())
    if (customers, revenue) != (duck_customers, duck_revenue):
        raise SystemExit(
            f"results differ: engine {customers, revenue}, duckdb {duck_customers, duck_revenue}"
        )


if __name__ == "__main__":
    main()
