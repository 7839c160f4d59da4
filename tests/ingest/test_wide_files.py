"""Wide and line-less CSV files are refused at once with a clear message (issue 12)."""

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Channel, Lead
from ingest.formats import COLUMNS_MAX, FORMATS, FileError, map_header
from ingest.importer import import_file
from ingest.reading import HEADER_MAX_CHARS, LINE_MAX_BYTES, read_chunks
from tests import factories

LEADS_HEADER = ["external_id", "channel", "created_at"]


@pytest.fixture
def ads(db: Session) -> Channel:
    return factories.channel(db, name="Google Ads")


def _leads_file(attribute_columns: int) -> bytes:
    names = [f"a{i}" for i in range(attribute_columns)]
    header = ",".join(LEADS_HEADER + names)
    row = ",".join(["crm-1", "Google Ads", "2024-03-05"] + ["x"] * attribute_columns)
    return f"{header}\n{row}\n".encode()


def test_a_file_with_more_columns_than_allowed_is_refused_before_any_row(
    app: Flask, db: Session, ads: Channel
) -> None:
    with app.app_context():
        result = import_file(get_engine(), "leads", io.BytesIO(_leads_file(COLUMNS_MAX)))
    assert not result.ok and result.rows == 0
    [error] = result.report.errors
    assert error.row == 1
    assert error.message == f"the file has {COLUMNS_MAX + 3:,} columns; at most 200 are allowed"
    assert db.exec(select(Lead)).all() == []


def test_the_column_limit_is_the_callers(app: Flask, db: Session, ads: Channel) -> None:
    with app.app_context():
        wide = import_file(get_engine(), "leads", io.BytesIO(_leads_file(7)), max_columns=9)
        fits = import_file(get_engine(), "leads", io.BytesIO(_leads_file(6)), max_columns=9)
    assert wide.report.errors[0].message == "the file has 10 columns; at most 9 are allowed"
    assert fits.ok and fits.created == 1


def test_repeated_attribute_columns_are_still_found_in_a_wide_header() -> None:
    header = LEADS_HEADER + [f"a{i}" for i in range(150)] + ["a17"]
    with pytest.raises(FileError) as raised:
        map_header(header, FORMATS["leads"])
    assert (raised.value.error.column, raised.value.error.message) == (
        "a17",
        "this column appears twice",
    )
    columns = map_header(header[:43], FORMATS["leads"])
    assert columns.attributes[17] == ("a17", 20) and len(columns.attributes) == 40
    with pytest.raises(FileError) as raised:
        map_header(header[:-1], FORMATS["leads"])
    assert raised.value.error.message == (
        "the file has 150 attribute columns; a lead has at most 50 attributes"
    )


def test_a_file_without_line_breaks_is_refused_with_a_message(
    app: Flask, db: Session, ads: Channel
) -> None:
    text = "external_id,channel,created_at," + "x" * (HEADER_MAX_CHARS + 10)
    with app.app_context():
        result = import_file(get_engine(), "leads", io.BytesIO(text.encode()))
    [error] = result.report.errors
    assert error.row == 1
    assert error.message.startswith(f"the first row is longer than {HEADER_MAX_CHARS:,} char")


def test_the_cli_explains_a_file_without_line_breaks(
    app: Flask, db: Session, ads: Channel, tmp_path: Path
) -> None:
    path = tmp_path / "one-line.csv"
    path.write_text("a," + "x" * (3 * HEADER_MAX_CHARS))
    result = app.test_cli_runner().invoke(args=["import", "leads", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"the first row is longer than {HEADER_MAX_CHARS:,} characters" in result.output


def test_the_cli_reads_the_column_limit_from_the_config(
    app: Flask, db: Session, ads: Channel, tmp_path: Path
) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(_leads_file(3))
    app.config["CSV_MAX_COLUMNS"] = 5
    result = app.test_cli_runner().invoke(args=["import", "leads", str(path)])
    assert result.exit_code == 1
    assert "the file has 6 columns; at most 5 are allowed" in result.output


def test_a_header_cell_beyond_the_csv_limit_is_explained() -> None:
    quoted = 'external_id,"' + "x" * 1000
    stream = io.BytesIO(quoted.encode())

    with pytest.raises(FileError) as raised:
        read_chunks(stream, 10)
    assert "quoted cell is never closed" in raised.value.error.message


@pytest.mark.parametrize(
    ("line", "row"),
    [
        ("," * (3 << 20), 2),  # millions of cells on one line
        ("x," * (LINE_MAX_BYTES // 2 + 1), 2),  # just over: 1 MB + 2 bytes
        ("ok,Google Ads,2024-03-05\r" + "," * (2 << 20), 3),  # lines ended by CR alone
    ],
)
def test_a_line_longer_than_a_megabyte_is_refused_before_parsing(
    app: Flask, db: Session, ads: Channel, line: str, row: int
) -> None:
    text = "external_id,channel,created_at\n" + line + "\ncrm-1,Google Ads,2024-03-05\n"
    stream = io.BytesIO(("\ufeff" + text).encode())
    with app.app_context():
        result = import_file(get_engine(), "leads", stream)
    message = "the line is longer than 1 MB, far longer than any valid row; is it a CSV file?"
    assert [(e.row, e.message) for e in result.report.errors] == [(row, message)]


def test_lines_up_to_a_megabyte_are_read_as_rows(app: Flask, db: Session, ads: Channel) -> None:
    # Each block of the scan ends mid-line: the run across blocks is what counts.
    filler = "y" * 120_000
    rows = "".join(f"crm-{i},Google Ads,2024-03-05,{filler}\n" for i in range(20))
    with app.app_context():
        data = ("external_id,channel,created_at,note\n" + rows).encode()
        result = import_file(get_engine(), "leads", io.BytesIO(data))
    assert {e.message for e in result.report.errors} == {"is longer than 1,000 characters"}
    assert result.rows == 20


def test_a_header_over_a_megabyte_is_explained_as_a_header(app: Flask, ads: Channel) -> None:
    header = ",".join(["external_id", "channel", "created_at"] + [f"c{i}" for i in range(200_000)])
    assert len(header) > LINE_MAX_BYTES
    with app.app_context():
        result = import_file(get_engine(), "leads", io.BytesIO(header.encode() + b"\n"))
    assert [(e.row, e.message) for e in result.report.errors] == [
        (1, "the first row is longer than 1 MB, so it cannot be the header naming the columns: "
            "far too many columns, or not a CSV file with one row per line"),
    ]  # fmt: skip
