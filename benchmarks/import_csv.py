"""Benchmark: CLI CSV import of the 1M-lead demo data vs the sqlite3 shell's `.import` (≤ 3×).

`python -m benchmarks.import_csv [--leads N] [--postgres-url URL]`. The demo dataset is
generated into a scratch SQLite file and exported with `flask export`; then, in the same run,
`flask import spend|leads|purchases` loads the files into an empty migrated SQLite database
(full validation, upserts, indexes, cohort aggregates) and the sqlite3 shell `.import`s the
same files into an empty database (no validation, no indexes). Peak memory is the largest
resident set of the import processes. With --postgres-url, the import (COPY) is timed there too.

For context it also times two lower bounds. The shell copying the rows it imported into
Bullseye's indexed tables in C, with no validation and no aggregates: the cost of storing
alone. And the least any Python importer must do: read the files with `csv.reader` and hand
the cells to SQLite through the sqlite3 driver, plus the shell storing the same rows in tables
without constraints, building the indexes afterwards.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

TARGET_RATIO = 3.0
TARGET_PEAK_MB = 500
KINDS = ("spend", "leads", "purchases")


PEAK_MB: dict[str, float] = {}  # largest resident set of each `flask import` process
OUTPUT: dict[str, str] = {}  # what each `flask` command printed (imports: rows and phases)


def _flask(url: str, *args: str) -> float:
    """Run `flask --app app ARGS` against `url`; return its wall-clock seconds."""
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": "benchmark"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed app has its bytecode cached
    started = time.perf_counter()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            env=env, stdout=stdout, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        errors = process.stderr.read().decode(errors="replace")
        _pid, status, usage = os.wait4(process.pid, 0)
        stdout.seek(0)
        output = stdout.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{errors[-3000:]}")
    PEAK_MB[" ".join(args[:2])] = usage.ru_maxrss / 1024  # KiB on Linux
    OUTPUT[" ".join(args[:2])] = output.decode(errors="replace").strip()
    return seconds


def _prepare(folder: Path, leads: int) -> tuple[str, dict[str, Path]]:
    """Load the demo into a scratch database and export its CSV files."""
    source = f"sqlite:///{folder / 'source.db'}"
    _flask(source, "db", "upgrade")
    _flask(source, "demo", "--leads", str(leads), "--seed", "7")
    files = {kind: folder / f"{kind}.csv" for kind in KINDS}
    for kind, path in files.items():
        _flask(source, "export", kind, "-o", str(path))
    return source, files


def _empty_target(url: str, source: str) -> None:
    """Migrate `url` and copy the channels, tests and settings the files refer to."""
    from sqlmodel import SQLModel

    import app.models  # noqa: F401  (registers the tables)
    from app.db import make_engine, upgrade

    target, origin = make_engine(url), make_engine(source)
    upgrade(target)
    with origin.connect() as read, target.begin() as write:
        for name in ("settings", "channel", "experiment"):
            table = SQLModel.metadata.tables[name]
            write.execute(sa.delete(table))
            rows = [dict(row._mapping) for row in read.execute(sa.select(table))]
            if rows:
                write.execute(sa.insert(table), rows)
        if write.dialect.name == "postgresql":
            for name in ("channel", "experiment"):
                write.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                      f"(SELECT MAX(id) FROM {name}))"))  # fmt: skip
    target.dispose()


def _import_seconds(url: str, files: dict[str, Path]) -> dict[str, float]:
    """Return the seconds of `flask import` of each file into `url`, in dependency order."""
    return {kind: _flask(url, "import", kind, str(path)) for kind, path in files.items()}


def _timed_shell(database: Path, script: str) -> float:
    """Return the seconds the sqlite3 shell takes to run `script` on `database`."""
    shell = shutil.which("sqlite3")
    if shell is None:
        raise SystemExit("the sqlite3 shell is missing: apt-get install sqlite3")
    started = time.perf_counter()
    subprocess.run([shell, str(database)], input=script, text=True, check=True)
    return time.perf_counter() - started


def _shell_seconds(folder: Path, files: dict[str, Path]) -> float:
    """Return the seconds of the sqlite3 shell importing the same files into an empty file."""
    commands = "\n".join(f".import --csv {path} {kind}" for kind, path in files.items())
    return _timed_shell(folder / "shell.db", commands)


# The shell writes the rows it imported into Bullseye's real (indexed) tables: what storing
# costs in C alone, with no validation, no conversion in Python and no aggregates.
_FLOOR_SQL = """
ATTACH '{raw}' AS raw;
BEGIN;
INSERT INTO weekly_spend (channel_id, week, amount_minor)
  SELECT c.id, s.week, CAST(ROUND(s.amount * 100) AS INTEGER)
  FROM raw.spend s JOIN channel c ON c.name = s.channel;
