"""When the weekly email is due: an APScheduler cron trigger in the install's time zone.

Everything takes the current time as an argument (an injected clock), so the schedule
around daylight-saving changes and the catch-up after downtime are tested without waiting.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from kernel.weeks import local_date, week_of


@dataclass(frozen=True)
class DigestSchedule:
    """The settings the schedule depends on (compared to notice a change)."""

    enabled: bool
    weekday: int  # 0 = Monday … 6 = Sunday
    time: str  # "HH:MM", local time
    timezone: str
    week_start: int

    def trigger(self) -> CronTrigger | None:
        """Return the weekly cron trigger (None when the email is switched off)."""
        if not self.enabled:
            return None
        hour, minute = (int(part) for part in self.time.split(":"))
        return CronTrigger(day_of_week=self.weekday, hour=hour, minute=minute,
                           timezone=ZoneInfo(self.timezone))


# A weekly time in the hour a clock falls back happens twice (APScheduler 3 fires at both);
# with the 8 days previous_run looks back, that is at most three run times to walk.
MAX_RUNS_A_WEEK = 4


def next_run(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """Return the first run time at or after `now` (in UTC), None when switched off."""
    trigger = schedule.trigger()
    found = None if trigger is None else trigger.get_next_fire_time(None, now)
    return None if found is None else found.astimezone(UTC)


def previous_run(schedule: DigestSchedule, now: datetime) -> datetime | None:
    """Return the latest run time at or before `now` (in UTC), None when switched off."""
    trigger = schedule.trigger()
    if trigger is None:
        return None
    found, moment = None, trigger.get_next_fire_time(None, now - timedelta(days=8))
    for _ in range(MAX_RUNS_A_WEEK):  # bounded: a weekly trigger fires at most twice a week
        if moment is None or moment > now:
            break
        found = moment.astimezone(UTC)  # in UTC: local times in a repeated hour compare badly
        moment = trigger.get_next_fire_time(None, found + timedelta(seconds=1))
    return found


def covered_week(schedule: DigestSchedule, run_at: datetime) -> date:
    """Return the first day of the last complete week on the local date of `run_at`."""
    day = local_date(run_at, schedule.timezone)
    return week_of(day, schedule.week_start) - timedelta(days=7)


def missed_week(schedule: DigestSchedule, now: datetime, window: timedelta) -> date | None:
    """Return the week whose run was due at most `window` before `now` (to send at start,
    if it was not sent), None when there is none or it is older."""
    due = previous_run(schedule, now)
    if due is None or now - due > window:
        return None
    return covered_week(schedule, due)
