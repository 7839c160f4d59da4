"""/api/v1/tests: create, read, change, start, decide; errors and the OpenAPI document."""

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Channel, ChannelHistory, User
from experiments.models import Experiment
from kernel.weeks import week_of
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

START = week_of(date.today()) - timedelta(weeks=2)
BODY = {"name": "Search — exact match", "channel_id": 0, "varies": "audience",
        "start_date": START.isoformat(), "end_date": (START + timedelta(days=20)).isoformat(),
        "budget_cap": 500, "max_cac": "40.50", "min_leads": 3, "min_conversion": 0.05,
        "min_ltv_to_cac": 3, "payback_weeks": 8}


def _spec(client: FlaskClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return spec


def test_create_start_read_and_decide(client: FlaskClient, db: Session, owner: User) -> None:
    headers = bearer(db, owner)
    search = factories.channel(db, name="Search", ring="middle", status="testing")
    spec = _spec(client)
    created = client.post("/api/v1/tests", json=BODY | {"channel_id": search.id},
                          headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()["test"]
    assert_matches_openapi(spec, "post", "/tests", 201, created.get_json())
    assert (body["status"], body["budget_cap"], body["max_cac"], body["min_conversion"]) == (
        "planned", 500, 40.5, 0.05)
    assert body["evaluation"] is None and body["needs_decision"] is None
    test_id = body["id"]
    started = client.patch(f"/api/v1/tests/{test_id}", json={"status": "running"},
                           headers=headers)
    assert started.status_code == 200 and started.get_json()["test"]["status"] == "running"
    again = client.patch(f"/api/v1/tests/{test_id}", json={"status": "running"},
                         headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"

    factories.spend(db, search, START, 30_000)
    leads = client.post("/api/v1/leads", headers=headers, json=[
        {"external_id": f"s{i}", "channel_id": search.id, "test_id": test_id,
         "created_at": (START + timedelta(days=1)).isoformat()} for i in range(4)])
    assert leads.status_code == 200, leads.get_json()
    bought = client.post("/api/v1/purchases", headers=headers, json=[
        {"external_id": "p1", "lead_external_id": "s0",
         "purchased_at": (START + timedelta(days=2)).isoformat(), "amount": 120.00}])
    assert bought.status_code == 200, bought.get_json()
    read = client.get(f"/api/v1/tests/{test_id}", headers=headers)
    assert_matches_openapi(spec, "get", "/tests/{test_id}", 200, read.get_json())
    e = read.get_json()["test"]["evaluation"]
    assert (e["spend"], e["leads"], e["customers"], e["cac"], e["ltv"]) == (300, 4, 1, 300, 120)
    assert e["conversion"] == 0.25 and e["budget_share"] == 0.6
    judged = {c["key"]: c["judgement"] for c in e["criteria"]}
    assert judged == {"max_cac": "not_enough_data", "min_leads": "met",
                      "min_conversion": "not_enough_data", "min_ltv_to_cac": "not_enough_data",
                      "payback_weeks": "not_enough_data"}
    listed = client.get("/api/v1/tests", headers=headers)
    assert_matches_openapi(spec, "get", "/tests", 200, listed.get_json())
    assert [t["id"] for t in listed.get_json()["tests"]] == [test_id]

    decided = client.post(f"/api/v1/tests/{test_id}/decision", headers=headers,
                          json={"decision": "scale", "note": "cheap customers"})
    assert decided.status_code == 200, decided.get_json()
    assert_matches_openapi(spec, "post", "/tests/{test_id}/decision", 200,
                           decided.get_json())
    assert decided.get_json()["test"]["decided_by_id"] == owner.id
    db.refresh(search)
    assert (search.ring, search.status) == ("inner", "focus")
    history = db.exec(select(ChannelHistory)).one()
    assert (history.experiment_id, history.decision) == (test_id, "scale")
    twice = client.post(f"/api/v1/tests/{test_id}/decision", headers=headers,
                        json={"decision": "kill"})
    assert twice.status_code == 409


def test_errors_name_the_fields_and_store_nothing(client: FlaskClient, db: Session,
                                                  editor: User) -> None:
    headers = bearer(db, editor)
    bad = BODY | {"channel_id": 999, "budget_cap": -1, "min_conversion": 2, "colour": "red",
                  "start_date": "0001-01-01"}
    response = client.post("/api/v1/tests", json=bad, headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["details"]["fields"]) == {"colour"}
    response = client.post("/api/v1/tests", headers=headers,
                           json={k: v for k, v in bad.items() if k != "colour"})
    fields = response.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"channel_id", "budget_cap", "min_conversion", "start_date"}
    assert "outside the dates Bullseye accepts" in fields["start_date"]
    assert client.post("/api/v1/tests", json={**BODY, "min_leads": "3"},
                       headers=headers).get_json()["error"]["details"]["fields"] == {
        "min_leads": "must be a number"}
    assert db.exec(select(Experiment)).all() == []
    new = client.post("/api/v1/tests", headers=headers, json={
        **{k: v for k, v in BODY.items() if k != "channel_id"},
        "new_channel": {"name": "Podcasts", "kind": "pr"}})
    assert new.status_code == 201
    channel = db.exec(select(Channel)).one()
    assert (channel.name, channel.ring, channel.status) == ("Podcasts", "outer", "idea")
    missing = client.get("/api/v1/tests/12345", headers=headers)
    assert missing.status_code == 404


def test_a_viewer_token_cannot_write_or_decide(client: FlaskClient, db: Session,
                                               viewer: User) -> None:
    channel = factories.channel(db, name="Ads", ring="middle", status="testing")
    test = factories.channel_test(db, name="A", channel_id=channel.id or 0, start_date=START,
                                  end_date=None)
    headers = bearer(db, viewer)
    assert client.get("/api/v1/tests", headers=headers).status_code == 200
    decided = client.post(f"/api/v1/tests/{test.id}/decision", json={"decision": "scale"},
                          headers=headers)
    assert decided.status_code == 403
    assert client.patch(f"/api/v1/tests/{test.id}", json={"name": "B"},
                        headers=headers).status_code == 403
    db.refresh(test)
    db.refresh(channel)
    assert (test.decision, test.name, channel.ring) == (None, "A", "middle")
