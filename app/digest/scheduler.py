"""The weekly email's scheduler (APScheduler 3.x): embedded in `make run`'s process, or
run alone by `flask --app app scheduler run` (then set BULLSEYE_SCHEDULER=off for the app).

It re-reads the schedule settings every DIGEST_SCHEDULE_POLL_SECONDS and moves the cron
job when they change; at start it sends the week whose run was missed within
DIGEST_CATCH_UP_DAYS. Any number of schedulers may run: each week is claimed before it
is sent (app.digest.runs), so they never send twice.
"""

import logging
from datetime import UTC, date, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.digest.delivery import Clock, Outcome, deliver_week
from app.digest.schedule import DigestSchedule, covered_week, missed_week
from app.settings import load_settings
from kernel.weeks import utcnow

log = logging.getLogger(__name__)
JOB_ID = "weekly-email"


def current_schedule() -> DigestSchedule:
    """Return the schedule from the settings row (read fresh from the database)."""
    settings = load_settings()
    return DigestSchedule(enabled=settings.digest_enabled, weekday=settings.digest_weekday,
                          time=settings.digest_time, timezone=settings.timezone,
                          week_start=settings.week_start)


class DigestScheduler:
    """Sends the weekly email on its cron schedule; `clock` is injectable for tests."""

    def __init__(self, app: Flask, *, blocking: bool = False, clock: Clock = utcnow) -> None:
        self.app = app
        self.clock = clock
        self.scheduler: BaseScheduler = (BlockingScheduler if blocking else
                                         BackgroundScheduler)(timezone=UTC)
        self.schedule: DigestSchedule | None = None

    def _schedule(self) -> DigestSchedule:
        with self.app.app_context():
            return current_schedule()

    def refresh(self) -> None:
        """Move the cron job to the settings' schedule when it changed (or remove it)."""
        schedule = self._schedule()
        if schedule == self.schedule:
            return
        self.schedule = schedule
        if self.scheduler.get_job(JOB_ID):
            self.scheduler.remove_job(JOB_ID)
        trigger = schedule.trigger()
        if trigger is not None:
            self.scheduler.add_job(self.run_scheduled, trigger, id=JOB_ID, coalesce=True,
                                   max_instances=1, misfire_grace_time=3600)
        log.info("weekly email schedule: %s", schedule)

    def run_scheduled(self) -> Outcome | None:
        """Send the last complete week's email (the cron job); None when switched off."""
        schedule = self._schedule()
        if not schedule.enabled:
            return None
        return self._deliver(covered_week(schedule, self.clock()), "schedule")

    def catch_up(self) -> Outcome | None:
        """Send the week whose run was due within the catch-up window, unless it was sent."""
        schedule = self._schedule()
        window = timedelta(days=self.app.config["DIGEST_CATCH_UP_DAYS"])
        week = missed_week(schedule, self.clock(), window)
        return None if week is None else self._deliver(week, "catch_up")

    def _deliver(self, week: date, trigger: str) -> Outcome:
        with self.app.app_context():
            outcome = deliver_week(week, trigger=trigger, clock=self.clock)
        level = logging.INFO if outcome.ok else logging.ERROR
        log.log(level, "weekly email (%s): %s %s", trigger, outcome.message, outcome.error or "")
        return outcome

    def start(self) -> None:
        """Schedule the jobs and start (blocks when built with blocking=True)."""
        self.refresh()
        self.scheduler.add_job(self.refresh, "interval", id="weekly-email-settings",
                               seconds=self.app.config["DIGEST_SCHEDULE_POLL_SECONDS"],
                               coalesce=True, max_instances=1)
        self.scheduler.add_job(self.catch_up, id="weekly-email-catch-up",
                               next_run_time=datetime.now(UTC))
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the scheduler (waiting for a running send to finish)."""
        if self.scheduler.running:
            self.scheduler.shutdown()


def start_embedded(app: Flask) -> DigestScheduler | None:
    """Start the scheduler in this process unless BULLSEYE_SCHEDULER says another runs it."""
    mode = app.config.get("BULLSEYE_SCHEDULER", "embedded")
    if mode == "off":
        return None
    if mode != "embedded":
        raise ValueError(f"BULLSEYE_SCHEDULER must be embedded or off, not {mode!r}")
    scheduler = DigestScheduler(app)
    scheduler.start()
    return scheduler
