"""Benchmark: changing the week start, then the time zone, of the 1M-lead demo.

`python -m benchmarks settings_change [-- --leads N] [--database-url URL]`: loads the demo
into a fresh SQLite file (or the database at URL, whose channel data is replaced), then
times, each in its own transaction as the settings page runs it: rebuilding the cohort
aggregates alone (the reference: what any bulk load pays), a week-start change (Monday →
Sunday) and a time-zone change (UTC → America/New_York).
"""

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlalchemy as sa


def _timed(label: str, run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return seconds


def measure(leads: int, database_url: str) -> dict[str, float]:
    """Load the demo into `database_url` and return the seconds of each step."""
    os.environ.setdefault("SECRET_KEY", "benchmark")
    from app import create_app
    from app.db import make_engine, upgrade
    from app.jobs.settings_change import apply_settings, stored_values
    from app.models import Settings
    from cohorts.aggregates import refresh_all
    from kernel.weeks import DateWindow

    engine = make_engine(database_url)
    upgrade(engine)
    app = create_app({"DATABASE_URL": database_url})
    result = app.test_cli_runner().invoke(args=["demo", "--leads", str(leads), "--replace"])
    if result.exit_code != 0:
        raise SystemExit(f"flask demo failed:\n{result.output}")
    window = DateWindow(date(2000, 1, 1), date(2027, 12, 31))
    from sqlmodel import Session

    def settings_now() -> dict[str, object]:
        with Session(engine) as session:
            row = session.get(Settings, 1)
            assert row is not None
            return stored_values(row)

    def rebuild() -> None:
        with engine.begin() as connection:
            refresh_all(connection)

    with engine.connect() as connection:
        counts = [connection.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar()
                  for t in ("lead", "purchase", "weekly_spend")]
    print(f"{counts[0]:,} leads, {counts[1]:,} purchases, {counts[2]:,} spend weeks")
    seconds = {
        "aggregates": _timed("rebuild the aggregates (reference)", rebuild),
        "week_start": _timed("week start Monday → Sunday", lambda: apply_settings(
            engine, settings_now() | {"week_start": 6}, window=window)),
        "timezone": _timed("time zone UTC → America/New_York", lambda: apply_settings(
            engine, settings_now() | {"timezone": "America/New_York"}, window=window)),
    }
    engine.dispose()
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Parse `argv`, run the measurement once and print the ratios to the reference."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks settings_change")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'demo.db'}"
        seconds = measure(options.leads, url)
    backend = url.split(":", 1)[0]
    reference = seconds["aggregates"]
    for name in ("week_start", "timezone"):
        print(f"settings_change {name} ({backend}, {options.leads:,} leads): "
              f"{seconds[name]:.1f} s against {reference:.1f} s for the aggregates alone, "
              f"ratio {seconds[name] / reference:.2f}")


if __name__ == "__main__":
    main()
