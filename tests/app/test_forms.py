"""Channel and spend form parsing (pure: plain mappings in, values and field errors out)."""

import pytest

from app.forms import (
    parse_amount,
    parse_channel,
    parse_count,
    parse_spend,
)
from channels.inputs import ChannelInput, SpendInput
from tests.number_inputs import AMOUNTS_READ, AMOUNTS_REFUSED

VALID_CHANNEL = {
    "name": "  Google Ads —  long tail ",
    "kind": "sem",
    "ring": "middle",
    "status": "testing",
    "launch_days": "14",
    "ice_impact": "7",
    "ice_confidence": "",
    "ice_ease": "10",
    "notes": " Exact match only. ",
}


@pytest.mark.parametrize(("text", "minor"), AMOUNTS_READ)
def test_spend_form_reads_amounts_as_the_import_does(text: str, minor: int) -> None:
    assert parse_amount(text) == minor
    spend, errors = parse_spend({"amount": text}, row_exists=False)
    assert errors == {} and spend is not None and spend.amount_minor == minor


@pytest.mark.parametrize(("text", "message"), AMOUNTS_REFUSED)
def test_spend_form_refuses_amounts_as_the_import_does(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_amount(text)
    spend, errors = parse_spend({"amount": text}, row_exists=False)
    assert spend is None and message in errors["amount"]


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("17", 17), ("1,200", 1200)])
def test_parse_count_reads_whole_numbers(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize(
    ("text", "low", "high", "message"),
    [
        ("-1", 0, 10**15, "must be 0 or more"),
        ("1.5", 0, 10**15, "must be a whole number"),
        ("x", 0, 10**15, "must be a whole number"),
        ("11", 1, 10, "must be between 1 and 10"),
        ("0", 1, 10, "must be between 1 and 10"),
    ],
)
def test_parse_count_rejects_bad_text(text: str, low: int, high: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_count(text, low=low, high=high)


def test_parse_channel_cleans_valid_input() -> None:
    data, errors = parse_channel(VALID_CHANNEL)
    assert errors == {}
    assert data == ChannelInput(
        name="Google Ads — long tail",
        kind="sem",
        ring="middle",
        status="testing",
        launch_days=14,
        ice_impact=7,
        ice_confidence=None,
        ice_ease=10,
        notes="Exact match only.",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "Name is required."),
        ("name", "x" * 121, "Name must be at most 120 characters."),
        ("kind", "tv", "Choose a kind from the list."),
        ("ring", "bullseye", "Choose a ring from the list."),
        ("status", "", "Choose a status from the list."),
        ("launch_days", "-1", "Launch days must be 0 or more."),
        ("launch_days", "2.5", "Launch days must be a whole number."),
        ("launch_days", "4000", "Launch days must be between 0 and 3,650."),
        ("ice_impact", "0", "Impact must be between 1 and 10."),
        ("ice_confidence", "11", "Confidence must be between 1 and 10."),
        ("ice_ease", "high", "Ease must be a whole number."),
    ],
)
def test_parse_channel_names_the_bad_field(field: str, value: str, message: str) -> None:
    data, errors = parse_channel(VALID_CHANNEL | {field: value})
    assert data is None
    assert errors == {field: message}


def test_parse_channel_reports_every_bad_field_at_once() -> None:
    data, errors = parse_channel({"name": "", "kind": "", "ring": "", "status": ""})
    assert data is None
    assert set(errors) == {"name", "kind", "ring", "status"}


def test_parse_spend_reads_a_full_row() -> None:
    form = {"amount": "1,250.75", "impressions": "10,000", "clicks": "250"}
    assert parse_spend(form, row_exists=False) == (SpendInput(125075, 10000, 250), {})


def test_parse_spend_blank_amount_clears_the_week() -> None:
    form = {"amount": "", "impressions": "100", "clicks": "3"}
    assert parse_spend(form, row_exists=True) == (SpendInput(None, None, None), {})


def test_parse_spend_counts_on_an_empty_week_need_an_amount() -> None:
    data, errors = parse_spend({"amount": "", "impressions": "100"}, row_exists=False)
    assert data is None
    assert errors == {"amount": "Enter the amount first (0 if nothing was spent)."}


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"amount": "-5"}, "amount", "Amount cannot be negative."),
        ({"amount": "abc"}, "amount", "Amount is not a number."),
        ({"amount": "1.234"}, "amount", "Amount is ambiguous: '.' may be a thousands separator"),
        ({"amount": "1e5"}, "amount", "Amount is not a number."),
        ({"amount": "5", "impressions": "-3"}, "impressions", "Impressions must be 0 or more."),
        ({"amount": "5", "clicks": "2.5"}, "clicks", "Clicks must be a whole number."),
        (
            {"amount": "5", "impressions": "10", "clicks": "11"},
            "clicks",
            "Clicks (11) cannot exceed impressions (10).",
        ),
    ],
)
def test_parse_spend_rejects_bad_cells(form: dict[str, str], field: str, message: str) -> None:
    data, errors = parse_spend(form, row_exists=True)
    assert data is None
    assert list(errors) == [field]
    assert errors[field].startswith(message)
