"""Read a column of CSV date-time cells at once: the time zone work of big imports (pure).

`ingest.columns` uses these on whole columns. A cell they do not take as it is becomes
SLOW, and `ingest.rows` (with `ingest.values.parse_moment`) then reads its row
alone. Cells are read as `parse_moment` reads them: an ISO date-time (T or space) with or
without an offset; without one, a local time in the install's zone.
"""

from datetime import UTC, datetime, tzinfo
from operator import attrgetter, itemgetter, methodcaller
from typing import Any

SLOW: Any = type("Slow", (), {"__repr__": lambda _self: "SLOW"})()  # "let the row validator decide"
Column = list[Any]

_tzinfo = attrgetter("tzinfo")
_to_utc = methodcaller("astimezone", UTC)
_iso_text = methodcaller("isoformat", " ", "microseconds")
_t_to_space = methodcaller("replace", "T", " ", 1)
# The characters at 4, 7, 10, 13, 16, 19 and from 26 of "2024-03-05T08:30:00.000000+00:00".
_marks = itemgetter(4, 7, 10, 13, 16, 19, slice(26, None))
_UTC_MARKS = {("-", "-", sep, ":", ":", ".", "+00:00") for sep in "T "}
_first_26 = itemgetter(slice(0, 26))  # drops "+00:00": SQLite stores UTC times without it
_first_10 = itemgetter(slice(0, 10))
_eleventh = itemgetter(10)
_to_date = methodcaller("date")
_iso = methodcaller("isoformat")


def has_slow(column: Column) -> bool:
    """Return whether any cell of `column` is SLOW."""
    return SLOW in column


def utc_moments(texts: Column, local: tzinfo) -> Column:
    """Return aware UTC times of date-time cells (else SLOW); naive ones are in `local`."""
    parsed: Column = []
    if min(map(len, texts)) > 16 and set(map(_eleventh, texts)) <= {"T", " "}:
        try:
            parsed = list(map(datetime.fromisoformat, texts))
        except ValueError:
            pass
    if parsed:
        zones = set(map(_tzinfo, parsed))
        if zones == {UTC}:
            return parsed
        if None not in zones:
            try:
                return list(map(_to_utc, parsed))
            except OverflowError:  # a time beyond year 9999 (or before 1) in UTC
                pass
    else:
        parsed = [_moment(text) for text in texts]
    return [_utc(moment, local) for moment in parsed]


def _moment(text: str) -> Any:
    if len(text) > 16 and text[10] in "T ":
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return SLOW
    return SLOW


def _utc(moment: Any, local: tzinfo) -> Any:
    """Return `moment` in UTC; a naive time is local (SLOW if a DST change makes it unclear)."""
    if moment is SLOW:
        return SLOW
    if moment.tzinfo is None:
        first = moment.replace(tzinfo=local)
        if local is not UTC and first.utcoffset() != moment.replace(
            tzinfo=local, fold=1
        ).utcoffset():
            return SLOW
        moment = first
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return SLOW


def times_and_days(
    texts: Column, moments: Column, local: tzinfo, sqlite: bool
) -> tuple[Column, Column]:
    """Return the staged UTC times and the calendar days in `local` (ISO) of `moments`.

    Staged times are SQLAlchemy's SQLite text ("2024-03-05 08:30:00.000000") or, for
    PostgreSQL's COPY, ISO text with the offset. Cells already written as UTC with
    microseconds ("2024-03-05T08:30:00.000000+00:00", what exports contain) are converted by
    slicing the text; others by formatting. SLOW stays SLOW.
    """
    if has_slow(moments):
        return _one_by_one(texts, moments, local, sqlite)
    if set(map(len, texts)) == {32} and set(map(_marks, texts)) <= _UTC_MARKS:
        times = texts if not sqlite else list(map(_first_26, map(_t_to_space, texts)))
        days = list(map(_first_10, texts)) if local is UTC else None
    else:
        formatted = list(map(_iso_text, moments))
        times = list(map(_first_26, formatted)) if sqlite else formatted
        days = list(map(_first_10, formatted)) if local is UTC else None
    if days is None:
        in_zone = map(methodcaller("astimezone", local), moments)
        try:
            days = list(map(_iso, map(_to_date, in_zone)))
        except OverflowError:  # a day beyond year 9999 in `local`: those rows go slow
            return _one_by_one(texts, [SLOW if _overflows(m, local) else m for m in moments],
                               local, sqlite)  # fmt: skip
    return times, days


def _overflows(moment: datetime, local: tzinfo) -> bool:
    try:
        moment.astimezone(local)
    except OverflowError:
        return True
    return False


def _one_by_one(
    texts: Column, moments: Column, local: tzinfo, sqlite: bool
) -> tuple[Column, Column]:
    """Return `times_and_days` cell by cell, SLOW staying SLOW."""
    pairs = [times_and_days([t], [m], local, sqlite) if m is not SLOW else ([SLOW], [SLOW])
             for t, m in zip(texts, moments, strict=True)]  # fmt: skip
    return [p[0][0] for p in pairs], [p[1][0] for p in pairs]


def within(days: Column, earliest: str, latest: str) -> Column:
    """Return ISO `days` with those outside earliest…latest (ISO text) made SLOW."""
    if has_slow(days):
        return [d if d is SLOW or earliest <= d <= latest else SLOW for d in days]
    if earliest <= min(days) and max(days) <= latest:
        return days
    return [d if earliest <= d <= latest else SLOW for d in days]
