"""Validate the JSON items of API batch writes with the CSV row validators (pure).

Each item is turned into the cells of a CSV row, so spend, leads and purchases sent to the
API obey exactly the rules of a CSV import; channels and tests are referred to by id instead
of by name. Errors are (index, field, message) with the item's index in the batch (from 0).
"""

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ingest.formats import ATTRIBUTE_MAX, FORMATS, Columns, ErrorReport
from ingest.rows import LeadRows, Lookup, PurchaseRows, RowValidator, SpendRows
from kernel.text import ATTRIBUTE_VALUE_MAX, ATTRIBUTES_MAX, unstorable
from kernel.weeks import DateWindow

ItemError = tuple[int, str, str]
BATCH_MAX = 10_000

# The JSON fields of each batch kind and the JSON type each one takes.
FIELDS: dict[str, dict[str, str]] = {
    "spend": {"week": "string", "amount": "number", "impressions": "integer", "clicks": "integer"},
    "leads": {
        "external_id": "string",
        "channel_id": "integer",
        "created_at": "string",
        "test_id": "integer",
        "stage": "string",
        "grade": "string",
        "stage_changed_at": "string",
        "attributes": "object",
    },
    "purchases": {
        "external_id": "string",
        "lead_external_id": "string",
        "purchased_at": "string",
        "amount": "number",
    },
}
COLUMN_OF = {"channel_id": "channel", "test_id": "test"}
FIELD_OF = {column: field for field, column in COLUMN_OF.items()}
_ATTRIBUTE_TYPES = (str, int, float)
_EARLIER_ROW = re.compile(r"already appears in row (\d+)")
_FILE_ROW = re.compile(r"\(row (\d+) of this file\)")


def _is_type(value: Any, kind: str) -> bool:
    """Return whether the JSON `value` has the JSON type `kind` (booleans are not numbers)."""
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, str)


class IdReferences(RowValidator):
    """Find channels and tests by id (the cell holds the id as text) instead of by name."""

    def channel(self, cells: list[str]) -> int | None:
        """Return the id of the row's channel when a channel has it."""
        text = self.required(cells, "channel")
        if not text:
            return None
        channel_id = self.lookup.channels.get(text)
        if channel_id is None:
            self.fail("channel", text, f"no channel has id {text}")
        return channel_id

    def test(self, cells: list[str], channel_id: int | None) -> int | None:
        """Return the id of the row's test when a test has it and it tests the same channel."""
        text = self.text(cells, "test")
        if not text:
            return None
        found = self.lookup.tests.get(text)
        if found is None:
            self.fail("test", text, f"no test has id {text}")
            return None
        if channel_id is not None and found[1] != channel_id:
            self.fail("test", text, "this test is on another channel")
        return found[0]


class SpendItems(IdReferences, SpendRows):
    """Spend items (the channel comes from the URL)."""


class LeadItems(IdReferences, LeadRows):
    """Lead items."""


class PurchaseItems(IdReferences, PurchaseRows):
    """Purchase items."""


VALIDATORS: dict[str, type[RowValidator]] = {
    "spend": SpendItems,
    "leads": LeadItems,
    "purchases": PurchaseItems,
}


def id_lookup(
    timezone: str, week_start: int, channels: Sequence[int], tests: Mapping[int, int],
    window: DateWindow,
) -> Lookup:
    """Return a Lookup keyed by id text: channel ids, and test id → channel id."""
    return Lookup(
        timezone,
        week_start,
        {str(c): c for c in channels},
        {str(t): (t, c) for t, c in tests.items()},
        window,
    )


def _attribute_keys(items: Sequence[Any]) -> list[str]:
    """Return every attribute name used by the items, in order of first use."""
    keys: dict[str, None] = {}
    for item in items:
        attributes = item.get("attributes") if isinstance(item, dict) else None
        if isinstance(attributes, dict):
            keys.update(dict.fromkeys(attributes))
    return list(keys)


def _columns(kind: str, attribute_keys: list[str]) -> Columns:
    """Return the CSV columns an item of `kind` is converted to."""
    names = [*FORMATS[kind].required, *FORMATS[kind].optional]
    attributes = tuple((key, len(names) + i) for i, key in enumerate(attribute_keys))
    return Columns({n: i for i, n in enumerate(names)}, attributes, len(names) + len(attributes))


