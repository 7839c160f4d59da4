"""A small per-process cache of computed metrics, invalidated by data versions.

Every write bumps the global `data_version` and the per-channel version of each channel it
touched, in the same transaction (cohorts.aggregates). Results that pool all channels are
keyed by the global version; results of one channel by that channel's version, so a write
to channel A keeps channel B's cached results — in this process or any other one sharing
the database.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

from flask import current_app

from app.db import get_session
from cohorts.aggregates import channel_versions, data_version

T = TypeVar("T")
_MAX_ENTRIES = 512  # per-channel entries: channels × as-of dates × settings


class MetricsCache:
    """LRU mapping of (data version, key) to computed values, safe across threads."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}

    def single_flight(self, full_key: Hashable, compute: Callable[[], T]) -> T:
        """Return the cached value, or compute it while other threads missing the same key
        wait for it (after a write, many requests miss at once: one computes)."""
        with self._lock:
            flight = self._flights.setdefault(full_key, threading.Lock())
        try:
            with flight:
                found, value = self.lookup(full_key)
                if found:
                    cached_value: T = value
                    return cached_value
                computed = compute()
                self.store(full_key, computed)
                return computed
        finally:
            with self._lock:
                if self._flights.get(full_key) is flight:
                    del self._flights[full_key]

    def lookup(self, full_key: Hashable) -> tuple[bool, Any]:
        """Return (True, value) if `full_key` is cached, else (False, None)."""
        with self._lock:
            if full_key in self._values:
                self._values.move_to_end(full_key)
                return True, self._values[full_key]
        return False, None

    def store(self, full_key: Hashable, value: Any) -> None:
        """Cache `value` under `full_key`, dropping the least recently used beyond the limit."""
        with self._lock:
            self._values[full_key] = value
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)

    def get_or_compute(self, version: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the value cached for (version, key), computing and storing it if absent."""
        found, value = self.lookup((version, key))
        if found:
            cached_value: T = value
            return cached_value
        return self.single_flight((version, key), compute)


def metrics_cache() -> MetricsCache:
    """Return this app's cache (one per process)."""
    cache: MetricsCache = current_app.extensions.setdefault("metrics_cache", MetricsCache())
    return cache


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Return `compute()` for `key`, reusing the value while the global data version holds."""
    version = data_version(get_session().connection())
    return metrics_cache().get_or_compute(version, key, compute)


def current_channel_versions() -> dict[int, int]:
    """Return every channel's data version, in channel name order."""
    return channel_versions(get_session().connection())


def cached_per_channel(
    key: Hashable, versions: Mapping[int, int],
    compute: Callable[[list[int]], Iterable[tuple[int, T]]],
) -> dict[int, T]:
    """Return each channel's value for `key`, computing only channels whose version moved.

    `compute(channel_ids)` yields (channel id, value) for the channels it is given.
    """
    cache = metrics_cache()
    values: dict[int, T] = {}
    missing = []
    for channel_id, version in versions.items():
        found, value = cache.lookup((("channel", channel_id, version), key))
        if found:
            values[channel_id] = value
        else:
            missing.append(channel_id)
    if missing:
        def compute_missing() -> dict[int, T]:
            found = dict(compute(missing))
            for channel_id, value in found.items():
                if channel_id in versions:
                    cache.store((("channel", channel_id, versions[channel_id]), key), value)
            return found

        flight_key = ("channels", key, tuple((c, versions[c]) for c in missing))
        values |= cache.single_flight(flight_key, compute_missing)
    return values
