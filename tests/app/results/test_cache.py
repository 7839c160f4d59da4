"""The metrics cache recomputes exactly when the data version moves."""

import threading
from collections.abc import Hashable
from datetime import date
from typing import Any

from flask import Flask
from sqlmodel import Session

from app.results.cache import MetricsCache, cached
from cohorts.aggregates import data_version
from tests import factories


def test_cache_reuses_values_until_the_version_changes() -> None:
    cache, calls = MetricsCache(max_entries=2), []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute(1, "k", compute) == 1
    assert cache.get_or_compute(1, "k", compute) == 1
    assert cache.get_or_compute(2, "k", compute) == 2
    cache.get_or_compute(2, "other", compute)
    cache.get_or_compute(2, "third", compute)  # evicts the least recently used entry
    assert cache.get_or_compute(1, "k", compute) == 5


def test_every_data_write_bumps_the_version(app: Flask, db: Session) -> None:
    versions = [data_version(db.connection())]
    db.commit()
    ch = factories.channel(db)
    versions.append(data_version(db.connection()))
    db.commit()
    factories.spend(db, ch, date(2026, 1, 5), 100)
    versions.append(data_version(db.connection()))
    db.commit()
    lead = factories.lead(db, ch, date(2026, 1, 5))
    versions.append(data_version(db.connection()))
    db.commit()
    factories.purchase(db, lead, date(2026, 1, 6), 100)
    versions.append(data_version(db.connection()))
    db.commit()
    factories.user(db)  # not metrics data: no new version
    versions.append(data_version(db.connection()))
    db.commit()
    assert versions == sorted(versions) and len(set(versions)) == 5


def test_cached_in_a_request_sees_writes_when_pooled_results_are_not_served_stale(
    app: Flask, db: Session
) -> None:
    app.config["POOLED_STALE"] = False
    with app.test_request_context():
        assert cached("n", lambda: 1) == 1
        assert cached("n", lambda: 2) == 1
    factories.channel(db)
    with app.test_request_context():
        assert cached("n", lambda: 3) == 3


def test_threads_missing_the_same_key_at_once_compute_it_once() -> None:
    """The second thread misses while the first computes; it waits and reuses the value."""

    class SignallingCache(MetricsCache):
        def __init__(self) -> None:
            super().__init__()
            self.misses = 0
            self.second_miss = threading.Event()

        def lookup(self, full_key: Hashable) -> tuple[bool, Any]:
            found, value = super().lookup(full_key)
            if not found:
                self.misses += 1
                if self.misses == 2:
                    self.second_miss.set()
            return found, value

    cache, calls, results = SignallingCache(), [], []

    def compute() -> int:
        calls.append(1)
        assert cache.second_miss.wait(timeout=30)  # another lookup has missed meanwhile
        return 42

    threads = [threading.Thread(target=lambda: results.append(cache.get_or_compute(1, "k",
                                                                                  compute)))
               for _ in range(2)]
    threads[0].start()
    while not calls:  # the first thread is computing
        threading.Event().wait(0.01)
    threads[1].start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [42, 42] and len(calls) == 1
