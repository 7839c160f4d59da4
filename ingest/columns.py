"""Validate a chunk of leads or purchases rows column by column: the fast path of big imports.

The row validators of `ingest.rows` hold the rules; this module only makes the common
case cheap. Each column of a chunk is converted at once with C-level maps (dictionary
lookups, `datetime.fromisoformat`, a regular expression), and a cell the fast path does not
take as it is (blank, unusual or wrong) marks its row as SLOW. Those rows go one by one
through the row validator, which stages them or records their problems in the report, so the
report always comes from the row validator. Tests check that a row the fast path takes is
staged exactly as the row validator would stage it.

Rows leave here as the parameters the staging table takes: on SQLite, UTC times as the text
SQLAlchemy stores ("2024-03-05 08:30:00.000000") and dates as ISO text; on PostgreSQL, times
as ISO text with "+00:00" for COPY. Attributes are JSON text in both.
"""

import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from json.encoder import encode_basestring_ascii
from operator import methodcaller
from typing import Any

from ingest.formats import is_blank
from ingest.rows import (
    AMBIGUOUS,
    GRADES,
    STAGES,
    LeadRows,
    PurchaseRows,
    RowValidator,
)
from ingest.times import SLOW, Column, has_slow, times_and_days, utc_moments, within
from ingest.values import AMOUNT_MAX_MINOR, zone
from kernel.text import ATTRIBUTE_VALUE_MAX, EXTERNAL_ID_MAX
from kernel.weeks import utcnow, week_of

Converted = tuple[Any, ...]
_CENTS = re.compile(r"-?[0-9]{1,12}\.[0-9]{2}")  # the exported form: 1234.50, -99.00
_WHOLE = re.compile(r"-?[0-9]{1,12}")
_strip = methodcaller("strip")
_json = json.JSONEncoder().encode
assert AMOUNT_MAX_MINOR >= 10**14  # 12 integer digits and 2 decimals always fit


