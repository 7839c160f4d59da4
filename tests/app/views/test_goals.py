"""Goals: the web form, the API and the dashboard panel on a hand-made month, both databases."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel, Goal, User
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

AS_OF = "2026-03-15"  # a Sunday: 8 full weeks from 19 January


@pytest.fixture
def steady(db: Session) -> Channel:
    """One lead a day at noon from 19 January to 15 March 2026, no purchases."""
    channel = factories.channel(db)
    day = date(2026, 1, 19)
    while day <= date(2026, 3, 15):
        factories.lead(db, channel, datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
        day += timedelta(days=1)
    return channel


def _statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-kind="(\w+)">.*?data-status="(\w+)"', html, re.S))


def test_form_sets_goals_and_the_page_shows_progress_and_history(
    editor_client: FlaskClient, db: Session, steady: Channel
) -> None:
    for month, leads in (("2026-03", "31"), ("2026-02", "30")):
        response = editor_client.post("/goals/", data={"month": month, "channel_id": "",
                                                       "leads": leads, "new_customers": "2"})
        assert response.status_code == 302
    html = editor_client.get(f"/goals/?month=2026-03&as_of={AS_OF}").get_data(as_text=True)
    progress = html[html.index('id="goal-progress"'):html.index("Past months")]
    # 15 leads so far, one a day with no spread: 31 expected exactly
    assert _statuses(progress) == {"leads": "on_track", "new_customers": "off_track"}
    assert re.search(r'data-kind="leads">.*?data-stat="actual">15<.*?data-stat="expected">31<',
                     progress, re.S)
    history = html[html.index("Past months"):]
    assert 'data-month="2026-02" data-kind="leads"' in history  # 28 of 30: missed
    assert re.search(r'data-month="2026-02" data-kind="leads">.*?28.*?data-status="missed"',
                     history, re.S)
    dashboard = editor_client.get(f"/?as_of={AS_OF}").get_data(as_text=True)
    assert 'id="goals-panel"' in dashboard and 'data-status="on_track"' in dashboard


def test_bad_goal_input_names_the_field_and_stores_nothing(
    editor_client: FlaskClient, db: Session
) -> None:
    response = editor_client.post("/goals/", data={"month": "2026-03", "leads": "-1",
                                                   "max_cac": "1.234"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="f-leads-error"' in html and 'id="f-max_cac-error"' in html
    assert 'value="-1"' in html  # the typed value is kept
    assert db.exec(select(Goal)).all() == []


def test_viewers_cannot_set_goals(viewer_client: FlaskClient, db: Session) -> None:
    assert viewer_client.post("/goals/", data={"month": "2026-03", "leads": "3"}).status_code == 403
    assert "Set a goal" not in viewer_client.get("/goals/").get_data(as_text=True)


def test_api_put_and_get_goals(client: FlaskClient, db: Session, editor: User,
                               steady: Channel) -> None:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    headers = bearer(db, editor)
    body = [{"month": "2026-03", "leads": 31, "max_cpl": 12.5},
            {"month": "2026-03", "channel_id": steady.id, "min_conversion": 10}]
    response = client.put("/api/v1/goals", json=body, headers=headers)
    assert response.get_json() == {"created": 2, "updated": 0, "deleted": 0}
    again = client.put("/api/v1/goals", json=body, headers=headers)
    assert again.get_json() == {"created": 0, "updated": 0, "deleted": 0}
    answer = client.get(f"/api/v1/goals?as_of={AS_OF}", headers=headers)
    assert_matches_openapi(spec, "get", "/goals", 200, answer.get_json())
    overall, channel = answer.get_json()["goals"]
    assert overall["channel_id"] is None and channel["channel_id"] == steady.id
    leads = overall["progress"][0]
    assert (leads["kind"], leads["actual"], leads["expected"], leads["status"]) == (
        "leads", 15, 31, "on_track")
    assert overall["targets"]["max_cpl"] == 12.5
    cpl = overall["progress"][1]
    assert (cpl["kind"], cpl["expected"], cpl["status"]) == ("max_cpl", 0, "on_track")  # no spend
    assert channel["progress"][0]["target"] == 10 and channel["progress"][0]["actual"] == 0


def test_api_bad_goals_list_every_error_and_store_nothing(
    client: FlaskClient, db: Session, editor: User
) -> None:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    body = [{"month": "2026-13"}, {"month": "2026-03", "leads": -1}, "x",
            {"month": "2026-04", "leads": 1}, {"month": "2026-04"}]
    response = client.put("/api/v1/goals", json=body, headers=bearer(db, editor))
    assert response.status_code == 422
    assert_matches_openapi(spec, "put", "/goals", 422, response.get_json())
    assert [(e["index"], e["field"]) for e in response.get_json()["errors"]] == [
        (0, "month"), (1, "leads"), (2, ""), (4, "month")]
    assert db.exec(select(Goal)).all() == []
