"""Sales cycle over time: median days from lead to first purchase per quarter of cohorts."""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cohorts.economics import percentile_of_histogram


@dataclass(frozen=True)
class QuarterCycle:
    """Customers of the leads created in one quarter and their median sales cycle in days.

    `change_pct` is the change of the median against the previous quarter shown, in % (None
    for the first quarter or when the previous median is 0).
    """

    year: int
    quarter: int
    customers: int
    median_days: float | None
    change_pct: float | None

    @property
    def label(self) -> str:
        """Return the quarter as "2026 Q1"."""
        return f"{self.year} Q{self.quarter}"


def percent_change(before: float | None, after: float | None) -> float | None:
    """Return the change from `before` to `after` in %; None when either is None or before is 0."""
    if before is None or after is None or before == 0:
        return None
    return (after - before) / before * 100


def quarterly_cycles(
    quarters: npt.ArrayLike, days: npt.ArrayLike, customers: npt.ArrayLike
) -> tuple[QuarterCycle, ...]:
    """Return the median sales cycle per quarter, oldest first.

    Rows (`quarters[i]` = year × 4 + quarter − 1, `days[i]` whole days, `customers[i]`
    customers) form one histogram per quarter; empty input gives ().
    """
    q = np.asarray(quarters, np.int64)
    d, c = np.asarray(days, np.int64), np.asarray(customers, np.int64)
    result: list[QuarterCycle] = []
    previous: float | None = None
    for key in np.unique(q):
        mine = q == key
        median = percentile_of_histogram(d[mine], c[mine], 50)
        year, index = divmod(int(key), 4)
        change = percent_change(previous, median) if result else None
        result.append(QuarterCycle(year, index + 1, int(c[mine].sum()), median, change))
        previous = median
    return tuple(result)


def overall_change(cycles: tuple[QuarterCycle, ...]) -> float | None:
    """Return the change in % of the median from the first quarter to the last (None: < 2)."""
    if len(cycles) < 2:
        return None
    return percent_change(cycles[0].median_days, cycles[-1].median_days)
