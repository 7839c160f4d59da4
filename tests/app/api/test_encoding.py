"""JSON conventions: money as exact numbers, timestamps as ISO 8601 with offset."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import Flask

from app.api.encoding import BullseyeJSONProvider, json_number
from kernel.money import to_decimal


@pytest.fixture
def app() -> Flask:
    """Return a bare Flask app with Bullseye's JSON provider (no database needed)."""
    application = Flask(__name__)
    application.json = BullseyeJSONProvider(application)
    return application


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (123450, "1234.5"),
        (123456, "1234.56"),
        (100000, "1000"),
        (-1, "-0.01"),
        (0, "0"),
        (999999999999999, "9999999999999.99"),
        (10**20, "1000000000000000000"),
    ],
)
def test_money_is_serialised_with_its_exact_digits(app: Flask, minor: int, text: str) -> None:
    amount = to_decimal(minor)
    assert amount is not None
    assert app.json.dumps({"amount": amount}) == '{"amount": ' + text + "}"
    assert Decimal(text) == amount


def test_json_number_keeps_integers_exact() -> None:
    assert json_number(Decimal("12.00")) == 12
    assert isinstance(json_number(Decimal("12.00")), int)
    assert json_number(Decimal("0.1")) == 0.1


def test_timestamps_and_dates_are_iso_8601(app: Flask) -> None:
    moment = datetime(2024, 3, 4, 9, 30, 15, 250000, tzinfo=UTC)
    local = datetime(2024, 3, 4, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    payload = {"at": moment, "local": local, "week": date(2024, 3, 4)}
    assert app.json.dumps(payload) == (
        '{"at": "2024-03-04T09:30:15.250000+00:00", '
        '"local": "2024-03-04T11:00:00+02:00", "week": "2024-03-04"}'
    )
