"""The tests board is evaluated once per data version and follows every edit of a test."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from experiments.channel_tests import queries
from kernel.weeks import week_of
from tests import factories

START = week_of(date.today()) - timedelta(weeks=3)


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the id of every test the board evaluates."""
    seen: list[int] = []
    evaluate = queries.evaluate_test

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs["test"].id)
        return evaluate(**kwargs)

    monkeypatch.setattr(queries, "evaluate_test", counting)
    return seen


def test_the_board_is_evaluated_once_until_data_or_a_test_changes(
    app: Flask, db: Session, editor_client: FlaskClient, evaluations: list[int]
) -> None:
    channel = factories.channel(db, name="Webinars", ring="middle", status="testing")
    test = factories.channel_test(db, name="Pricing webinar", channel_id=channel.id or 0,
                                  start_date=START, end_date=START + timedelta(days=13),
                                  min_leads=3)  # fmt: skip
    for _ in range(2):
        factories.lead(db, channel, START + timedelta(days=1), experiment_id=test.id)
    first = _text(editor_client.get("/tests/").get_data(as_text=True))
    again = _text(editor_client.get("/tests/").get_data(as_text=True))
    assert evaluations == [test.id] and first == again

    # A new lead is a data change: evaluated again.
    factories.lead(db, channel, START + timedelta(days=2), experiment_id=test.id)
    evaluations.clear()
    editor_client.get("/tests/")
    assert evaluations == [test.id]

    # Renaming the test is no data change, yet the board shows the new name at once.
    test.name = "Pricing webinar, second run"
    db.add(test)
    db.commit()
    evaluations.clear()
    board = _text(editor_client.get("/tests/").get_data(as_text=True))
    assert "Pricing webinar, second run" in board and evaluations == [test.id]
    # Renaming its channel too.
    channel.name = "Live webinars"
    db.add(channel)
    db.commit()
    assert "Live webinars" in _text(editor_client.get("/tests/").get_data(as_text=True))


def test_a_cached_board_survives_the_session_that_read_it(
    app: Flask, db: Session, editor_client: FlaskClient
) -> None:
    """The cached rows are copies: a later request reads them after the first one's session
    committed and closed (an ORM row would be expired and detached by then)."""
    channel = factories.channel(db, name="Webinars", ring="middle", status="testing")
    factories.channel_test(db, name="Pricing webinar", channel_id=channel.id or 0,
                           start_date=START, end_date=START + timedelta(days=13))  # fmt: skip
    assert editor_client.get("/tests/").status_code == 200
    response = editor_client.get("/")  # the dashboard reads the cached board
    assert response.status_code == 200
    assert "Pricing webinar" in _text(editor_client.get("/tests/").get_data(as_text=True))
