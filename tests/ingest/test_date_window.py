"""CSV imports refuse dates outside the window, naming the row and column; nothing is stored."""

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlmodel import Session

from app.models import Channel
from ingest.values import CellError, OutOfRange, parse_moment
from kernel.weeks import date_window
from tests import factories
from tests.ingest.test_importer import counts, problems, run

TODAY = date.today()
LATEST = date_window(TODAY).latest
REFUSAL = f"is outside the dates Bullseye accepts (2000-01-01 to {LATEST})"


@pytest.fixture
def ads(db: Session) -> Channel:
    return factories.channel(db, name="Google Ads")


def test_a_spend_week_in_year_1_is_refused(app: Flask, db: Session, ads: Channel) -> None:
    text = "channel,week,amount\nGoogle Ads,2024-03-04,5\nGoogle Ads,0001-01-01,5\n"
    result = run(app, "spend", text)
    assert problems(result) == [(3, "week", "0001-01-01", f"'0001-01-01' {REFUSAL}")]
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "created",
    ["0202-11-02", "1900-01-01T10:00:00Z", "1999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00",
     "0001-01-01T00:00:00+14:00", (LATEST + timedelta(days=1)).isoformat()],
)
def test_a_lead_outside_the_window_is_refused(
    app: Flask, db: Session, ads: Channel, created: str
) -> None:
    result = run(app, "leads", f"external_id,channel,created_at\nl-1,Google Ads,{created}\n")
    assert problems(result) == [(2, "created_at", created, f"'{created}' {REFUSAL}")]
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize("created", ["2000-01-01", "2000-01-01T00:00:00+00:00", LATEST.isoformat()])
def test_the_window_edges_are_accepted(app: Flask, db: Session, ads: Channel, created: str) -> None:
    result = run(app, "leads", f"external_id,channel,created_at\nl-1,Google Ads,{created}\n")
    assert result.ok, problems(result)
    assert counts(db) == (0, 1, 0)


def test_a_purchase_outside_the_window_is_refused(app: Flask, db: Session, ads: Channel) -> None:
    factories.lead(db, ads, date(2024, 3, 4), external_id="l-1")
    text = ("external_id,lead_external_id,purchased_at,amount\n"
            "p-1,l-1,2024-03-05,10\np-2,l-1,9999-12-31T23:59:59-14:00,10\n")  # fmt: skip
    result = run(app, "purchases", text)
    assert problems(result) == [
        (3, "purchased_at", "9999-12-31T23:59:59-14:00", f"'9999-12-31T23:59:59-14:00' {REFUSAL}")
    ]
    assert counts(db) == (0, 1, 0)


def test_a_chunk_of_valid_leads_with_one_bad_date_takes_no_row(
    app: Flask, db: Session, ads: Channel
) -> None:
    """The column-wise fast path (uniform exported times) sends the bad row to the validator."""
    rows = [f"l-{i},Google Ads,2024-03-0{1 + i % 7}T08:00:00.000000+00:00" for i in range(50)]
    rows[17] = "l-17,Google Ads,0001-01-01T08:00:00.000000+00:00"
    result = run(app, "leads", "external_id,channel,created_at\n" + "\n".join(rows) + "\n")
    assert [(row, column) for row, column, _v, _m in problems(result)] == [(19, "created_at")]
    assert counts(db) == (0, 0, 0)


def test_a_time_that_overflows_in_utc_is_out_of_range() -> None:
    with pytest.raises(OutOfRange):
        parse_moment("9999-12-31T23:59:59-14:00", "UTC")
    with pytest.raises(OutOfRange):
        parse_moment("0001-01-01T00:00:00+14:00", "UTC")
    assert issubclass(OutOfRange, CellError)
