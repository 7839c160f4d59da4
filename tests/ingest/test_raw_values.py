"""Every problem of an import report shows the offending cell as it was written in the file.

The whole-file checks run in SQL on converted values (dates, UTC times); their report rows
must still show the file's own text, not the stored form, so the user can find the cell.
"""

import io
from datetime import UTC, date, datetime
from typing import BinaryIO

import pytest
from flask import Flask
from sqlmodel import Session, select

from app.db import get_engine
from app.models import Channel, Purchase
from ingest.importer import ImportResult, import_file
from ingest.reading import rows_numbered
from tests import factories
from tests.ingest.test_importer import counts, problems, run


@pytest.fixture
def ads(db: Session) -> Channel:
    return factories.channel(db, name="Google Ads")


def test_a_repeated_spend_week_shows_the_date_as_written(
    app: Flask, db: Session, ads: Channel
) -> None:
    text = "channel;week;amount\nGoogle Ads;2024-03-05;1\nGoogle Ads; 2024-03-09 ;2\n"
    assert problems(run(app, "spend", text)) == [
        (3, "week", "2024-03-09", "this channel and week already appears in row 2")
    ]  # the stored week would read 2024-03-04
    assert counts(db) == (0, 0, 0)


def test_lead_checks_show_the_created_at_cell_not_the_id(
    app: Flask, db: Session, ads: Channel
) -> None:
    bought = factories.lead(db, ads, datetime(2024, 3, 4, 9, tzinfo=UTC), external_id="L1")
    factories.purchase(db, bought, datetime(2024, 3, 5, 12, tzinfo=UTC), 100)
    factories.lead(db, ads, date(2024, 3, 11), external_id="log:1:2024-03-11:0")
    text = (
        "external_id,channel,created_at\n"
        "L1,Google Ads,2024-03-06T10:00:00+01:00\n"  # after its stored purchase
        "L2,Google Ads,2024-03-12 08:30\n"  # in a quick-logged week
        "L3,Google Ads,2024-03-07\n"
        "L3,Google Ads,2024-03-08\n"
    )
    assert problems(run(app, "leads", text)) == [
        (2, "created_at", "2024-03-06T10:00:00+01:00",
         "the lead would be created after its purchase purchase-" + purchase_number(db)),
        (3, "created_at", "2024-03-12 08:30",
         "falls in a week whose leads on this channel were entered in the quick log; set that "
         "week's leads to 0 there before importing leads into it"),
        (5, "external_id", "L3", "this external id already appears in row 4"),
    ]  # fmt: skip
    assert counts(db) == (0, 2, 1)


def purchase_number(db: Session) -> str:
    """Return the number in the external id the factory gave the one stored purchase."""
    return db.exec(select(Purchase)).one().external_id.removeprefix("purchase-")


def test_purchase_checks_show_the_cells_as_written(app: Flask, db: Session, ads: Channel) -> None:
    factories.lead(db, ads, datetime(2024, 3, 4, 12, tzinfo=UTC), external_id="L1")
    text = (
        "external_id,lead_external_id,purchased_at,amount\n"
        "P1,L1,2024-03-04 13:00+03:00,10\n"  # 10:00 UTC, before the lead
        "P2,L9,2024-03-05,10\n"
        "P3,L1,2024-03-06,10\n"
        "P3,L1,2024-03-07,10\n"
    )
    assert problems(run(app, "purchases", text)) == [
        (2, "purchased_at", "2024-03-04 13:00+03:00", "is before its lead was created"),
        (3, "lead_external_id", "L9", "no lead has this external id; import the leads first"),
        (5, "external_id", "P3", "this external id already appears in row 4"),
    ]
    assert counts(db) == (0, 1, 0)


def test_raw_cells_follow_rows_across_chunks_and_quoted_line_breaks(
    app: Flask, db: Session, ads: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ingest.importer.CHUNK_ROWS", 2)
    text = (
        "external_id,channel,created_at,note\n"  # line 1
        'L1,Google Ads,2024-03-04T08:00Z,"two\nlines"\n'  # lines 2-3
        "L2,Google Ads,2024-03-04T08:00Z,x\n"  # line 4
        "L1,Google Ads,2024-03-05,x\n"  # line 5
        "L2,Google Ads,2024-03-05,x\n"  # line 6
    )
    assert problems(run(app, "leads", text)) == [
        (5, "external_id", "L1", "this external id already appears in row 3"),
        (6, "external_id", "L2", "this external id already appears in row 4"),
    ]


class _OneWay(io.RawIOBase):
    """A stream that can be read once and cannot seek (a pipe)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self.data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_stream_that_cannot_seek_reports_the_stored_value(
    app: Flask, db: Session, ads: Channel
) -> None:
    text = b"channel,week,amount\nGoogle Ads,2024-03-05,1\nGoogle Ads,2024-03-09,2\n"
    stream: BinaryIO = io.BufferedReader(_OneWay(text))
    with app.app_context():
        result: ImportResult = import_file(get_engine(), "spend", stream)
    assert problems(result) == [
        (3, "week", "2024-03-04", "this channel and week already appears in row 2")
    ]


def test_rows_numbered_reads_from_where_the_file_starts() -> None:
    text = b"junk before the file\nweek,amount\n2024-03-04,1\n\n2024-03-11,2\n2024-03-18,3\n"
    start = text.index(b"week")
    stream = io.BytesIO(text)
    assert rows_numbered(stream, start, {3, 4}) == {3: [], 4: ["2024-03-11", "2"]}
    assert rows_numbered(stream, start, set()) == {}
    assert not stream.closed  # the text layer read over it leaves the caller's stream open


def test_a_row_with_the_wrong_number_of_cells_shows_the_row_as_written(
    app: Flask, db: Session, ads: Channel
) -> None:
    long_note = "x" * 300
    text = ("channel;week;amount\nGoogle Ads;2024-03-04;1;2\n"
            f'"Google; Ads";2024-03-11\nGoogle Ads;2024-03-18;1;{long_note}\n')
    assert problems(run(app, "spend", text)) == [
        (2, "", "Google Ads;2024-03-04;1;2", "has 4 cells; the header has 3"),
        (3, "", '"Google; Ads";2024-03-11', "has 2 cells; the header has 3"),
        (4, "", "Google Ads;2024-03-18;1;" + "x" * 175 + "…", "has 4 cells; the header has 3"),
    ]  # quoted as in the file; a long row is cut at 200 characters
