"""Read one CSV cell as money, a count, a day or a moment; anything ambiguous is an error (pure).

Numbers accept a decimal point or comma and thousands separators (",", ".", spaces, "'").
A value with both "," and "." is unambiguous (the last one is the decimal mark). A value
with one separator followed by exactly three digits ("1,234", "1.234") could be either a
thousands separator or a decimal mark, so money refuses it; counts have no decimals, so
for them the separator is always a thousands separator.
"""

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

AMOUNT_MAX_MINOR = 10**14
COUNT_MAX = 10**15
_SPACES = str.maketrans("", "", " \u00a0\u202f'")
_DIGITS_AND_MARKS = re.compile(r"^\d[\d.,]*$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class CellError(ValueError):
    """A cell that cannot be read; the message completes "…: <message>"."""


class OutOfRange(CellError):
    """A time too far in the past or future for any calendar (the date window refuses it)."""


def _grouped(integer: str, mark: str) -> str:
    """Return `integer` without thousands marks; raise CellError if the groups are not of 3."""
    groups = integer.split(mark)
    head, tail = groups[0], groups[1:]
    if not 1 <= len(head) <= 3 or any(len(group) != 3 for group in tail):
        raise CellError("has misplaced thousands separators")
    return "".join(groups)


def _split_sign(text: str) -> tuple[str, str]:
    raw = text.translate(_SPACES)
    sign = ""
    if raw[:1] in ("+", "-"):
        sign, raw = raw[0].replace("+", ""), raw[1:]
    if not _DIGITS_AND_MARKS.match(raw):
        raise CellError("is not a number")
    return sign, raw


def parse_decimal(text: str, *, whole: bool = False) -> Decimal:
    """Return the number written in `text` with either decimal mark; raise CellError.

    With `whole`, the value must be a whole number and every mark is a thousands separator.
    """
    sign, raw = _split_sign(text)
    commas, dots = raw.count(","), raw.count(".")
    if commas and dots:
        decimal_mark = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        integer, _, fraction = raw.rpartition(decimal_mark)
        if thousands in fraction or decimal_mark in integer:
            raise CellError("mixes decimal marks")
        integer = _grouped(integer, thousands)
    elif commas + dots == 0:
        integer, fraction = raw, ""
    else:
        mark = "," if commas else "."
        integer, _, fraction = raw.rpartition(mark)
        if whole and commas + dots == 1 and len(fraction) != 3:
            raise CellError("must be a whole number")
        if commas + dots > 1 or whole:
            integer, fraction = _grouped(raw, mark), ""
        elif len(fraction) == 3 and 1 <= len(integer) <= 3 and integer != "0":
            raise CellError(
                f"is ambiguous: {mark!r} may be a thousands separator or a decimal mark; "
                "write 1234 or 1234.00"
            )
    if not integer or (fraction == "" and raw[-1] in ",."):
        raise CellError("is not a number")
    if whole and fraction:
        raise CellError("must be a whole number")
    return Decimal(f"{sign}{integer}.{fraction or '0'}")


def parse_amount(text: str, *, allow_negative: bool = False) -> int:
    """Return minor units (cents) for an amount with at most 2 decimals; raise CellError."""
    value = parse_decimal(text)
    if value < 0 and not allow_negative:
        raise CellError("cannot be negative")
    minor = value * 100
    if minor != minor.to_integral_value():
        raise CellError("has more than 2 decimals")
    if abs(minor) > AMOUNT_MAX_MINOR:
        raise CellError("is too large")
    return int(minor)


def parse_count(text: str) -> int:
    """Return a whole number ≥ 0 (thousands separators allowed); raise CellError."""
    value = parse_decimal(text, whole=True)
    if value < 0:
        raise CellError("cannot be negative")
    if value > COUNT_MAX:
        raise CellError("is too large")
    return int(value)


def parse_day(text: str) -> date:
    """Return the date of an ISO "YYYY-MM-DD" cell; raise CellError."""
    if not _ISO_DAY.match(text):
        raise CellError("must be a date like 2024-03-31 (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CellError("is not a real date") from None


@lru_cache(maxsize=16)
def zone(name: str) -> tzinfo:
    """Return the time zone called `name` (cached)."""
    return UTC if name == "UTC" else ZoneInfo(name)


def _localise(moment: datetime, timezone: str) -> datetime:
    """Attach the install's zone to a naive local time; refuse times a DST change makes unclear."""
    local = zone(timezone)
    first, second = moment.replace(tzinfo=local), moment.replace(tzinfo=local, fold=1)
    if local is not UTC and first.utcoffset() != second.utcoffset():
        raise CellError(
            f"is ambiguous or does not exist in {timezone} (daylight-saving change); "
            "add a UTC offset like +01:00"
        )
    return first


def parse_moment(text: str, timezone: str) -> datetime:
    """Return an aware UTC time from an ISO date or date-time; naive means local in `timezone`."""
    if len(text) > 16 and text[10] in "T ":  # the common case, checked in one step
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CellError("is not a valid ISO date-time") from None
    elif _ISO_DAY.match(text):
        moment = datetime.combine(parse_day(text), time())
    elif _ISO_MOMENT.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CellError("is not a valid ISO date-time") from None
    else:
        raise CellError("must be an ISO date or date-time like 2024-03-31T14:05:00+02:00")
    if moment.tzinfo is None:
        moment = _localise(moment, timezone)
    elif moment.tzinfo is UTC:
        return moment
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-14:00 is in the year 10000 in UTC
        raise OutOfRange("lies outside the years 1 to 9999 in UTC") from None