class _Lazy(dict[Any, Any]):
    """A dict that computes a missing key's value once with `make` (for C-level `map`)."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


class ColumnValidator:
    """The fast path for one file: converts chunks, sending unusual rows to `rows`."""

    def __init__(self, rows: RowValidator, sqlite: bool, convert: Callable[..., Converted]) -> None:
        self.rows, self.sqlite, self.convert = rows, sqlite, convert
        self.at, self.width = rows.columns.positions, rows.columns.width
        self.local = zone(rows.lookup.timezone)
        week_start = rows.lookup.week_start
        self.weeks = _Lazy(lambda day: week_of(date.fromisoformat(day), week_start).isoformat())

    def chunk(self, numbers: Sequence[int], cells: list[list[str]]) -> list[Converted]:
        """Return the staged rows of a chunk; rows with problems are left out and reported."""
        if not cells:
            return []
        if set(map(len, cells)) != {self.width}:  # rows of the wrong width: the row validator
            fit = [i for i, row in enumerate(cells) if len(row) == self.width]
            misfit = [i for i, row in enumerate(cells) if len(row) != self.width]
            staged = self._slow(numbers, cells, misfit)
            return staged + self.chunk([numbers[i] for i in fit], [cells[i] for i in fit])
        columns = list(zip(*cells, strict=True))
        converted = self.columns(numbers, columns)
        slow = [i for column in converted if has_slow(column)
                for i, value in enumerate(column) if value is SLOW]  # fmt: skip
        rows = list(zip(*converted, strict=True))
        if not slow:
            return rows
        skip = set(slow)
        kept = [row for i, row in enumerate(rows) if i not in skip]
        return kept + self._slow(numbers, cells, sorted(skip))

    def columns(self, numbers: Sequence[int], columns: list[tuple[str, ...]]) -> list[Column]:
        """Return the staged columns of a chunk (SLOW where a row needs the row validator)."""
        raise NotImplementedError

    def _slow(self, numbers: Sequence[int], cells: list[list[str]], which: list[int]) -> list[Any]:
        staged = (self.rows(numbers[i], cells[i]) for i in which if not is_blank(cells[i]))
        return [self.convert(row) for row in staged if row is not None]

    def cells(self, columns: list[tuple[str, ...]], name: str) -> Column:
        """Return the stripped cells of column `name` (all "" when the file lacks it)."""
        index = self.at.get(name)
        if index is None:
            return [""] * len(columns[0])
        return list(map(_strip, columns[index]))

    def external_ids(self, texts: Column) -> Column:
        """Return required ids of at most EXTERNAL_ID_MAX characters and no NUL (else SLOW)."""
        lengths = list(map(len, texts))
        if min(lengths) > 0 and max(lengths) <= EXTERNAL_ID_MAX and "\0" not in "".join(texts):
            return texts
        return [t if 0 < len(t) <= EXTERNAL_ID_MAX and "\0" not in t else SLOW for t in texts]

    def moments(self, texts: Column) -> Column:
        """Return aware UTC times of date-time cells (else SLOW)."""
        return utc_moments(texts, self.local)

    def times_and_days(self, texts: Column, moments: Column) -> tuple[Column, Column]:
        """Return the staged UTC times and the install's calendar days of `moments` (days
        outside the date window are SLOW: the row validator reports them)."""
        times, days = times_and_days(texts, moments, self.local, self.sqlite)
        window = self.rows.lookup.window
        return times, within(days, window.earliest.isoformat(), window.latest.isoformat())

    def lookup(self, texts: Column, cache: _Lazy) -> Column:
        """Return `cache[text]` for every cell (the cache resolves each distinct text once)."""
        return list(map(cache.__getitem__, texts))


class LeadColumns(ColumnValidator):
    """Leads → (row, external_id, channel_id, experiment_id, created_at, cohort_week, stage,
    grade, attributes, stage_changed_at), like `LeadRows`."""

    def __init__(self, rows: RowValidator, sqlite: bool, convert: Callable[..., Converted]) -> None:
        super().__init__(rows, sqlite, convert)
        lookup = rows.lookup
        self.channels = _Lazy(lambda name: self._found(lookup.channels.get(_key(name))))
        self.tests = _Lazy(lambda name: self._found(lookup.tests.get(_key(name))))
        self.stages = _Lazy(lambda text: self._choice(text, STAGES, "lead"))
        self.grades = _Lazy(lambda text: self._choice(text, GRADES, None))
        self.attribute_json = self._attribute_template("{}")
        self.plain_json = self._attribute_template('"{}"')

    @staticmethod
    def _found(value: Any) -> Any:
        return SLOW if value is None or value == AMBIGUOUS else value

    @staticmethod
    def _choice(text: str, allowed: tuple[str, ...], blank: str | None) -> Any:
        if not text:
            return blank
        normal = "_".join(text.lower().split())
        return normal if normal in allowed else SLOW

    def _attribute_template(self, value: str) -> str:
        """Return a str.format template of the attributes' JSON with `value` for each value."""
        keys = [encode_basestring_ascii(key) for key, _index in self.rows.columns.attributes]
        escaped = [key.replace("{", "{{").replace("}", "}}") for key in keys]
        return "{{" + ", ".join(f"{key}: {value}" for key in escaped) + "}}"

    def columns(self, numbers: Sequence[int], columns: list[tuple[str, ...]]) -> list[Column]:
        """Return the staged lead columns of a chunk."""
        external_ids = self.external_ids(self.cells(columns, "external_id"))
        channel_ids = self.lookup(self.cells(columns, "channel"), self.channels)
        created = self.cells(columns, "created_at")
        moments = self.moments(created)
        times, days = self.times_and_days(created, moments)
        weeks = [SLOW if d is SLOW else self.weeks[d] for d in days] if has_slow(days) else (
            self.lookup(days, self.weeks))  # fmt: skip
        return [
            list(numbers),
            external_ids,
            channel_ids,
            self._tests(self.cells(columns, "test"), channel_ids),
            times,
            weeks,
            self.lookup(self.cells(columns, "stage"), self.stages),
            self.lookup(self.cells(columns, "grade"), self.grades),
            self._attributes(columns),
            self._stage_changes(self.cells(columns, "stage_changed_at"), moments),
        ]

    def _stage_changes(self, texts: Column, created: Column) -> Column:
        """Return the staged stage-change times (None when blank); a cell not taken as it is,
        outside the date window, before the lead's creation or in the future is SLOW."""
        staged: Column = [None] * len(texts)
        filled = [i for i, text in enumerate(texts) if text]
        if not filled:
            return staged
        picked = [texts[i] for i in filled]
        moments = self.moments(picked)
        times, days = self.times_and_days(picked, moments)
        now = utcnow()
        for i, moment, time, day in zip(filled, moments, times, days, strict=True):
            usable = SLOW not in (moment, time, day, created[i]) and created[i] <= moment <= now
            staged[i] = time if usable else SLOW
        return staged

    def _tests(self, names: Column, channel_ids: Column) -> Column:
        """Return test ids (None when blank); a test on another channel is SLOW."""
        if not any(names):
            return [None] * len(names)
        ids: Column = []
        for name, channel in zip(names, channel_ids, strict=True):
            test = self.tests[name] if name else None
            if test is None:
                ids.append(None)
            elif test is SLOW or test[1] != channel:
                ids.append(SLOW)
            else:
                ids.append(test[0])
        return ids

    @staticmethod
    def _plain(cells: Column) -> bool:
        """Return whether JSON writes every cell as-is between quotes (nothing to escape)."""
        joined = "".join(cells)
        return (
            joined.isascii() and '"' not in joined and "\\" not in joined and joined.isprintable()
        )

    def _attributes(self, columns: list[tuple[str, ...]]) -> Column:
        """Return each row's attributes as the JSON text `LeadRows` stores."""
        attributes = self.rows.columns.attributes
        if not attributes:
            return ["{}"] * len(columns[0])
        raw = [columns[index] for _key, index in attributes]
        if not all(map(_storable_attribute_values, raw)):  # the row validator reports them
            return [SLOW] * len(columns[0])
        if all(map(all, raw)):  # no blank cell: one template fits every row
            stripped = [list(map(_strip, cells)) for cells in raw]
            if all(map(self._plain, stripped)):
                return list(map(self.plain_json.format, *stripped))
            encoded = [list(map(encode_basestring_ascii, cells)) for cells in stripped]
            return list(map(self.attribute_json.format, *encoded))
        rows = zip(*raw, strict=True)
        return [
            _json({key: cell.strip() for (key, _i), cell in zip(attributes, row, strict=True)
                   if cell}) or "{}"
            for row in rows
        ]  # fmt: skip


