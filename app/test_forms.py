"""Read a channel test's form (or API body as text) into a TestInput plus field errors.

Pure, like app.forms: the tests board and the API share it. Dates must lie in the date
window; money has at most 2 decimals; min conversion is a percentage (5 means 5 %).
"""

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.forms import Errors, parse_amount, parse_count
from channels.inputs import NAME_MAX
from experiments.channel_tests.inputs import (
    PAYBACK_WEEKS_MAX,
    RATIO_MAX,
    TEST_NAME_MAX,
    TEST_TEXT_MAX,
    NewChannel,
    TestInput,
)
from kernel.text import unstorable
from kernel.vocabulary import CHANNEL_KINDS, DECISIONS, VARIES
from kernel.weeks import DateWindow

LEAD_LINES_MAX = 1_000  # leads one form adds at a time

TEST_LABELS: dict[str, str] = {
    "name": "Name",
    "channel_id": "Channel",
    "new_channel_name": "New channel name",
    "new_channel_kind": "New channel kind",
    "audience": "Audience",
    "message": "Message",
    "hypothesis": "Hypothesis",
    "varies": "Varies",
    "start_date": "Start date",
    "end_date": "End date",
    "budget_cap": "Budget cap",
    "max_cac": "Max CAC",
    "min_leads": "Min leads",
    "min_customers": "Min customers",
    "min_conversion": "Min conversion",
    "min_ltv_to_cac": "Min LTV:CAC",
    "payback_weeks": "Payback within weeks",
}


class _Reader:
    """Collects field errors while reading one form."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self.form = form
        self.errors: Errors = {}

    def text(self, field: str, limit: int, *, required: bool = False) -> str:
        value = " ".join((self.form.get(field) or "").split()) if field == "name" else (
            self.form.get(field) or "").strip()
        label = TEST_LABELS[field]
        if required and not value:
            self.errors[field] = f"{label} is required."
        elif len(value) > limit:
            self.errors[field] = f"{label} must be at most {limit:,} characters."
        elif problem := unstorable(value):
            self.errors[field] = f"{label} {problem}."
        return value

    def day(self, field: str, window: DateWindow, *, required: bool = False) -> date | None:
        value = (self.form.get(field) or "").strip()
        label = TEST_LABELS[field]
        if not value:
            if required:
                self.errors[field] = f"{label} is required."
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.errors[field] = f"{label} must be a date like 2026-03-02."
            return None
        if day not in window:
            self.errors[field] = f"{label} '{value}' {window.refusal()}."
            return None
        return day

    def money(self, field: str) -> int | None:
        value = (self.form.get(field) or "").strip()
        if not value:
            return None
        try:
            return parse_amount(value)
        except ValueError as exc:
            self.errors[field] = f"{TEST_LABELS[field]} {exc}."
            return None

    def count(self, field: str, *, low: int = 0, high: int = 10**9) -> int | None:
        value = (self.form.get(field) or "").strip()
        if not value:
            return None
        try:
            return parse_count(value, low=low, high=high)
        except ValueError as exc:
            self.errors[field] = f"{TEST_LABELS[field]} {exc}."
            return None

    def number(self, field: str, low: float, high: float) -> float | None:
        value = (self.form.get(field) or "").strip().rstrip("%").strip()
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not low <= number <= high:  # also refuses nan and inf
            self.errors[field] = f"{TEST_LABELS[field]} must be a number from {low:g} to {high:g}."
            return None
        return number


def parse_test(form: Mapping[str, str], window: DateWindow,
               channel_ids: frozenset[int]) -> tuple[TestInput | None, Errors]:
    """Validate a test form: an existing channel id, or a new channel's name and kind."""
    read = _Reader(form)
    name = read.text("name", TEST_NAME_MAX, required=True)
    channel_id, new_channel = _channel(read, channel_ids)
    audience = read.text("audience", TEST_TEXT_MAX)
    message = read.text("message", TEST_TEXT_MAX)
    hypothesis = read.text("hypothesis", TEST_TEXT_MAX)
    varies = (form.get("varies") or "").strip()
    if varies not in VARIES:
        read.errors["varies"] = "Choose what the test varies: audience, message or channel."
    start = read.day("start_date", window, required=True)
    end = read.day("end_date", window)
    if start is not None and end is not None and end < start:
        read.errors["end_date"] = f"End date {end} is before the start date {start}."
    budget_cap, max_cac = read.money("budget_cap"), read.money("max_cac")
    min_leads, min_customers = read.count("min_leads"), read.count("min_customers")
    conversion = read.number("min_conversion", 0.0, 100.0)
    ltv_to_cac = read.number("min_ltv_to_cac", 0.0, RATIO_MAX)
    payback = read.count("payback_weeks", low=1, high=PAYBACK_WEEKS_MAX)
    if read.errors or start is None:
        return None, read.errors
    return TestInput(name, channel_id, new_channel, audience, message, hypothesis, varies,
                     start, end, budget_cap, max_cac, min_leads, min_customers,
                     None if conversion is None else conversion / 100, ltv_to_cac, payback), {}


def _channel(read: _Reader, channel_ids: frozenset[int]) -> tuple[int | None, NewChannel | None]:
    """Return the chosen channel id, or the new channel idea to create with the test."""
    chosen = (read.form.get("channel_id") or "").strip()
    if chosen and chosen != "new":
        if not chosen.isdigit() or int(chosen) not in channel_ids:
            read.errors["channel_id"] = "Choose a channel from the list."
            return None, None
        return int(chosen), None
    name = read.text("new_channel_name", NAME_MAX)
    kind = (read.form.get("new_channel_kind") or "").strip()
    if not name:
        read.errors.setdefault("channel_id", "Choose a channel, or name a new channel idea.")
    if kind not in CHANNEL_KINDS:
        read.errors["new_channel_kind"] = "Choose the new channel's kind from the list."
    return None, NewChannel(name, kind)


def parse_decision(form: Mapping[str, Any]) -> tuple[tuple[str, str], dict[str, str]]:
    """Return (decision, note) and field errors."""
    decision = str(form.get("decision") or "").strip()
    note = str(form.get("note") or "").strip()
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = "Choose scale, iterate or kill."
    if len(note) > TEST_TEXT_MAX:
        errors["note"] = f"Note must be at most {TEST_TEXT_MAX:,} characters."
    elif problem := unstorable(note):
        errors["note"] = f"Note {problem}."
    return (decision, note), errors


def parse_lead_lines(text: str, channel_id: int, test_id: int,
                     limit: int = LEAD_LINES_MAX) -> tuple[list[dict[str, Any]], list[str]]:
    """Return lead items for the batch writer from "external id, date or time" lines.

    Blank lines are skipped; errors name the lead by its place among the others (1-based).
    """
    lines = [line.strip() for line in text.splitlines()]
    items, errors = [], []
    numbered = list(enumerate((line for line in lines if line), 1))
    if not numbered:
        return [], ["Enter one lead per line: external id, date (e.g. lead-17, 2026-03-02)."]
    if len(numbered) > limit:
        return [], [f"Add at most {limit:,} leads at a time ({len(numbered):,} lines)."]
    for n, line in numbered:
        external_id, _, created = (part.strip() for part in line.partition(","))
        if not external_id or not created:
            errors.append(f"Lead {n} ({line[:40]}): write the external id, a comma and the date.")
        items.append({"external_id": external_id, "channel_id": channel_id,
                      "created_at": created, "test_id": test_id})
    return items, errors
