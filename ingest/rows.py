"""Validate the rows of spend, leads and purchases files into values ready to store (pure).

Each validator is called with (row number, cells) and returns a tuple for the staging table,
or None after recording every problem of the row in the shared `ErrorReport`. Checks that
need the whole file or the database (duplicates, unknown leads, purchases before their lead)
are made by `ingest.importer` on the staged rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ingest.formats import FORMATS, Columns, ErrorReport, written
from ingest.values import (
    CellError,
    OutOfRange,
    parse_amount,
    parse_count,
    parse_day,
    parse_moment,
    zone,
)
from kernel.text import ATTRIBUTE_VALUE_MAX, EXTERNAL_ID_MAX, unstorable
from kernel.vocabulary import GRADES, STAGES
from kernel.weeks import DateWindow, date_window, safe_local_date, utcnow, week_of

AMBIGUOUS = -1  # a name that matches several records when compared case-insensitively


@dataclass(frozen=True)
class Lookup:
    """What rows refer to by name: channels (→ id) and tests (→ (id, channel id))."""

    timezone: str
    week_start: int
    channels: Mapping[str, int]
    tests: Mapping[str, tuple[int, int]]
    window: DateWindow = field(default_factory=lambda: date_window(date.today()))


def name_index(names: Mapping[str, Any]) -> dict[str, Any]:
    """Return `names` keyed by case-folded, space-collapsed name; clashes map to AMBIGUOUS."""
    index: dict[str, Any] = {}
    for name, value in names.items():
        key = " ".join(name.casefold().split())
        index[key] = AMBIGUOUS if key in index else value
    return index


class RowValidator:
    """Shared cell access and error recording for one file."""

    kind = ""

    def __init__(self, columns: Columns, lookup: Lookup, report: ErrorReport) -> None:
        self.columns, self.lookup, self.report = columns, lookup, report
        self.at = columns.positions
        self.row = 0
        self.ok = True
        self.local = zone(lookup.timezone)
        self.weeks: dict[date, date] = {}
        self.channels: dict[str, int | None] = {}

    def __call__(self, row: int, cells: list[str]) -> tuple[Any, ...] | None:
        """Return the staged row for `cells`, or None after recording its problems."""
        raise NotImplementedError

    def start(self, row: int, cells: list[str]) -> bool:
        """Begin a row; return False (and record it) when its cell count is wrong."""
        self.row, self.ok = row, True
        if len(cells) != self.columns.width:
            self.report.add(row, "", written(cells, self.columns.separator),
                            f"has {len(cells)} cells; the header has {self.columns.width}")
            return False
        return True

    def text(self, cells: list[str], column: str) -> str:
        """Return the stripped text of `column` ("" when the file has no such column)."""
        index = self.at.get(column)
        return "" if index is None else cells[index].strip()

    def fail(self, column: str, value: str, message: str) -> None:
        """Record a problem with `column` of the current row."""
        self.ok = False
        self.report.add(self.row, column, value, message)

    def required(self, cells: list[str], column: str) -> str:
        """Return a required cell's text, recording an error when it is blank."""
        value = self.text(cells, column)
        if not value:
            self.fail(column, value, "is required")
        return value

    def parsed(self, column: str, value: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        """Return parse(value, …), recording the CellError as a problem of `column`."""
        try:
            return parse(value, *args, **kwargs)
        except OutOfRange:
            self.fail(column, value, f"{value!r} {self.lookup.window.refusal()}")
            return None
        except CellError as exc:
            self.fail(column, value, f"{value!r} {exc}" if value else str(exc))
            return None

    def local_day(self, column: str, text: str, moment: datetime | date | None) -> date | None:
        """Return the install's date of `moment` when it lies in the window, else record why."""
        if moment is None:
            return None
        day = moment if not isinstance(moment, datetime) else safe_local_date(
            moment, self.lookup.timezone)  # fmt: skip
        if day not in self.lookup.window:
            self.fail(column, text, f"{text!r} {self.lookup.window.refusal()}")
            return None
        return day

    def channel(self, cells: list[str]) -> int | None:
        """Return the id of the channel named in the row."""
        name = self.required(cells, "channel")
        if not name:
            return None
        if name in self.channels:
            channel_id = self.channels[name]
        else:
            key = " ".join(name.casefold().split())
            channel_id = self.channels[name] = self.lookup.channels.get(key)
        if channel_id is None:
            self.fail("channel", name, f"no channel is named {name!r}; create it first")
        elif channel_id == AMBIGUOUS:
            self.fail("channel", name, "several channels match this name; use its exact case")
            return None
        return channel_id

    def external_id(self, cells: list[str], column: str) -> str:
        """Return a required external id of at most EXTERNAL_ID_MAX characters."""
        value = self.required(cells, column)
        if len(value) > EXTERNAL_ID_MAX:
            self.fail(column, value[:40] + "…", f"is longer than {EXTERNAL_ID_MAX} characters")
        elif problem := unstorable(value):
            self.fail(column, value, problem)
        return value


class SpendRows(RowValidator):
    """Rows of a spend file → (row, channel_id, week, amount_minor, impressions, clicks)."""

    kind = "spend"

    def __call__(self, row: int, cells: list[str]) -> tuple[Any, ...] | None:
        """Return the staged spend row, or None if it has problems."""
        if not self.start(row, cells):
            return None
        channel_id = self.channel(cells)
        day_text = self.required(cells, "week")
        day = self.parsed("week", day_text, parse_day) if day_text else None
        day = self.local_day("week", day_text, day)
        amount_text = self.required(cells, "amount")
        amount = self.parsed("amount", amount_text, parse_amount) if amount_text else None
        counts = {}
        for column in ("impressions", "clicks"):
            value = self.text(cells, column)
            counts[column] = self.parsed(column, value, parse_count) if value else None
        impressions, clicks = counts["impressions"], counts["clicks"]
        if impressions is not None and clicks is not None and clicks > impressions:
            self.fail("clicks", str(clicks), f"cannot exceed impressions ({impressions})")
        if not self.ok or day is None:
            return None
        return (row, channel_id, week_of(day, self.lookup.week_start), amount, impressions, clicks)


class LeadRows(RowValidator):
    """Rows of a leads file → (row, external_id, channel_id, experiment_id, created_at,
    cohort_week, stage, grade, attributes, stage_changed_at)."""

    kind = "leads"

    def __call__(self, row: int, cells: list[str]) -> tuple[Any, ...] | None:
        """Return the staged lead row, or None if it has problems."""
        if not self.start(row, cells):
            return None
        external_id = self.external_id(cells, "external_id")
        channel_id = self.channel(cells)
        created_text = self.required(cells, "created_at")
        created: datetime | None = None
        if created_text:
            created = self.parsed("created_at", created_text, parse_moment, self.lookup.timezone)
            if self.local_day("created_at", created_text, created) is None:
                created = None
        experiment_id = self.test(cells, channel_id)
        stage = self.choice(cells, "stage", STAGES) or "lead"
        grade = self.choice(cells, "grade", GRADES)
        attributes = self.attributes(cells)
        changed = self.stage_changed_at(cells, created)
        if not self.ok or created is None:
            return None
        return (
            row,
            external_id,
            channel_id,
            experiment_id,
            created,
            self.week(created),
            stage,
            grade,
            attributes,
            changed,
        )

    def stage_changed_at(self, cells: list[str], created: datetime | None) -> datetime | None:
        """Return the optional time of the row's stage change (None when blank): a time in
        the date window, not before the lead's creation nor in the future."""
        text = self.text(cells, "stage_changed_at")
        if not text:
            return None
        moment = self.parsed("stage_changed_at", text, parse_moment, self.lookup.timezone)
        if self.local_day("stage_changed_at", text, moment) is None:
            return None
        if created is not None and moment < created:
            self.fail("stage_changed_at", text, "is before the lead's created_at; a stage "
                      "change cannot precede the lead")  # fmt: skip
            return None
        if moment > utcnow():
            self.fail("stage_changed_at", text, "is in the future; date a stage change when "
                      "it happened")  # fmt: skip
            return None
        return moment

    def attributes(self, cells: list[str]) -> dict[str, str]:
        """Return the row's non-blank attributes, recording values too long or unstorable."""
        attributes = {key: cells[i].strip() for key, i in self.columns.attributes if cells[i]}
        for key, value in attributes.items():
            if len(value) > ATTRIBUTE_VALUE_MAX:
                limit = f"is longer than {ATTRIBUTE_VALUE_MAX:,} characters"
                self.fail(key, value[:40] + "…", limit)
            elif problem := unstorable(value):
                self.fail(key, value, problem)
        return attributes

    def week(self, created: datetime) -> date:
        """Return the cohort week of a lead created at `created` (memoised by local date)."""
        day = created.astimezone(self.local).date()
        week = self.weeks.get(day)
        if week is None:
            week = self.weeks[day] = week_of(day, self.lookup.week_start)
        return week

    def choice(self, cells: list[str], column: str, allowed: tuple[str, ...]) -> str | None:
        """Return an optional value from `allowed` (case-insensitive) or None when blank."""
        value = self.text(cells, column)
        if not value or value in allowed:
            return value or None
        normal = "_".join(value.lower().split())
        if normal not in allowed:
            self.fail(column, value, f"must be one of {', '.join(allowed)}")
        return normal

    def test(self, cells: list[str], channel_id: int | None) -> int | None:
        """Return the id of the test named in the row (it must test the lead's channel)."""
        name = self.text(cells, "test")
        if not name:
            return None
        found = self.lookup.tests.get(" ".join(name.casefold().split()))
        if found is None:
            self.fail("test", name, f"no test is named {name!r}")
            return None
        if found == AMBIGUOUS:
            self.fail("test", name, "several tests have this name")
            return None
        if channel_id is not None and found[1] != channel_id:
            self.fail("test", name, "this test is on another channel")
        return found[0]


class PurchaseRows(RowValidator):
    """Rows of a purchases file → (row, external_id, lead_external_id, purchased_at,
    purchased_on, amount_minor)."""

    kind = "purchases"

    def __call__(self, row: int, cells: list[str]) -> tuple[Any, ...] | None:
        """Return the staged purchase row, or None if it has problems."""
        if not self.start(row, cells):
            return None
        external_id = self.external_id(cells, "external_id")
        lead_external_id = self.external_id(cells, "lead_external_id")
        at_text = self.required(cells, "purchased_at")
        at = (
            self.parsed("purchased_at", at_text, parse_moment, self.lookup.timezone)
            if at_text
            else None
        )
        amount_text = self.required(cells, "amount")
        amount = (
            self.parsed("amount", amount_text, parse_amount, allow_negative=True)
            if amount_text
            else None
        )
        purchased_on = self.local_day("purchased_at", at_text, at)
        if not self.ok or at is None or purchased_on is None:
            return None
        return (row, external_id, lead_external_id, at, purchased_on, amount)


VALIDATORS: dict[str, type[RowValidator]] = {
    "spend": SpendRows,
    "leads": LeadRows,
    "purchases": PurchaseRows,
}
assert set(VALIDATORS) == set(FORMATS)
