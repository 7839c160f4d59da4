"""The CSV files users import: formats, separator detection, headers and the error report (pure).

Files are UTF-8 (with or without BOM), separated by "," or ";" (detected from the header;
a header containing both is refused), with optional quoting. Rows are numbered like a
spreadsheet: the header is row 1. `ingest.reading` reads them, `ingest.rows` validates them.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from kernel.text import ATTRIBUTE_NAME_MAX as ATTRIBUTE_MAX
from kernel.text import ATTRIBUTES_MAX, unstorable

ERROR_LIMIT = 10_000
COLUMNS_MAX = 200  # columns in a file unless the caller allows another number


@dataclass(frozen=True)
class Format:
    """The columns of one importable file kind."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    attributes: bool = False  # other columns become lead attributes
    example: tuple[tuple[str, ...], ...] = ()
    ignored: tuple[str, ...] = ()  # columns an export adds that an import skips (lead score)


FORMATS: dict[str, Format] = {
    "spend": Format(
        "spend",
        ("channel", "week", "amount"),
        ("impressions", "clicks"),
        example=(
            ("Google Ads", "2024-03-04", "1250.00", "48000", "960"),
            ("LinkedIn", "2024-03-04", "800", "", ""),
        ),
    ),
    "leads": Format(
        "leads",
        ("external_id", "channel", "created_at"),
        ("test", "stage", "grade", "stage_changed_at"),
        attributes=True,
        ignored=("score",),
        example=(
            ("crm-1001", "Google Ads", "2024-03-05T09:30:00+01:00", "", "lead", "hot", ""),
            ("crm-1002", "LinkedIn", "2024-03-06", "", "sales_ready", "", ""),
        ),
    ),
    "purchases": Format(
        "purchases",
        ("external_id", "lead_external_id", "purchased_at", "amount"),
        example=(
            ("inv-5001", "crm-1001", "2024-03-12T16:00:00Z", "499.00"),
            ("inv-5002", "crm-1001", "2024-04-12", "-99.00"),
        ),
    ),
}


@dataclass(frozen=True)
class RowError:
    """One problem: spreadsheet row (header = 1), column name, the cell's text and a message."""

    row: int
    column: str
    value: str
    message: str


@dataclass
class ErrorReport:
    """The problems found in a file: the first ERROR_LIMIT in full, and how many in all."""

    errors: list[RowError] = field(default_factory=list)
    total: int = 0

    def add(self, row: int, column: str, value: str, message: str) -> None:
        """Record one problem."""
        self.total += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(RowError(row, column, value, message))

    def __bool__(self) -> bool:
        return self.total > 0

    def sorted(self) -> list[RowError]:
        """Return the kept problems by row, then column."""
        return sorted(self.errors, key=lambda e: (e.row, e.column))


class FileError(Exception):
    """A problem that stops reading the file (encoding, separator, header)."""

    def __init__(self, row: int, column: str, value: str, message: str,
                 also: tuple[RowError, ...] = ()) -> None:
        super().__init__(message)
        self.error = RowError(row, column, value, message)
        self.errors = (self.error, *also)  # a header can have several problems at once


def normalise_header(name: str) -> str:
    """Return the canonical form of a header cell ("Created At" → "created_at")."""
    return "_".join(name.strip().lower().split())


def detect_separator(header_line: str) -> str:
    """Return "," or ";" as used between header cells; raise FileError if unclear."""
    outside, quoted = [], False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    text = "".join(outside)
    commas, semicolons = text.count(","), text.count(";")
    if commas and semicolons:
        raise FileError(1, "", header_line.strip(), "the header mixes ',' and ';' separators")
    if not commas and not semicolons:
        raise FileError(1, "", header_line.strip(), "the header has no ',' or ';' separator")
    return "," if commas else ";"


@dataclass(frozen=True)
class Columns:
    """Where each known column is in a file, and which columns are lead attributes."""

    positions: dict[str, int]
    attributes: tuple[tuple[str, int], ...]
    width: int
    separator: str = ","  # between the file's cells (a row is shown as written with it)


