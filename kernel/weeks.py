"""Calendar rules of SPEC §3: weeks, local dates and cohort ages."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def week_of(day: date, week_start: int = 0) -> date:
    """Return the first day of the week containing `day` (week_start: 0 = Monday … 6 = Sunday)."""
    return day - timedelta(days=(day.weekday() - week_start) % 7)


def last_complete_week(today: date, week_start: int = 0) -> date:
    """Return the first day of the last week that ended before `today`'s week."""
    return week_of(today, week_start) - timedelta(days=7)


def local_date(moment: datetime, timezone: str) -> date:
    """Return the calendar date of `moment` in `timezone`; a naive `moment` is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(timezone)).date()


def to_utc(moment: datetime, timezone: str) -> datetime:
    """Return `moment` as aware UTC; a naive `moment` is taken as local time in `timezone`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.astimezone(UTC)


def age_in_weeks(event_day: date, cohort_week: date) -> int:
    """Return floor((event_day − cohort_week) / 7 days); negative if the event is earlier."""
    return (event_day - cohort_week).days // 7


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (how timestamps are stored)."""
    return datetime.now(UTC)


EARLIEST_DATE = date(2000, 1, 1)
DAYS_AHEAD = 366


@dataclass(frozen=True)
class DateWindow:
    """The dates Bullseye accepts and reads: `earliest` to `latest`, both inclusive.

    Every metric is sized by the weeks between the data's first date and the as-of date, so
    a date far in the past (year 1) or future would cost unbounded memory; such dates are
    refused at entry and left out of what is read.
    """

    earliest: date = EARLIEST_DATE
    latest: date = date(9999, 12, 31)

    @property
    def first_week(self) -> date:
        """Return the first day of the earliest week that holds an accepted date (Monday rule)."""
        return self.earliest - timedelta(days=6)

    def __contains__(self, day: object) -> bool:
        """Return whether `day` (a date) lies inside the window."""
        return isinstance(day, date) and self.earliest <= day <= self.latest

    def refusal(self) -> str:
        """Return the message that completes "<value> …" for a date outside the window."""
        return f"is outside the dates Bullseye accepts ({self.earliest} to {self.latest})"


def date_window(
    today: date, earliest: date = EARLIEST_DATE, days_ahead: int = DAYS_AHEAD
) -> DateWindow:
    """Return the window from `earliest` to `days_ahead` days after `today`."""
    return DateWindow(earliest, today + timedelta(days=days_ahead))


def safe_local_date(moment: datetime, timezone: str) -> date | None:
    """Return `moment`'s date in `timezone`, or None when it lies beyond the years 1–9999."""
    try:
        return local_date(moment, timezone)
    except OverflowError:
        return None


OFFSET_STEP = timedelta(hours=6)  # zones change offset at most once within this time


@dataclass(frozen=True)
class OffsetSpan:
    """From `start` (aware UTC) until the next span, local time is UTC + `offset_seconds`."""

    start: datetime
    offset_seconds: int


def offset_spans(timezone: str, first: datetime, last: datetime) -> list[OffsetSpan]:
    """Return the UTC offsets of `timezone` between `first` and `last` (aware), oldest first.

    The first span starts at `first`; each later one at an offset change, found to the
    second. Sampling every OFFSET_STEP then bisecting costs ~4 calls a day; an empty or
    reversed range gives the one span at `first`.
    """
    zone = ZoneInfo(timezone)

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    spans = [OffsetSpan(first, offset(first))]
    previous = first
    while previous < last:
        probe = min(previous + OFFSET_STEP, last)
        if offset(probe) != spans[-1].offset_seconds:
            low, high = previous, probe  # offset(low) is the old one, offset(high) the new
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == spans[-1].offset_seconds else (
                    low, middle)
            high = high.replace(microsecond=0)
            if offset(high) == spans[-1].offset_seconds:
                high += timedelta(seconds=1)
            spans.append(OffsetSpan(high, offset(high)))
        previous = probe
    return spans
