"""Exact money: amounts are integers of minor units (cents); never binary floats."""

import re
from decimal import Decimal, InvalidOperation

MINOR_PER_UNIT = 100
_PLAIN = re.compile(r"^[+-]?\d+(\.\d{1,2})?$")


class MoneyError(ValueError):
    """An amount that cannot be read exactly."""


def parse_money(text: str | int | float | Decimal) -> int:
    """Return minor units for an amount like "1234.5" (at most 2 decimals); raise MoneyError."""
    if isinstance(text, bool):
        raise MoneyError("not an amount")
    if isinstance(text, int):
        return text * MINOR_PER_UNIT
    if isinstance(text, float):
        text = repr(text)
    raw = str(text).strip().replace(" ", "")
    if not _PLAIN.match(raw):
        raise MoneyError(f"{str(text)!r} is not an amount with at most 2 decimals")
    try:
        value = Decimal(raw) * MINOR_PER_UNIT
    except InvalidOperation as exc:  # pragma: no cover - regex already guards
        raise MoneyError(f"{text!r} is not an amount") from exc
    return int(value)


def to_decimal(minor: int | None) -> Decimal | None:
    """Return the amount of `minor` units as a Decimal of units, or None."""
    if minor is None:
        return None
    return Decimal(minor) / MINOR_PER_UNIT


def format_money(minor: int | None, currency: str = "USD") -> str:
    """Return "1,234.50 USD" style text; None gives the undefined mark "—"."""
    if minor is None:
        return "—"
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), MINOR_PER_UNIT)
    return f"{sign}{units:,}.{cents:02d} {currency}"


def split_evenly(total_minor: int, parts: int) -> list[int]:
    """Return `total_minor` split into `parts` shares that differ by at most one minor unit.

    The remainder goes one unit each to the first shares, so the shares always add up to the
    total exactly (a negative total is split the same way with every share ≤ 0). No parts: [].
    """
    if parts <= 0:
        return []
    sign = -1 if total_minor < 0 else 1
    base, remainder = divmod(abs(total_minor), parts)
    return [sign * (base + (1 if i < remainder else 0)) for i in range(parts)]