INSERT INTO lead (external_id, channel_id, created_at, cohort_week, stage, grade, attributes)
  SELECT l.external_id, c.id, replace(substr(l.created_at, 1, 26), 'T', ' '),
         substr(l.created_at, 1, 10), COALESCE(NULLIF(l.stage, ''), 'lead'),
         NULLIF(l.grade, ''), '{{}}'
  FROM raw.leads l JOIN channel c ON c.name = l.channel;
INSERT INTO purchase (external_id, lead_id, purchased_at, purchased_on, amount_minor)
  SELECT p.external_id, l.id, replace(substr(p.purchased_at, 1, 26), 'T', ' '),
         substr(p.purchased_at, 1, 10), CAST(ROUND(p.amount * 100) AS INTEGER)
  FROM raw.purchases p JOIN lead l ON l.external_id = p.lead_external_id;
COMMIT;
"""


def _floor_seconds(folder: Path, source: str) -> float:
    """Return the seconds the sqlite3 shell takes to copy its imported rows into the schema."""
    url = f"sqlite:///{folder / 'floor.db'}"
    _empty_target(url, source)
    script = "PRAGMA foreign_keys = ON;" + _FLOOR_SQL.format(raw=folder / "shell.db")
    return _timed_shell(folder / "floor.db", script)


# The cheapest storing there is: tables without constraints, the same indexes built afterwards.
_BARE_SQL = """
ATTACH '{raw}' AS raw;
BEGIN;
CREATE TABLE bare_lead (id INTEGER PRIMARY KEY, external_id, channel_id, experiment_id,
                        created_at, cohort_week, stage, grade, attributes);
INSERT INTO bare_lead (external_id, channel_id, created_at, cohort_week, stage, grade,
                       attributes)
  SELECT l.external_id, c.id, replace(substr(l.created_at, 1, 26), 'T', ' '),
         substr(l.created_at, 1, 10), l.stage, l.grade, '{{}}'
  FROM raw.leads l JOIN channel c ON c.name = l.channel;
CREATE UNIQUE INDEX bare_lead_external_id ON bare_lead (external_id);
CREATE INDEX bare_lead_channel_week ON bare_lead (channel_id, cohort_week);
CREATE INDEX bare_lead_cohort_week ON bare_lead (cohort_week);
CREATE INDEX bare_lead_experiment ON bare_lead (experiment_id);
CREATE TABLE bare_purchase (id INTEGER PRIMARY KEY, external_id, lead_id, purchased_at,
                            purchased_on, amount_minor);
INSERT INTO bare_purchase (external_id, lead_id, purchased_at, purchased_on, amount_minor)
  SELECT p.external_id, l.id, replace(substr(p.purchased_at, 1, 26), 'T', ' '),
         substr(p.purchased_at, 1, 10), CAST(ROUND(p.amount * 100) AS INTEGER)
  FROM raw.purchases p JOIN bare_lead l ON l.external_id = p.lead_external_id;
