"""The goal kinds and reading a goal from form or JSON fields (shared by the web and the API)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from kernel.money import MoneyError, parse_money
from kernel.weeks import DateWindow

Direction = Literal["at_least", "at_most"]
Unit = Literal["count", "money", "ratio"]
COUNT_MAX = 1_000_000_000
MONEY_MAX = 10**15  # minor units


@dataclass(frozen=True)
class GoalKind:
    """One kind of monthly target: its stored column, label, direction and unit."""

    key: str
    column: str
    label: str
    direction: Direction
    unit: Unit


GOAL_KINDS: tuple[GoalKind, ...] = (
    GoalKind("inquiries", "inquiries", "Inquiries", "at_least", "count"),
    GoalKind("leads", "leads", "Leads", "at_least", "count"),
    GoalKind("sales_ready_leads", "sales_ready_leads", "Sales-ready leads", "at_least", "count"),
    GoalKind("new_customers", "new_customers", "New customers", "at_least", "count"),
    GoalKind("revenue", "revenue_minor", "Revenue", "at_least", "money"),
    GoalKind("max_cac", "max_cac_minor", "Max CAC", "at_most", "money"),
    GoalKind("max_cpl", "max_cpl_minor", "Max cost per lead", "at_most", "money"),
    GoalKind("min_conversion", "min_conversion_bp", "Min lead-to-customer ratio", "at_least",
             "ratio"),
)
KIND_BY_KEY = {kind.key: kind for kind in GOAL_KINDS}
_MONTH = re.compile(r"^(\d{4})-(\d{2})(-01)?$")
_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,2})?$")


@dataclass(frozen=True)
class GoalInput:
    """A validated goal: month (first day), channel (None: overall) and stored targets.

    `targets` maps each kind's column to its value (counts; money in minor units; the ratio
    in basis points, 1 % = 100); kinds left empty are absent.
    """

    month: date
    channel_id: int | None
    targets: dict[str, int]


def parse_month(text: str, window: DateWindow) -> date:
    """Return the first day of month "YYYY-MM" (or "YYYY-MM-01"); raise ValueError."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"{text!r} is not a month like 2026-03")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month not in window and date(month.year, month.month, 28) not in window:
        raise ValueError(f"{text!r} {window.refusal()}")
    return month


def _target(kind: GoalKind, value: Any) -> int:
    """Return the stored value of one target; raise ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError("must be a number")
    text = str(value).strip()
    if kind.unit == "count":
        if not re.fullmatch(r"\d+", text) or int(text) > COUNT_MAX:
            raise ValueError(f"{text!r} must be a whole number from 0 to {COUNT_MAX:,}")
        return int(text)
    if kind.unit == "money":
        try:
            minor = parse_money(value if isinstance(value, int | float) else text)
        except MoneyError as error:
            raise ValueError(str(error)) from None
        if not 0 <= minor <= MONEY_MAX:
            raise ValueError(f"{text!r} must be an amount from 0 with at most 2 decimals")
        return minor
    text = repr(value) if isinstance(value, float) else text
    if not _PERCENT.match(text) or Decimal(text) > 100:
        raise ValueError(f"{text!r} must be a percentage from 0 to 100 with at most 2 decimals")
    percent = Decimal(text)
    return int(percent * 100)


def parse_goal(
    fields: Mapping[str, Any], window: DateWindow, channel_ids: set[int]
) -> tuple[GoalInput | None, dict[str, str]]:
    """Return the goal in `fields` (kind keys, "month", "channel_id") or the errors by field.

    Empty text or None leaves a kind without a target.
    """
    errors: dict[str, str] = {}
    month = date(1, 1, 1)
    try:
        month = parse_month(str(fields.get("month") or ""), window)
    except ValueError as error:
        errors["month"] = str(error)
    channel = fields.get("channel_id")
    channel_id = None if channel in (None, "") else channel
    if channel_id is not None:
        if not (isinstance(channel_id, int) and not isinstance(channel_id, bool)
                or isinstance(channel_id, str) and channel_id.isdigit()) \
                or int(channel_id) not in channel_ids:  # fmt: skip
            errors["channel_id"] = f"{channel_id!r} is not a channel"
        else:
            channel_id = int(channel_id)
    targets: dict[str, int] = {}
    for key, value in fields.items():
        if key in ("month", "channel_id"):
            continue
        kind = KIND_BY_KEY.get(key)
        if kind is None:
            errors[key] = f"is not a goal field; use {', '.join(KIND_BY_KEY)}"
        elif value is not None and str(value).strip() != "":
            try:
                targets[kind.column] = _target(kind, value)
            except ValueError as error:
                errors[key] = str(error)
    if errors:
        return None, errors
    return GoalInput(month, channel_id, targets), {}
