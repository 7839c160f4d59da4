"""Read a CSV file in chunks of rows, refusing what cannot be read (pure).

Before parsing, a file is checked for lines far longer than any row (the csv module makes all
the cells of a line at once); the header is read with a length limit, its separator detected
(`ingest.formats`), and the rows follow in chunks, numbered like a spreadsheet (header = 1).
Unreadable text (not UTF-8, broken quoting, a cell over the csv module's limit) is a
FileError explained for someone fixing the file.
"""

import csv
import io
import re
from collections.abc import Generator, Sequence
from itertools import islice
from typing import Any, BinaryIO

from ingest.formats import FileError, detect_separator, restore_row

HEADER_MAX_CHARS = 131_072  # the csv module's cell limit: a longer header is no header
LINE_MAX_BYTES = 1 << 20  # far above any valid row (see kernel.text), far below memory trouble

Chunk = tuple[Sequence[int], list[list[str]]]


def check_line_lengths(stream: BinaryIO, limit: int = LINE_MAX_BYTES) -> None:
    """Raise FileError for the first line of `stream` longer than `limit` bytes, then rewind.

    The csv module turns a line into all its cells at once, so one line of 100 MB of
    separators would take gigabytes; no valid row comes near `limit`. The stream is read in
    blocks of `limit` bytes (so a line inside one block is never too long: only the first
    and last line break of a block matter) and left where it started; a stream that cannot
    seek is not checked.
    """
    try:
        start = stream.tell()
    except (OSError, ValueError):
        return
    line_start = offset = start  # where the current line starts; where the block starts
    try:
        while block := stream.read(limit):
            found = [i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0]
            first = min(found) if found else -1
            last = max(block.rfind(b"\n"), block.rfind(b"\r"))
            if (first < 0 and offset + len(block) - line_start > limit) or (
                first >= 0 and offset + first - line_start > limit
            ):
                stream.seek(start)
                line = _line_number(stream, line_start - start)
                text = _FIRST_LINE_TOO_LONG if line == 1 else _LINE_TOO_LONG
                message = text.format(limit / (1 << 20))
                raise FileError(line, "", "", message)
            if last >= 0:
                line_start = offset + last + 1
            offset += len(block)
    finally:
        stream.seek(start)


_LINE_TOO_LONG = "the line is longer than {:g} MB, far longer than any valid row; is it a CSV file?"
_FIRST_LINE_TOO_LONG = (
    "the first row is longer than {:g} MB, so it cannot be the header naming the columns: "
    "far too many columns, or not a CSV file with one row per line"
)


def _line_number(stream: BinaryIO, size: int) -> int:
    """Return the number of the line that starts `size` bytes into `stream`."""
    breaks = 0
    while size > 0 and (block := stream.read(min(size, LINE_MAX_BYTES))):
        breaks += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
        size -= len(block)
    return breaks + 1


def read_chunks(
    stream: BinaryIO, size: int
) -> tuple[list[str], Generator[Chunk, None, None], str]:
    """Return the header cells, an iterator of chunks of at most `size` rows of a CSV file and
    its separator ("," or ";").

    A chunk is (row numbers, cells of each row). A row's number is the file line it ends on
    (the header is row 1), so a quoted cell spanning lines moves the numbers of later rows.
    Blank rows are included; callers skip them (`is_blank`).
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        try:
            header_line = text.readline(HEADER_MAX_CHARS + 1)
        except UnicodeDecodeError:
            raise _not_utf8(stream, 1) from None
        if not header_line.strip():
            raise FileError(1, "", "", "the file is empty; the first row must name the columns")
        if len(header_line) > HEADER_MAX_CHARS:
            raise FileError(1, "", header_line[:40] + "…", _HEADER_TOO_LONG)
        separator = detect_separator(header_line)
        try:
            header = restore_row(next(csv.reader([header_line], delimiter=separator,
                                                 strict=True)))
        except csv.Error as exc:
            raise FileError(1, "", header_line[:40], _csv_problem(exc)) from None
    except BaseException:
        _release(text)
        raise
    reader = csv.reader(text, delimiter=separator, strict=True)
    return header, _chunks(stream, text, reader, size), separator


_HEADER_TOO_LONG = (
    f"the first row is longer than {HEADER_MAX_CHARS:,} characters, so it cannot be the "
    "header naming the columns: far too many columns, or not a CSV file with one row per line"
)


def _release(text: io.TextIOWrapper) -> None:
    """Detach the text layer so that collecting it does not close the caller's stream."""
    try:
        text.detach()
    except ValueError:  # already detached, or the stream was closed by its owner
        pass