CREATE UNIQUE INDEX bare_purchase_external_id ON bare_purchase (external_id);
CREATE INDEX bare_purchase_lead ON bare_purchase (lead_id);
CREATE INDEX bare_purchase_on ON bare_purchase (purchased_on);
COMMIT;
"""

# Python's share of the least work: read the files with csv.reader and hand the cells to
# SQLite through the sqlite3 driver (what `.import` does in C), with no checks at all.
_PYTHON_PASS = """
import csv, sqlite3, sys, time
started = time.perf_counter()
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
for name in sys.argv[2:]:
    with open(name, newline="", encoding="utf-8") as file:
        rows = csv.reader(file)
        header = next(rows)
        table = "raw_" + str(len(header))
        columns = ", ".join("c" + str(i) for i in range(len(header)))
        db.execute(f"CREATE TABLE {table} ({columns})")
        marks = ", ".join("?" * len(header))
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
db.execute("COMMIT")
print(time.perf_counter() - started)
"""


def _lower_bound_seconds(folder: Path, files: dict[str, Path]) -> tuple[float, float]:
    """Return seconds of Python's least share (csv.reader, driver) and of the cheapest storing."""
    scratch = folder / "python_pass.db"
    reading = subprocess.run(
        [sys.executable, "-c", _PYTHON_PASS, str(scratch), str(files["leads"]),
         str(files["purchases"])],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    scratch.unlink()
    storing = _timed_shell(folder / "floor.db", _BARE_SQL.format(raw=folder / "shell.db"))
    return float(reading.stdout), storing


def _print_lower_bounds(
    folder: Path, files: dict[str, Path], source: str, target: str, shell: float
) -> None:
    """Time and print the two lower bounds, as ratios to the shell's `.import` (`shell` s)."""
    floor = _floor_seconds(folder, source)
    print(f"  sqlite3 copying those rows into the indexed tables (no validation, no "
          f"aggregates): {floor:.1f} s = {floor / shell:.2f}× .import")  # fmt: skip
    reading, storing = _lower_bound_seconds(folder, files)
    bound = reading + storing
    print(f"  least any Python importer does: csv.reader and the sqlite3 driver {reading:.1f}"
          f" s + storing in unconstrained tables, indexes built after, {storing:.1f} s = "
          f"{bound:.1f} s = {bound / shell:.2f}× .import, before checks, aggregates")  # fmt: skip
    start = statistics.median(_flask(target, "import", "--help") for _ in range(3))
    print(f"  with the three `flask import` process starts ({start:.1f} s each, from "
          f"`flask import --help`): {bound + 3 * start:.1f} s = "
          f"{(bound + 3 * start) / shell:.2f}× .import")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Run the comparison once and print seconds, the ratio and peak memory."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_csv")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default="")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source, files = _prepare(folder, options.leads)
        sizes = ", ".join(f"{k} {p.stat().st_size / 1e6:.0f} MB" for k, p in files.items())
        print(f"import_csv: {options.leads:,} demo leads exported ({sizes})")
        target = f"sqlite:///{folder / 'target.db'}"
        _empty_target(target, source)
        ours = _import_seconds(target, files)
        peak_mb = max(PEAK_MB[f"import {kind}"] for kind in KINDS)
        shell = _shell_seconds(folder, files)
        total = sum(ours.values())
        parts = ", ".join(f"{k} {s:.1f} s" for k, s in ours.items())
        print(f"  flask import (SQLite): {total:.1f} s ({parts})")
        for kind in KINDS:
            print(f"    {OUTPUT[f'import {kind}']}")
        print(f"  sqlite3 .import:       {shell:.1f} s")
        _print_lower_bounds(folder, files, source, target, shell)
        print(f"  ratio {total / shell:.2f}× (target ≤ {TARGET_RATIO:.0f}×); "
              f"peak memory {peak_mb:.0f} MB (target < {TARGET_PEAK_MB} MB)")  # fmt: skip
        if options.postgres_url:
            _empty_target(options.postgres_url, source)
            pg = _import_seconds(options.postgres_url, files)
            parts = ", ".join(f"{k} {s:.1f} s" for k, s in pg.items())
            print(f"  flask import (PostgreSQL, COPY): {sum(pg.values()):.1f} s ({parts})")


if __name__ == "__main__":
    main()
