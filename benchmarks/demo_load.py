"""Benchmark: `flask demo --leads 1000000` into a fresh, migrated SQLite file (target 60 s).

`python -m benchmarks.demo_load [--leads N] [--database-url URL]`; with a URL, that database is
migrated and its channel data replaced.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0


def load_seconds(leads: int, database_url: str) -> float:
    """Migrate `database_url`, then return the wall-clock seconds of `flask demo --leads N`."""
    os.environ.setdefault("SECRET_KEY", "benchmark")
    from app import create_app
    from app.db import make_engine, upgrade

    upgrade(make_engine(database_url))
    app = create_app({"DATABASE_URL": database_url})
    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["demo", "--leads", str(leads), "--replace"])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"flask demo failed:\n{result.output}")
    make_engine(database_url).dispose()
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Parse `argv`, run the load once and print seconds and the ratio to the target."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo_load")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'demo.db'}"
        seconds = load_seconds(options.leads, url)
    label = "1M" if options.leads == 1_000_000 else f"{options.leads:,}"
    backend = url.split(":", 1)[0]
    print(
        f"demo {label} leads ({backend}): {seconds:.1f} s "
        f"(target {TARGET_SECONDS:.0f} s, ratio {seconds / TARGET_SECONDS:.2f})"
    )


if __name__ == "__main__":
    main()