def _chunks(
    stream: BinaryIO, text: io.TextIOWrapper, reader: Any, size: int
) -> Generator[Chunk, None, None]:
    """Yield the chunks of `reader`; raise FileError on broken quoting or a non-UTF-8 line."""
    try:
        while True:
            first_line = reader.line_num + 2  # the header is line 1 and was read apart
            try:
                rows = [restore_row(row) for row in islice(reader, size)]
            except csv.Error as exc:
                raise FileError(reader.line_num + 1, "", "", _csv_problem(exc)) from None
            except UnicodeDecodeError:
                raise _not_utf8(stream, reader.line_num + 2) from None
            if not rows:
                return
            if reader.line_num + 2 - first_line == len(rows):  # every row is one line
                yield range(first_line, first_line + len(rows)), rows
            else:
                yield _line_numbers(first_line, rows), rows
    finally:
        _release(text)


def _line_numbers(first_line: int, rows: list[list[str]]) -> list[int]:
    """Return the line each row ends on, counting the line breaks inside quoted cells."""
    numbers, line = [], first_line - 1
    for cells in rows:
        joined = "".join(cells)
        line += 1 + joined.count("\n") + joined.count("\r") - joined.count("\r\n")
        numbers.append(line)
    return numbers


def _csv_problem(exc: csv.Error) -> str:
    """Return what the csv module's error means for someone fixing the file."""
    text = str(exc)
    limit = re.search(r"field larger than field limit \((\d+)\)", text)
    if limit:
        return (f"a cell is longer than {int(limit[1]):,} characters (often a quote that is "
                "never closed, so the rest of the file reads as one cell)")  # fmt: skip
    if "unexpected end of data" in text:
        return "a quoted cell is never closed: the file ends inside quotes"
    return f"broken CSV: {text}"


def _not_utf8(stream: BinaryIO, near_line: int) -> FileError:
    """Return the error for a file that is not UTF-8, at its first such line when findable."""
    line = near_line
    try:
        stream.seek(0)
        for number, raw in enumerate(stream, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                line = number
                break
    except (OSError, ValueError):
        pass  # not seekable: the line the reader had reached is the best we know
    return FileError(
        line, "", "", "the file is not UTF-8 text; save it as UTF-8 (in Excel: CSV UTF-8)"
    )


def rows_numbered(stream: BinaryIO, start: int, numbers: set[int]) -> dict[int, list[str]]:
    """Read the file again from byte `start` and return the cells of the rows in `numbers`.

    Rows are numbered as `read_chunks` numbers them. The file's checks in SQL see only the
    converted values, so this is how their report shows each cell as it was in the file; it
    runs only for a file with such problems, at no cost to a good one. Reading stops after the
    last wanted row; a stream that cannot seek gives {}.
    """
    found: dict[int, list[str]] = {}
    if not numbers:
        return found
    try:
        stream.seek(start)
        _header, chunks, _separator = read_chunks(stream, 2_000)
    except (OSError, ValueError, FileError):
        return found
    last = max(numbers)
    try:
        for rows_numbers, rows in chunks:
            found.update((n, cells) for n, cells in zip(rows_numbers, rows, strict=True)
                         if n in numbers)  # fmt: skip
            if rows_numbers[-1] >= last:
                break
    except FileError:
        pass  # the file changed since it was read; the rows found so far are still right
    finally:
        chunks.close()
    return found