def _storable_attribute_values(cells: tuple[str, ...]) -> bool:
    """Return whether no cell of an attribute column is too long or holds a NUL."""
    return max(map(len, cells)) <= ATTRIBUTE_VALUE_MAX and "\0" not in "".join(cells)


class PurchaseColumns(ColumnValidator):
    """Purchases → (row, external_id, lead_external_id, purchased_at, purchased_on, amount),
    like `PurchaseRows`."""

    def columns(self, numbers: Sequence[int], columns: list[tuple[str, ...]]) -> list[Column]:
        """Return the staged purchase columns of a chunk."""
        purchased = self.cells(columns, "purchased_at")
        times, days = self.times_and_days(purchased, self.moments(purchased))
        return [
            list(numbers),
            self.external_ids(self.cells(columns, "external_id")),
            self.external_ids(self.cells(columns, "lead_external_id")),
            times,
            days,
            amounts(self.cells(columns, "amount")),
        ]


def amounts(texts: Column) -> Column:
    """Return minor units for amounts written as 1234.50 or 1234 (else SLOW; negatives allowed)."""
    if all(map(_CENTS.fullmatch, texts)):
        return list(map(int, map(methodcaller("replace", ".", ""), texts)))
    return [_amount(text) for text in texts]


def _amount(text: str) -> Any:
    if _CENTS.fullmatch(text):
        return int(text.replace(".", ""))
    if _WHOLE.fullmatch(text):
        return int(text) * 100
    return SLOW


def column_validator(
    rows: RowValidator, sqlite: bool, convert: Callable[..., Converted]
) -> ColumnValidator | None:
    """Return the fast path for `rows`' file kind (None for spend: files are small)."""
    if isinstance(rows, LeadRows):
        return LeadColumns(rows, sqlite, convert)
    if isinstance(rows, PurchaseRows):
        return PurchaseColumns(rows, sqlite, convert)
    return None


