"""A small per-process cache of computed metrics, invalidated by data versions.

Every write bumps the global `data_version` and the per-channel version of each channel it
touched, in the same transaction (cohorts.aggregates). Results of one channel are keyed by
that channel's version, so a write to channel A keeps channel B's cached results — in this
process or any other one sharing the database — and a channel's own numbers are always
current.

Results that pool all channels are keyed by the global version, which every write moves.
They are served stale while recomputed: a request that finds the newest completed result
older than the data gets that result (and `pooled_computed_at()` says when it was computed),
and starts one background recomputation of it, unless one is running or the result is
younger than POOLED_REFRESH_SECONDS. Only the very first request for a result (none
completed yet in this process) computes it, and requests missing the same one wait for it.
"""

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g

from app.db import get_session
from cohorts.aggregates import channel_versions, data_version
from kernel.weeks import utcnow

T = TypeVar("T")
_MAX_ENTRIES = 512  # per-channel entries: channels × as-of dates × settings
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pooled:
    """The newest completed value of a pooled result: the data version it was computed from
    (at least) and when."""

    version: int
    computed_at: datetime
    value: Any


class MetricsCache:
    """LRU mapping of (data version, key) to computed values, safe across threads."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}
        self._pooled: OrderedDict[Hashable, Pooled] = OrderedDict()
        self._refreshing: set[Hashable] = set()
        self.refreshes = 0  # background recomputations started (for tests and diagnostics)

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

    def newest(self, key: Hashable) -> Pooled | None:
        """Return the newest completed value of the pooled result `key`, if any."""
        with self._lock:
            return self._pooled.get(key)

    def store_pooled(self, key: Hashable, found: Pooled) -> None:
        """Keep `found` as the newest value of `key` unless a newer version is kept already."""
        with self._lock:
            kept = self._pooled.get(key)
            if kept is None or kept.version <= found.version:
                self._pooled[key] = found
                self._pooled.move_to_end(key)
            while len(self._pooled) > self.max_entries:
                self._pooled.popitem(last=False)

    def refresh(self, key: Hashable, recompute: Callable[[], Pooled]) -> bool:
        """Run `recompute` for `key` in a background thread unless one is running already;
        return whether one was started."""
        with self._lock:
            if key in self._refreshing:
                return False
            self._refreshing.add(key)
            self.refreshes += 1

        def work() -> None:
            try:
                self.store_pooled(key, recompute())
            except Exception:  # the stale value stays; the next request tries again
                log.exception("recomputing the pooled result %r failed", key)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        threading.Thread(target=work, name="pooled-refresh", daemon=True).start()
        return True

    def refreshing(self, key: Hashable) -> bool:
        """Return whether a background recomputation of `key` is running."""
        with self._lock:
            return key in self._refreshing

    def derived(self, key: Hashable, source: object, compute: Callable[[], T]) -> T:
        """Return `compute()` (something drawn from `source`, e.g. rendered HTML) for `key`,
        reused while `source` is the very object it was computed from.

        Cached results are shared objects that change only when their data does, so this
        keeps a rendering exactly as current as the result it draws.
        """
        found, kept = self.lookup(key)
        if found and kept[0] is source:
            value: T = kept[1]
            return value
        computed = compute()
        self.store(key, (source, computed))
        return computed

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


def cached(key: Hashable, compute: Callable[[], T], *, stale: bool = True) -> T:
    """Return `compute()` for `key`, a result pooling every channel's data.

    While the global data version holds, the cached value; once it moved, the newest
    completed value (stale) while one background thread computes the current one (see the
    module's docstring). With `stale` false or POOLED_STALE off, or inside a background
    recomputation, the current value is computed in the request.
    """
    version = data_version(get_session().connection())
    cache = metrics_cache()
    found, value = cache.lookup((version, key))
    if found:
        cached_value: T = value
        return cached_value
    newest = cache.newest(key)
    config = current_app.config
    inline = not stale or not config.get("POOLED_STALE", True) or g.get("pooled_inline")
    if newest is None or inline:
        def compute_and_keep() -> T:
            computed = compute()
            cache.store_pooled(key, Pooled(version, utcnow(), computed))
            return computed

        return cache.get_or_compute(version, key, compute_and_keep)
    if newest.version >= version:  # computed from this version by another thread meanwhile
        stale_value: T = newest.value
        return stale_value
    age = (utcnow() - newest.computed_at).total_seconds()
    if age >= config.get("POOLED_REFRESH_SECONDS", 5):
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        cache.refresh(key, lambda: _recompute(app, key, compute))
    g.pooled_computed_at = min(g.get("pooled_computed_at", newest.computed_at),
                               newest.computed_at)
    stale_value = newest.value
    return stale_value


def _recompute(app: Flask, key: Hashable, compute: Callable[[], Any]) -> Pooled:
    """Compute a pooled result outside any request, from the data version read first."""
    with app.app_context():
        g.pooled_inline = True  # results it pools are computed here, not served stale
        version = data_version(get_session().connection())
        value = compute()
        metrics_cache().store((version, key), value)
        return Pooled(version, utcnow(), value)


def pooled_computed_at() -> datetime | None:
    """Return when the oldest stale pooled result this request used was computed (None if
    every result it used is current)."""
    found: datetime | None = g.get("pooled_computed_at")
    return found


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
