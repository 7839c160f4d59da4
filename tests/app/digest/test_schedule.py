"""The weekly email's schedule with an injected clock: DST changes, catch-up, its window."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.digest.schedule import (
    DigestSchedule,
    covered_week,
    missed_week,
    next_run,
    previous_run,
)

BERLIN_MONDAY = DigestSchedule(True, 0, "08:00", "Europe/Berlin", 0)
NEW_YORK_MONDAY = DigestSchedule(True, 0, "08:00", "America/New_York", 0)
WINDOW = timedelta(days=3)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(("schedule", "now", "expected"), [
    # Berlin leaves summer time on Sunday 2026-10-25: 08:00 is 06:00 UTC before, 07:00 after.
    (BERLIN_MONDAY, utc(2026, 10, 13), utc(2026, 10, 19, 6)),
    (BERLIN_MONDAY, utc(2026, 10, 19, 6, 0, 1), utc(2026, 10, 26, 7)),
    # … and enters it on Sunday 2026-03-29: 07:00 UTC before, 06:00 after.
    (BERLIN_MONDAY, utc(2026, 3, 24), utc(2026, 3, 30, 6)),
    (BERLIN_MONDAY, utc(2026, 3, 20), utc(2026, 3, 23, 7)),
    # New York leaves daylight time on 2026-11-01 (12:00 → 13:00 UTC), enters on 2026-03-08.
    (NEW_YORK_MONDAY, utc(2026, 10, 27), utc(2026, 11, 2, 13)),
    (NEW_YORK_MONDAY, utc(2026, 10, 20), utc(2026, 10, 26, 12)),
    (NEW_YORK_MONDAY, utc(2026, 3, 3), utc(2026, 3, 9, 12)),
    (NEW_YORK_MONDAY, utc(2026, 3, 1), utc(2026, 3, 2, 13)),
])
def test_next_run_keeps_local_time_across_dst(schedule: DigestSchedule, now: datetime,
                                              expected: datetime) -> None:
    found = next_run(schedule, now)
    assert found is not None and found == expected
    assert found.astimezone(schedule.trigger().timezone).strftime("%a %H:%M") == "Mon 08:00"  # type: ignore[union-attr]


def test_a_time_in_the_skipped_hour_runs_once_that_day() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29 (02:00 → 03:00): it runs at 03:30 local.
    sunday = DigestSchedule(True, 6, "02:30", "Europe/Berlin", 0)
    first = next_run(sunday, utc(2026, 3, 27))
    assert first == utc(2026, 3, 29, 1, 30)
    assert next_run(sunday, first + timedelta(seconds=1)) == utc(2026, 4, 5, 0, 30)


def test_a_time_in_the_repeated_hour_covers_one_week() -> None:
    # 01:30 happens twice in New York on 2026-11-01: both runs cover the same week, which
    # is claimed once (tests/app/digest/test_exactly_once.py), so one email is sent.
    sunday = DigestSchedule(True, 6, "01:30", "America/New_York", 0)
    first = next_run(sunday, utc(2026, 10, 30))
    second = next_run(sunday, first + timedelta(seconds=1))  # type: ignore[operator]
    assert (first, second) == (utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30))
    assert covered_week(sunday, first) == covered_week(sunday, second) == date(2026, 10, 19)  # type: ignore[arg-type]


def test_previous_run_and_covered_week() -> None:
    assert previous_run(BERLIN_MONDAY, utc(2026, 10, 28)) == utc(2026, 10, 26, 7)
    assert previous_run(BERLIN_MONDAY, utc(2026, 10, 26, 7)) == utc(2026, 10, 26, 7)
    assert previous_run(BERLIN_MONDAY, utc(2026, 10, 26, 6, 59)) == utc(2026, 10, 19, 6)
    # Monday 08:00 covers the week that ended the day before.
    assert covered_week(BERLIN_MONDAY, utc(2026, 10, 26, 7)) == date(2026, 10, 19)
    # Weeks starting on Sunday: Monday 2026-10-26 lies in the week from 10-25, so 10-18.
    sunday_weeks = DigestSchedule(True, 0, "08:00", "Europe/Berlin", 6)
    assert covered_week(sunday_weeks, utc(2026, 10, 26, 7)) == date(2026, 10, 18)


def test_catch_up_within_the_window_only() -> None:
    # Down from Sunday to Wednesday 2026-10-28 06:59 UTC: Monday's run is 2 days 23:59 old.
    assert missed_week(BERLIN_MONDAY, utc(2026, 10, 29, 6, 59), WINDOW) == date(2026, 10, 19)
    assert missed_week(BERLIN_MONDAY, utc(2026, 10, 29, 7, 0), WINDOW) == date(2026, 10, 19)
    assert missed_week(BERLIN_MONDAY, utc(2026, 10, 29, 7, 1), WINDOW) is None
    assert missed_week(BERLIN_MONDAY, utc(2026, 10, 26, 6, 59), WINDOW) is None  # not due yet
    off = DigestSchedule(False, 0, "08:00", "Europe/Berlin", 0)
    assert missed_week(off, utc(2026, 10, 27), WINDOW) is None
    assert next_run(off, utc(2026, 1, 1)) is None
