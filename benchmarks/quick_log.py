"""Benchmark: saving the largest quick-log weeks against an API batch of the same records.

`python -m benchmarks quick_log`. On an empty SQLite database it saves a week of the
largest allowed number of new leads (10,000), then half of them buying the next week, then
that week edited to one buyer fewer, timing each `store_week` call. The reference, measured
in the same run on a fresh database: the same leads and purchases stored as two plain API
batches (`store_items`), which is the least the log could do, since it stores through them.
"""

import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from app.db import make_engine, upgrade
from app.settings import ensure_settings
from channels.models import Channel
from ingest.batches import store_items
from ingest.quick_log import LEADS_MAX, WeekEntry, lead_id, purchase_id, store_week
from kernel.weeks import date_window

COHORT, NEXT = date(2026, 3, 2), date(2026, 3, 9)
BUYERS = LEADS_MAX // 2
WINDOW = date_window(date(2026, 11, 29))


def _database(folder: Path, name: str) -> tuple[Session, int]:
    """Return a session on a new, migrated SQLite database with one channel, and its id."""
    engine = make_engine(f"sqlite:///{folder / name}")
    upgrade(engine)
    session = Session(engine)
    ensure_settings(session)
    channel = Channel(name="Podcasts", kind="pr", ring="middle", status="testing")
    session.add(channel)
    session.commit()
    return session, channel.id or 0


def _timed(session: Session, save: Callable[[sa.Connection], object]) -> float:
    """Return the seconds `save` takes, committed (it must report no error)."""
    started = time.perf_counter()
    assert not save(session.connection())
    session.commit()
    return time.perf_counter() - started


def _log_runs(folder: Path) -> list[tuple[str, float]]:
    session, cid = _database(folder, "log.db")
    steps = [("log 10,000 new leads", COHORT, WeekEntry(100_000, LEADS_MAX, {})),
             (f"log {BUYERS:,} buyers of them", NEXT, WeekEntry(0, 0, {COHORT: (BUYERS, 10**8)})),
             ("edit to one buyer fewer", NEXT, WeekEntry(0, 0, {COHORT: (BUYERS - 1, 10**8)}))]
    def saver(week: date, entry: WeekEntry) -> Callable[[sa.Connection], object]:
        return lambda conn: store_week(conn, cid, week, entry, window=WINDOW)

    return [(label, _timed(session, saver(week, entry))) for label, week, entry in steps]


def _batch_runs(folder: Path) -> list[float]:
    session, cid = _database(folder, "batch.db")
    leads = [{"external_id": lead_id(cid, COHORT, n), "channel_id": cid,
              "created_at": f"{COHORT}T12:00:00"} for n in range(1, LEADS_MAX + 1)]
    bought = [{"external_id": purchase_id(cid, COHORT, NEXT, n),
               "lead_external_id": lead_id(cid, COHORT, n), "purchased_at": f"{NEXT}T12:00:00",
               "amount": 200} for n in range(1, BUYERS + 1)]  # fmt: skip
    def batch(kind: str, items: list[dict[str, object]]) -> Callable[[sa.Connection], object]:
        return lambda conn: store_items(conn, kind, items, window=WINDOW).errors

    return [_timed(session, batch("leads", leads)), _timed(session, batch("purchases", bought))]


def main(_args: list[str]) -> None:
    """Print each save's time next to the plain batches' time and the ratio."""
    with tempfile.TemporaryDirectory() as folder:
        log = _log_runs(Path(folder))
        leads_batch, purchases_batch = _batch_runs(Path(folder))
    references = [leads_batch, purchases_batch, purchases_batch]
    for (label, seconds), reference in zip(log, references, strict=True):
        print(f"quick_log {label}: {seconds:.2f} s; plain API batch {reference:.2f} s "
              f"({seconds / reference:.1f}×)")
