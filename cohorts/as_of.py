"""The as-of date of every metric, with the calendar settings and the date window to read it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kernel.weeks import EARLIEST_DATE, to_utc, week_of


@dataclass(frozen=True)
class AsOf:
    """The as-of date with the calendar settings needed to read it.

    `earliest` is the date window's first date: rows dated before it (stored by versions
    that did not refuse them) are left out of every metric, so they cannot size the arrays.
    """

    day: date
    week_start: int = 0
    timezone: str = "UTC"
    earliest: date = EARLIEST_DATE

    @property
    def week(self) -> date:
        """Return the first day of the as-of week."""
        return week_of(self.day, self.week_start)

    @property
    def first_week(self) -> date:
        """Return the earliest cohort week read: the week that holds `earliest`."""
        return week_of(self.earliest, self.week_start)

    @property
    def end_utc(self) -> datetime:
        """Return the instant the as-of day ends (local midnight after it) in UTC."""
        return to_utc(datetime.combine(self.day + timedelta(days=1), time()), self.timezone)
