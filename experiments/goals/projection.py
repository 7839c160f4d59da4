"""Projecting a month's total from the weekday pattern of the last 8 weeks (pure numpy).

For each weekday, the days of that weekday among the 56 days ending on the as-of date give
a mean and a variance. The rest of the month is projected as the sum over its remaining days
of their weekday's mean; its variance adds each remaining day's variance and the uncertainty
of the weekday means (a weekday that appears c times more in the rest of the month carries
c² × variance / n of its mean's error). The 80 % interval is the projection ± Student's t
(0.90 quantile, n − 1 degrees of freedom) × that standard deviation, cut at 0 for what is
still to come: the month-to-date actual is known exactly.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

WEEKS = 8
LEVEL = 0.80


def month_end(month: date) -> date:
    """Return the last day of the month of `month`."""
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class Projection:
    """A month's total: actual to the as-of date and the projection to month end (80 %).

    When the month is over on the as-of date, `expected`, `low` and `high` equal `actual`.
    """

    actual: float
    expected: float
    low: float
    high: float
    final: bool


def _window(values: npt.NDArray[np.float64], first: date, as_of: date
            ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Return the values of the (up to) 56 days ending `as_of` that lie in the series, and
    their weekdays."""
    end = (as_of - first).days + 1
    start = max(0, end - 7 * WEEKS)
    days = np.arange(start, min(end, values.size))
    weekdays = (first.weekday() + days) % 7
    return values[days], weekdays


def project_month(
    values: npt.ArrayLike, first: date, month: date, as_of: date
) -> Projection:
    """Project the total of `month` (any day of it) from a daily series.

    `values[i]` is the value of day `first + i` (shape (n,)); days missing from the series
    count as 0. The series must cover the 8 weeks before `as_of` for the pattern to be used.
    """
    from scipy import stats

    daily = np.asarray(values, np.float64)
    start, end = month.replace(day=1), month_end(month)
    offsets = np.arange((start - first).days, (min(end, as_of) - first).days + 1)
    known = offsets[(offsets >= 0) & (offsets < daily.size)]
    actual = float(daily[known].sum()) if known.size else 0.0
    if as_of >= end:
        return Projection(actual, actual, actual, actual, True)
    past, weekdays = _window(daily, first, as_of)
    rest_from = max(start, as_of + timedelta(days=1))
    rest = (rest_from.weekday() + np.arange((end - rest_from).days + 1)) % 7
    expected, variance, smallest = 0.0, 0.0, WEEKS
    for weekday in range(7):
        count = int((rest == weekday).sum())
        seen = past[weekdays == weekday]
        if count == 0 or seen.size == 0:
            continue
        spread = float(seen.var(ddof=1)) if seen.size > 1 else float(seen.mean())
        expected += count * float(seen.mean())
        variance += count * spread + count * count * spread / seen.size
        smallest = min(smallest, seen.size)
    half = float(stats.t.ppf(0.5 + LEVEL / 2, max(smallest - 1, 1))) * variance**0.5
    low = actual + max(expected - half, 0.0)
    return Projection(actual, actual + expected, low, actual + max(expected + half, 0.0), False)
