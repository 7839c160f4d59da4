"""The goals' daily series of every scope in one pass against one pass per scope.

Loads the demo database (100k leads by default; its goals have 4 scopes: overall and 3
channels), then, for each of `--dates` new as-of dates before the demo's end (a new as-of
date is a cold goals panel), times `daily_series_by_scope` (what `goals_progress` runs, once
for all scopes) and, as the reference, `daily_series` once per scope (what it ran before),
and checks that both give the same series.

    python -m benchmarks goal_series [--leads 100000] [--dates 5]
"""

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from benchmarks.segments import _prepare


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the median seconds of both paths and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--dates", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(_prepare(Path(tmp), args.leads))
        from app import create_app
        from app.db import get_session
        from app.results.goals import month_goals
        from cohorts.as_of import AsOf
        from experiments.goals.queries import daily_series, daily_series_by_scope, scope_series

        with create_app().test_request_context():
            session = get_session()
            one, each = [], []
            for k in range(args.dates):
                as_of = AsOf(date(2026, 11, 14) - timedelta(days=k))
                first = as_of.day - timedelta(days=55)
                goals = month_goals(session, date(2026, 11, 1))
                scopes = sorted({g.channel_id or 0 for g in goals})
                started = time.perf_counter()
                by_scope = daily_series_by_scope(session=session, first=first, as_of=as_of)
                one.append(time.perf_counter() - started)
                started = time.perf_counter()
                old = {c: daily_series(session=session, first=first, as_of=as_of,
                                       channel_ids=[c] if c else None) for c in scopes}  # fmt: skip
                each.append(time.perf_counter() - started)
                for c, series in old.items():
                    new = scope_series(by_scope, c or None, first)
                    assert np.array_equal(series.leads, new.leads), c
                    assert np.array_equal(series.spend_minor, new.spend_minor), c
    ratio = statistics.median(one) / statistics.median(each)
    print(f"{args.leads:,} demo leads (SQLite), {len(scopes)} goal scopes, "
          f"median of {args.dates} new as-of dates:")
    print(f"  reference: one pass per scope  {statistics.median(each):6.2f} s")
    print(f"  one pass for every scope        {statistics.median(one):6.2f} s"
          f" = {ratio:.2f}× reference")


if __name__ == "__main__":
    main()
