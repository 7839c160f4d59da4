"""Reading CSV cells: numbers with either decimal mark, counts, dates and time zones."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cohorts import models
from ingest.values import (
    CellError,
    parse_amount,
    parse_count,
    parse_day,
    parse_decimal,
    parse_moment,
)
from kernel.vocabulary import GRADES, STAGES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.5", Decimal("1234.5")),
        ("1234,5", Decimal("1234.5")),
        ("12,50", Decimal("12.50")),
        ("1,234.56", Decimal("1234.56")),
        ("1.234,56", Decimal("1234.56")),
        ("1 234,56", Decimal("1234.56")),
        ("1\u00a0234.56", Decimal("1234.56")),
        ("1'234.5", Decimal("1234.5")),
        ("1,234,567", Decimal("1234567")),
        ("1.234.567", Decimal("1234567")),
        ("-1.234,5", Decimal("-1234.5")),
        ("+7", Decimal("7")),
        ("0,123", Decimal("0.123")),
        ("1234,567", Decimal("1234.567")),
    ],
)
def test_parse_decimal_reads_both_marks(text: str, expected: Decimal) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,234", "ambiguous"),
        ("1.234", "ambiguous"),
        ("12.345", "ambiguous"),
        ("1,23,456", "misplaced thousands"),
        ("1.234.5", "misplaced thousands"),
        ("1,234,56.7", "misplaced thousands"),
        ("1.2,3.4", "mixes decimal marks"),
        ("abc", "not a number"),
        ("5,", "not a number"),
        ("", "not a number"),
        ("1e5", "not a number"),
    ],
)
def test_parse_decimal_refuses_what_it_would_have_to_guess(text: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_decimal(text)


def test_parse_amount_gives_minor_units_and_checks_sign_and_decimals() -> None:
    assert parse_amount("1.234,50") == 123450
    assert parse_amount("0") == 0
    assert parse_amount("-99,5", allow_negative=True) == -9950
    with pytest.raises(CellError, match="negative"):
        parse_amount("-1")
    with pytest.raises(CellError, match="more than 2 decimals"):
        parse_amount("1.0055")
    with pytest.raises(CellError, match="too large"):
        parse_amount("10000000000000")


def test_parse_count_takes_any_separator_as_thousands() -> None:
    assert parse_count("1,234") == 1234
    assert parse_count("1.234") == 1234
    assert parse_count("48 000") == 48000
    for bad, message in [("1,5", "whole number"), ("2.5", "whole number"), ("-3", "negative")]:
        with pytest.raises(CellError, match=message):
            parse_count(bad)


def test_parse_day_accepts_only_iso_dates() -> None:
    assert parse_day("2024-03-04") == date(2024, 3, 4)
    for bad in ("04/03/2024", "2024-3-4", "2024-02-30"):
        with pytest.raises(CellError):
            parse_day(bad)


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        ("2024-03-04", "UTC", datetime(2024, 3, 4, tzinfo=UTC)),
        ("2024-03-04", "Europe/Berlin", datetime(2024, 3, 3, 23, tzinfo=UTC)),
        ("2024-03-04T10:30", "Europe/Berlin", datetime(2024, 3, 4, 9, 30, tzinfo=UTC)),
        ("2024-03-04 10:30:15", "UTC", datetime(2024, 3, 4, 10, 30, 15, tzinfo=UTC)),
        ("2024-03-04T10:30:00Z", "Europe/Berlin", datetime(2024, 3, 4, 10, 30, tzinfo=UTC)),
        ("2024-03-04T10:30:00+02:00", "UTC", datetime(2024, 3, 4, 8, 30, tzinfo=UTC)),
        ("2024-03-04T10:30:00.250-0500", "UTC", datetime(2024, 3, 4, 15, 30, 0, 250000, UTC)),
        ("2024-07-01T10:00", "America/New_York", datetime(2024, 7, 1, 14, tzinfo=UTC)),
    ],
)
def test_parse_moment_converts_to_utc(text: str, timezone: str, expected: datetime) -> None:
    assert parse_moment(text, timezone) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024-10-27T02:30", "daylight-saving"),  # happens twice in Berlin
        ("2024-03-31T02:30", "daylight-saving"),  # never happens in Berlin
        ("04.03.2024 10:00", "ISO date"),
        ("2024-03-04T25:00", "not a valid ISO"),
    ],
)
def test_parse_moment_refuses_unclear_times(text: str, message: str) -> None:
    with pytest.raises(CellError, match=message):
        parse_moment(text, "Europe/Berlin")


def test_choices_match_the_models() -> None:
    assert (STAGES, GRADES) == (models.STAGES, models.GRADES)