def _attribute_cells(index: int, attributes: dict[str, Any], errors: list[ItemError]) -> bool:
    """Check the number of attributes, their names and values; return whether all are usable."""
    if len(attributes) > ATTRIBUTES_MAX:
        errors.append((index, "attributes", f"a lead has at most {ATTRIBUTES_MAX} attributes"))
        return False
    found = len(errors)
    for key, value in attributes.items():
        where = f"attributes.{key}"
        if not key.strip() or len(key) > ATTRIBUTE_MAX:
            errors.append((index, where, f"names must have 1 to {ATTRIBUTE_MAX} characters"))
        elif problem := unstorable(key):
            errors.append((index, "attributes", f"the name {key!r} {problem}"))
        elif value is not None and (
            isinstance(value, bool) or not isinstance(value, _ATTRIBUTE_TYPES)
        ):
            errors.append((index, where, "must be a string, a number or null"))
        elif problem := _text_problem(str(value), ATTRIBUTE_VALUE_MAX):
            errors.append((index, where, problem))
    return len(errors) == found


def _text_problem(text: str, longest: int) -> str | None:
    """Return why a text value cannot be stored (too long, NUL, unpaired surrogate), else None."""
    if len(text) > longest:
        return f"is longer than {longest:,} characters"
    return unstorable(text)


def _cells(
    kind: str, index: int, item: Any, columns: Columns, errors: list[ItemError]
) -> tuple[list[str], set[str]]:
    """Return an item as CSV cells and the fields whose JSON type was wrong (already reported)."""
    cells = [""] * columns.width
    if not isinstance(item, dict):
        errors.append((index, "", "must be a JSON object"))
        return cells, set(FIELDS[kind]) | {"channel_id"}
    wrong: set[str] = set()
    for field, value in item.items():
        kind_of_value = FIELDS[kind].get(field)
        if kind_of_value is None:
            errors.append((index, field, f"is not a field; use {', '.join(FIELDS[kind])}"))
        elif value is None:
            continue
        elif not _is_type(value, kind_of_value):
            errors.append((index, field, f"must be a JSON {kind_of_value}"))
            wrong.add(field)
        elif kind_of_value == "number" and _decimal_places(value) > 2:
            # Checked here: in a CSV cell "1.234" could be 1234 with a thousands separator.
            errors.append((index, field, f"'{value!r}' has more than 2 decimals"))
            wrong.add(field)
        elif isinstance(value, str) and (problem := unstorable(value)):
            errors.append((index, field, problem))
            wrong.add(field)
        elif field == "attributes":
            if _attribute_cells(index, value, errors):
                for key, position in columns.attributes:
                    shown = value.get(key)
                    cells[position] = "" if shown is None else str(shown)
        else:
            cells[columns.positions[COLUMN_OF.get(field) or field]] = _cell(value, kind_of_value)
    return cells, wrong


def _number(value: int | float) -> Decimal:
    """Return a JSON number exactly as written (floats by their shortest repr)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _decimal_places(value: int | float) -> int:
    """Return how many decimals a JSON number is written with (0 for NaN and infinities)."""
    exponent = _number(value).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _cell(value: Any, kind: str) -> str:
    """Return a JSON value as cell text (numbers in plain notation)."""
    if kind != "number" or not _number(value).is_finite():
        return str(value)
    return format(_number(value), "f")


def validate_items(
    kind: str, items: Sequence[Any], lookup: Lookup, *, channel_id: int | None = None
) -> tuple[list[tuple[Any, ...]], list[ItemError]]:
    """Return the staged rows of valid items (row number = index) and every item's errors.

    Spend items get `channel_id` (the channel of the URL); the others name their own.
    """
    columns = _columns(kind, _attribute_keys(items) if kind == "leads" else [])
    report = ErrorReport()
    validate = VALIDATORS[kind](columns, lookup, report)
    errors: list[ItemError] = []
    reported: set[tuple[int, str]] = set()
    rows: list[tuple[Any, ...]] = []
    for index, item in enumerate(items):
        cells, wrong = _cells(kind, index, item, columns, errors)
        reported.update((index, field) for field in wrong)
        if channel_id is not None:
            cells[columns.positions["channel"]] = str(channel_id)
        row = validate(index, cells)
        if row is not None:
            rows.append(row)
    for error in report.errors:
        field = FIELD_OF.get(error.column, error.column)
        if (error.row, field) not in reported:
            errors.append((error.row, field, error.message))
    return rows, sorted(errors)


def item_error(index: int, field: str, message: str) -> ItemError:
    """Return a whole-batch problem found in SQL as an item error (items, not rows)."""
    message = _EARLIER_ROW.sub(r"already appears in item \1", message)
    message = _FILE_ROW.sub(r"(item \1 of this batch)", message)
    return index, FIELD_OF.get(field, field), message
