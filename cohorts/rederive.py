"""Re-derive every stored week and local date after the week start or time zone changed.

A lead's cohort week, a purchase's local date and a spend row's week are stored (so cohorts
group in SQL) but follow from the stored UTC timestamps and dates by the rules of SPEC §3.
`rederive_weeks` recomputes them all in the caller's transaction, in SQL, and rebuilds the
cohort aggregates: readers see either the old or the new state, never a mix.

Spend rows are dates, not times, so only a week-start change moves them: each row moves to
the week (under the new start) holding the first day of its old week — the week a fresh
import of the same file, which names each week by its first day, would give. Weeks start
7 days apart under either rule, so no two rows of a channel meet in one week; rows that
were not on a week start (stored around the checks) and do meet are added together.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from channels.models import WeeklySpend
from cohorts.aggregates import refresh_all, week_start_sql
from kernel.weeks import DateWindow, OffsetSpan, offset_spans, utcnow, week_of

STEPS: tuple[str, ...] = (
    "lead cohort weeks", "purchase dates", "spend weeks", "cohort aggregates")
ProgressCallback = Callable[[int, str], None]  # (steps done, step starting)


def _offset_sql(connection: sa.Connection, moment: str, spans: list[OffsetSpan]) -> tuple[
        str, dict[str, Any]]:  # fmt: skip
    """Return SQL for the zone's UTC offset in seconds at timestamp column `moment`."""
    sqlite = connection.dialect.name == "sqlite"
    params: dict[str, Any] = {"o0": spans[0].offset_seconds}
    whens = []
    for i, span in enumerate(spans[1:], start=1):
        params[f"o{i}"] = span.offset_seconds
        if sqlite:
            params[f"b{i}"] = span.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            whens.append(f"WHEN julianday({moment}) < julianday(:b{i}) THEN :o{i - 1}")
        else:
            params[f"b{i}"] = span.start
            whens.append(f"WHEN {moment} < :b{i} THEN :o{i - 1}")
    last = f":o{len(spans) - 1}"
    return (f"(CASE {' '.join(whens)} ELSE {last} END)" if whens else last), params


def local_date_sql(connection: sa.Connection, moment: str, spans: list[OffsetSpan]) -> tuple[
        str, dict[str, Any]]:  # fmt: skip
    """Return SQL for the local calendar date of UTC timestamp column `moment` (NULL when
    it cannot be represented, e.g. past the year 9999 on SQLite)."""
    offset, params = _offset_sql(connection, moment, spans)
    if connection.dialect.name == "sqlite":
        return f"date({moment}, ({offset}) || ' seconds')", params
    return (f"CAST(({moment} AT TIME ZONE 'UTC') + make_interval(secs => {offset}) AS DATE)",
            params)


SPAN_LIMITS = (date(1900, 1, 1), date(2200, 12, 31))  # bounds the work on a wide window


def _spans(timezone: str, window: DateWindow) -> list[OffsetSpan]:
    """Return the zone's offsets over the date window (rows outside it take the edge ones)."""
    first = datetime.combine(max(window.earliest, SPAN_LIMITS[0]) - timedelta(days=2), time(),
                             UTC)
    last = datetime.combine(min(window.latest, SPAN_LIMITS[1]) + timedelta(days=2), time(), UTC)
    return offset_spans(timezone, first, last)


SPEND = WeeklySpend.__table__  # type: ignore[attr-defined]  # the Core table


def _move_spend(connection: sa.Connection, week_start: int) -> int:
    """Move every spend row to the week holding its old week's first day; return rows moved."""
    rows = connection.execute(sa.select(
        SPEND.c.id, SPEND.c.channel_id, SPEND.c.week, SPEND.c.amount_minor,
        SPEND.c.impressions, SPEND.c.clicks, SPEND.c.version)).all()
    moving = [row for row in rows if week_of(row.week, week_start) != row.week]
    if not moving:
        return 0
    staying = {(row.channel_id, row.week): row for row in rows
               if week_of(row.week, week_start) == row.week}
    connection.execute(sa.delete(SPEND).where(SPEND.c.id.in_([row.id for row in moving])))
    groups: dict[tuple[int, date], list[Any]] = {}
    for row in moving:
        key = (row.channel_id, week_of(row.week, week_start))
        groups.setdefault(key, [staying[key]] if key in staying else []).append(row)
    now = utcnow()
    inserts = []
    for (channel_id, week), group in groups.items():
        values = {
            "amount_minor": sum(r.amount_minor for r in group),
            "impressions": _sum_known([r.impressions for r in group]),
            "clicks": _sum_known([r.clicks for r in group]),
            "version": max(r.version for r in group) + 1, "updated_at": now,
        }
        if (channel_id, week) in staying:  # added into the row already on the new week
            connection.execute(sa.update(SPEND).where(
                SPEND.c.id == staying[channel_id, week].id).values(values))
        else:
            inserts.append(values | {"channel_id": channel_id, "week": week})
    if inserts:
        connection.execute(sa.insert(SPEND), inserts)
    return len(moving)


def _sum_known(values: list[int | None]) -> int | None:
    """Return the sum of the known values (None when none is known)."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def rederive_weeks(
    connection: sa.Connection, *, week_start: int, timezone: str, window: DateWindow,
    progress: ProgressCallback | None = None,
) -> None:  # fmt: skip
    """Recompute cohort weeks, purchase dates and spend weeks under `week_start` and
    `timezone`, then every cohort aggregate, in the caller's transaction.

    The settings row must already hold the new values (the aggregates read the week start).
    """
    report = progress or (lambda _done, _step: None)
    spans = _spans(timezone, window)
    params: dict[str, Any] = {"week_start": week_start}
    report(0, STEPS[0])
    local, zone_params = local_date_sql(connection, "created_at", spans)
    week = week_start_sql(connection, local)
    connection.execute(sa.text(
        f"UPDATE lead SET cohort_week = {week} WHERE {week} <> cohort_week"),
        params | zone_params)
    report(1, STEPS[1])
    local, zone_params = local_date_sql(connection, "purchased_at", spans)
    connection.execute(sa.text(
        f"UPDATE purchase SET purchased_on = {local} WHERE {local} <> purchased_on"),
        zone_params)
    report(2, STEPS[2])
    _move_spend(connection, week_start)
    report(3, STEPS[3])
    refresh_all(connection)
    report(4, "")
