"""Every write path refuses dates outside the window (DATES_EARLIEST, DATES_DAYS_AHEAD)."""

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.config import from_environment
from app.models import Channel, Lead, Purchase, Settings, User, WeeklySpend
from kernel.weeks import date_window
from tests import factories
from tests.api_support import bearer
from tests.edit_forms import posted_state

LATEST = date_window(date.today()).latest
REFUSAL = f"is outside the dates Bullseye accepts (2000-01-01 to {LATEST})"


def _api(client: FlaskClient, headers: dict[str, str], method: str, url: str, body: Any) -> Any:
    response = client.open("/api/v1" + url, method=method, headers=headers, json=body)
    return response.status_code, response.get_json()


def test_api_batches_refuse_extreme_dates_with_index_and_field(
    client: FlaskClient, db: Session, editor: User
) -> None:
    headers = bearer(db, editor)
    ch = factories.channel(db)
    factories.lead(db, ch, date(2024, 3, 4), external_id="l-0")
    spend = [{"week": "2024-03-04", "amount": 5}, {"week": "0001-01-01", "amount": 5}]
    assert _api(client, headers, "PUT", f"/channels/{ch.id}/spend", spend) == (422, {"errors": [
        {"index": 1, "field": "week", "message": f"'0001-01-01' {REFUSAL}"}]})  # fmt: skip
    moment = "9999-12-31T23:59:59-14:00"
    leads = [{"external_id": "l-1", "channel_id": ch.id, "created_at": moment}]
    assert _api(client, headers, "POST", "/leads", leads) == (422, {"errors": [
        {"index": 0, "field": "created_at", "message": f"'{moment}' {REFUSAL}"}]})  # fmt: skip
    purchases = [{"external_id": "p-1", "lead_external_id": "l-0", "purchased_at": "1900-01-01",
                  "amount": 10}]  # fmt: skip
    assert _api(client, headers, "POST", "/purchases", purchases) == (422, {"errors": [
        {"index": 0, "field": "purchased_at", "message": f"'1900-01-01' {REFUSAL}"}]})  # fmt: skip
    db.expire_all()
    assert db.exec(select(WeeklySpend)).all() == [] and len(db.exec(select(Lead)).all()) == 1
    assert db.exec(select(Purchase)).all() == []


@pytest.mark.parametrize("htmx", [False, True])
def test_spend_grid_refuses_a_week_outside_the_window(
    editor_client: FlaskClient, db: Session, htmx: bool
) -> None:
    ch = factories.channel(db)
    headers = {"HX-Request": "true"} if htmx else {}
    for week in ("0001-01-01", "1999-12-20", "9999-12-27"):
        response = editor_client.post(f"/channels/{ch.id}/spend/{week}", data={"amount": "12"},
                                      headers=headers)  # fmt: skip
        assert response.status_code == 422
        assert f"The week of {week} {REFUSAL}" in response.get_data(as_text=True)
    assert db.exec(select(WeeklySpend)).all() == []
    monday = date(1999, 12, 27)  # its Saturday is 2000-01-01
    response = editor_client.post(f"/channels/{ch.id}/spend/{monday}", data={"amount": "1"},
                                  headers=headers)  # fmt: skip
    assert response.status_code in (200, 302)
    assert [row.week for row in db.exec(select(WeeklySpend))] == [monday]


def test_spend_grid_may_clear_a_week_stored_outside_the_window(
    editor_client: FlaskClient, db: Session
) -> None:
    ch = factories.channel(db)
    factories.spend(db, ch, date(1, 1, 1), 500)
    action = f"/channels/{ch.id}/spend/0001-01-01"
    state = posted_state(editor_client.get("/").get_data(as_text=True), action)  # Clear button
    assert state["version"] == "1"
    response = editor_client.post(action, data={"amount": "", **state})
    assert response.status_code == 302
    db.expire_all()
    assert db.exec(select(WeeklySpend)).all() == []


def test_demo_refuses_an_end_whose_weeks_start_before_the_window(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    for end in ("0001-01-07", "2001-06-01"):
        result = runner.invoke(args=["demo", "--leads", "10", "--weeks", "104", "--end", end])
        assert result.exit_code != 0 and "--end" in result.output, result.output
        assert "outside the dates Bullseye accepts" in result.output
    assert db.exec(select(Channel)).all() == []


def test_the_window_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Any) -> None:  # fmt: skip
    monkeypatch.setenv("BULLSEYE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATES_EARLIEST", "2010-01-01")
    monkeypatch.setenv("DATES_DAYS_AHEAD", "30")
    config = from_environment()
    assert (config["DATES_EARLIEST"], config["DATES_DAYS_AHEAD"]) == (date(2010, 1, 1), 30)
    monkeypatch.setenv("DATES_EARLIEST", "01/01/2010")
    with pytest.raises(ValueError, match="DATES_EARLIEST"):
        from_environment()
    monkeypatch.setenv("DATES_EARLIEST", "2010-01-01")
    monkeypatch.setenv("DATES_DAYS_AHEAD", "-1")
    with pytest.raises(ValueError, match="DATES_DAYS_AHEAD"):
        from_environment()


def test_a_configured_window_applies_to_writes(app: Flask, client: FlaskClient, db: Session,
                                               editor: User) -> None:  # fmt: skip
    app.config["DATES_EARLIEST"] = date(2020, 1, 1)
    app.config["DATES_DAYS_AHEAD"] = 0
    ch = factories.channel(db)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    items = [{"week": "2019-06-03", "amount": 1}, {"week": tomorrow, "amount": 1}]
    status, body = _api(client, bearer(db, editor), "PUT", f"/channels/{ch.id}/spend", items)
    assert status == 422
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(0, "week"), (1, "week")]
    assert f"(2020-01-01 to {date.today()})" in body["errors"][0]["message"]


def test_spend_grid_week_1_with_sunday_weeks_is_refused_not_a_crash(
    editor_client: FlaskClient, db: Session
) -> None:
    settings = db.get(Settings, 1) or Settings(id=1)
    settings.week_start = 6
    db.add(settings)
    db.commit()
    ch = factories.channel(db)
    for amount in ("12", ""):
        url = f"/channels/{ch.id}/spend/0001-01-01"
        response = editor_client.post(url, data={"amount": amount})
        assert response.status_code == 422
        assert f"The week of 0001-01-01 {REFUSAL}" in response.get_data(as_text=True)