def map_header(
    header: list[str], fmt: Format, max_columns: int = COLUMNS_MAX, separator: str = ","
) -> Columns:
    """Return the column positions of `header` for `fmt`; raise FileError on a bad header."""
    if len(header) > max_columns:
        raise FileError(
            1, "", f"{len(header):,} columns",
            f"the file has {len(header):,} columns; at most {max_columns:,} are allowed",
        )  # fmt: skip
    known = set(fmt.required) | set(fmt.optional)
    positions: dict[str, int] = {}
    attributes: dict[str, int] = {}  # name as written → position (a set keeps this linear)
    wrong: list[RowError] = []  # unknown and missing columns, all reported together
    for index, raw in enumerate(header):
        name = normalise_header(raw)
        if not name:
            raise FileError(1, "", raw, f"column {index + 1} has no name")
        # Known columns match whatever their case; attribute names are kept as written, so
        # "Region" and "region" are two attributes (as the API and exports allow).
        if name in positions or raw.strip() in attributes:
            raise FileError(1, raw.strip(), raw, "this column appears twice")
        if problem := unstorable(raw):
            raise FileError(1, "", raw, f"column {index + 1} {problem}")
        if name in fmt.ignored:
            continue  # computed by Bullseye (the exported lead score): never read back
        if name in known:
            positions[name] = index
        elif fmt.attributes and len(raw.strip()) <= ATTRIBUTE_MAX:
            attributes[raw.strip()] = index
        else:
            expected = ", ".join(fmt.required + fmt.optional)
            wrong.append(RowError(1, raw.strip(), raw, f"unknown column; expected {expected}"))
    wrong += [RowError(1, name, "", f"required column {name!r} is missing")
              for name in fmt.required if name not in positions]
    if wrong:
        first = wrong[0]
        raise FileError(first.row, first.column, first.value, first.message, also=tuple(wrong[1:]))
    if len(attributes) > ATTRIBUTES_MAX:
        raise FileError(
            1, "", f"{len(attributes)} attribute columns",
            f"the file has {len(attributes)} attribute columns; a lead has at most "
            f"{ATTRIBUTES_MAX} attributes",
        )  # fmt: skip
    return Columns(positions, tuple(attributes.items()), len(header), separator)


def is_blank(cells: list[str]) -> bool:
    """Return whether a row has no text at all (spreadsheets export blank rows as ",,,")."""
    return not "".join(cells).strip()


def template(kind: str, separator: str = ",") -> str:
    """Return a CSV template for `kind`: its header and the example rows."""
    fmt = FORMATS[kind]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\n")
    header = list(fmt.required + fmt.optional)
    if fmt.attributes:
        header.append("industry")
    writer.writerow(header)
    for row in fmt.example:
        writer.writerow([*row, "software"] if fmt.attributes else row)
    return out.getvalue()


# CSV formula injection (OWASP): a cell starting with one of these is run as a formula by
# spreadsheet programs. Exports prefix such cells with an apostrophe, which spreadsheets
# show as text, unless the cell is a plain number (a negative amount stays a number);
# imports take the apostrophe off again, so an exported file re-imports unchanged.
FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: Any) -> Any:
    """Return `cell` made safe to open in a spreadsheet (non-text cells are left alone)."""
    if (isinstance(cell, str) and cell and cell[0] in FORMULA_STARTS
            and not _PLAIN_NUMBER.fullmatch(cell)):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """Undo `neutralise` on an imported cell."""
    if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS and cell[1:2]:
        return cell[1:]
    return cell


def restore_row(row: list[str]) -> list[str]:
    """Undo `neutralise` on every cell of a row (rows without an apostrophe cost one join)."""
    if "'" not in "".join(row):
        return row
    return [restore(cell) for cell in row]


WRITTEN_MAX = 200  # characters of a whole row shown in a report


def written(cells: list[str], separator: str) -> str:
    """Return a row's cells as a line of the file (quoted where needed), cut at WRITTEN_MAX."""
    out = io.StringIO()
    csv.writer(out, delimiter=separator, lineterminator="").writerow(cells)
    line = out.getvalue()
    return line if len(line) <= WRITTEN_MAX else line[: WRITTEN_MAX - 1] + "…"


REPORT_HEADER = ("row", "column", "value", "message")


def report_csv(report: ErrorReport) -> str:
    """Return the error report as CSV text (row, column, value, message)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_HEADER)
    for error in report.sorted():
        writer.writerow([neutralise(cell) for cell in
                         (error.row, error.column, error.value, error.message)])
    return out.getvalue()


def describe(error: RowError) -> str:
    """Return one problem as a sentence: "row 3, amount '-5': cannot be negative"."""
    where = f"row {error.row}" + (f", {error.column}" if error.column else "")
    shown = f" {error.value!r}" if error.value and error.value not in error.message else ""
    return f"{where}{shown}: {error.message}"
