"""Calendar rules of SPEC §3: weeks, local dates and cohort ages."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


def week_of(day: date, week_start: int = 0) -> date:
    """Return the first day of the week containing `day` (week_start: 0 = Monday … 6 = Sunday)."""
    return day - timedelta(days=(day.weekday() - week_start) % 7)


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
