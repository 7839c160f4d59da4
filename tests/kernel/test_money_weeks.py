"""Exact money parsing and the calendar rules of SPEC §3."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.money import MoneyError, format_money, parse_money, split_evenly, to_decimal
from kernel.weeks import age_in_weeks, last_complete_week, local_date, to_utc, week_of


@pytest.mark.parametrize(
    ("text", "minor"),
    [("0", 0), ("12", 1200), ("12.5", 1250), ("12.05", 1205), (" 7.10 ", 710), ("-3.2", -320),
     (0.1, 10), (19.99, 1999), (5, 500)],
)
def test_parse_money_is_exact(text: str | float, minor: int) -> None:
    assert parse_money(text) == minor


@pytest.mark.parametrize("text", ["", "abc", "1.234", "1e5", "1,5", "--1", "nan", "inf", True])
def test_parse_money_rejects_garbage(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(text)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_money_round_trips_through_text(minor: int) -> None:
    assert parse_money(str(to_decimal(minor))) == minor


def test_format_money() -> None:
    assert format_money(123456789, "EUR") == "1,234,567.89 EUR"
    assert format_money(-5, "USD") == "-0.05 USD"
    assert format_money(None) == "—"


@pytest.mark.parametrize(
    ("day", "start", "week"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),  # a Monday names its own week
        (date(2026, 11, 29), 0, date(2026, 11, 23)),  # Sunday belongs to the Monday before
        (date(2026, 11, 29), 6, date(2026, 11, 29)),  # with Sunday weeks it starts one
        (date(2026, 11, 28), 6, date(2026, 11, 22)),
        (date(2027, 1, 1), 0, date(2026, 12, 28)),  # weeks cross the year
    ],
)
def test_week_of(day: date, start: int, week: date) -> None:
    assert week_of(day, start) == week


def test_local_date_uses_the_install_time_zone() -> None:
    late_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Sunday night in UTC
    assert local_date(late_utc, "UTC") == date(2026, 11, 22)
    assert local_date(late_utc, "Europe/Berlin") == date(2026, 11, 23)  # already Monday


def test_to_utc_reads_naive_times_as_local() -> None:
    assert to_utc(datetime(2026, 7, 1, 12, 0), "Europe/Berlin") == datetime(
        2026, 7, 1, 10, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("event", "age"),
    [(date(2026, 11, 23), 0), (date(2026, 11, 29), 0), (date(2026, 11, 30), 1),
     (date(2027, 1, 4), 6), (date(2026, 11, 22), -1)],
)
def test_age_in_weeks(event: date, age: int) -> None:
    assert age_in_weeks(event, date(2026, 11, 23)) == age


@pytest.mark.parametrize(
    ("total", "parts", "shares"),
    [(60000, 2, [30000, 30000]), (100, 3, [34, 33, 33]), (5, 7, [1, 1, 1, 1, 1, 0, 0]),
     (-100, 3, [-34, -33, -33]), (0, 2, [0, 0]), (100, 0, [])],
)
def test_split_evenly_puts_the_remainder_on_the_first_shares(
    total: int, parts: int, shares: list[int]
) -> None:
    assert split_evenly(total, parts) == shares


@given(st.integers(-10**14, 10**14), st.integers(1, 500))
def test_split_evenly_is_exact(total: int, parts: int) -> None:
    shares = split_evenly(total, parts)
    assert sum(shares) == total and max(shares) - min(shares) <= 1


def test_last_complete_week_is_the_week_before_todays() -> None:
    assert last_complete_week(date(2026, 3, 11), 0) == date(2026, 3, 2)  # a Wednesday
    assert last_complete_week(date(2026, 3, 9), 0) == date(2026, 3, 2)  # a Monday
    assert last_complete_week(date(2026, 3, 11), 6) == date(2026, 3, 1)  # weeks start on Sunday
