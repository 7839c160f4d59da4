"""A small per-process cache of computed metrics, invalidated by the data version.

Every write to channels, spend, leads or purchases bumps `data_version` in the same
transaction (cohorts.aggregates), so a cached value is reused only while the data it was
computed from is unchanged — in this process or any other one sharing the database.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app

from app.db import get_session
from cohorts.aggregates import data_version

T = TypeVar("T")
_MAX_ENTRIES = 64


class MetricsCache:
    """LRU mapping of (data version, key) to computed values, safe across threads."""

    def __init__(self, max_entries: int = _MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the value cached for (version, key), computing and storing it if absent."""
        full_key = (version, key)
        with self._lock:
            if full_key in self._values:
                self._values.move_to_end(full_key)
                value: T = self._values[full_key]
                return value
        value = compute()
        with self._lock:
            self._values[full_key] = value
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
        return value


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """Return `compute()` for `key`, reusing the value while the data version is unchanged."""
    cache: MetricsCache = current_app.extensions.setdefault("metrics_cache", MetricsCache())
    version = data_version(get_session().connection())
    return cache.get_or_compute(version, key, compute)
