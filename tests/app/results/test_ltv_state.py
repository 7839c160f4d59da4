"""The stored LTV fit is looked up once per request, however many parts of a page read it."""

from datetime import date

import pytest
from flask import Flask
from sqlmodel import Session

from app.results import ltv
from app.results.metrics import parse_as_of


def test_a_request_looks_the_fit_up_once_and_the_next_request_again(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[date] = []
    real = ltv._ltv_state

    def counting(as_of, today, key):  # type: ignore[no-untyped-def]
        lookups.append(as_of.day)
        return real(as_of, today, key)

    monkeypatch.setattr(ltv, "_ltv_state", counting)
    with app.test_request_context("/"):
        as_of = parse_as_of("2026-01-04")
        first = ltv.ltv_state(as_of, date(2026, 1, 10))
        assert ltv.ltv_state(as_of, date(2026, 1, 10)) is first  # the dashboard's tests panel
        ltv.ltv_state(parse_as_of("2026-01-05"), date(2026, 1, 10))  # another day: looked up
    with app.test_request_context("/"):
        ltv.ltv_state(as_of, date(2026, 1, 10))
    with app.app_context():  # no request (the email, the worker): never kept
        ltv.ltv_state(as_of, date(2026, 1, 10))
        ltv.ltv_state(as_of, date(2026, 1, 10))
    assert lookups == [date(2026, 1, 4), date(2026, 1, 5)] + [date(2026, 1, 4)] * 3
