"""PATCH /api/v1/leads/{external_id}: stage and grade changes kept as dated history, from the
API and from lead batches (the CSV import's upsert), on SQLite and PostgreSQL."""

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, select

from app.models import Lead, LeadStageChange, User
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

TEMPLATE = "/leads/{external_id}"


def _history(db: Session, lead: Lead) -> list[tuple[str | None, str, str | None]]:
    db.expire_all()
    rows = db.exec(select(LeadStageChange).where(LeadStageChange.lead_id == lead.id)
                   .order_by(LeadStageChange.id)).all()  # type: ignore[arg-type]
    return [(None if r.changed_at is None else r.changed_at.isoformat(), r.stage, r.grade)
            for r in rows]


def test_patch_keeps_the_stage_before_and_the_dated_change(
    client: FlaskClient, db: Session, headers: dict[str, str], spec: dict[str, Any]
) -> None:
    lead = factories.lead(db, factories.channel(db), date(2026, 3, 2), external_id="acme/42")
    body = {"stage": "sales_ready", "grade": "hot", "changed_at": "2026-03-05T10:00:00Z"}
    response = client.patch("/api/v1/leads/acme/42", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert_matches_openapi(spec, "patch", TEMPLATE, 200, response.get_json())
    assert response.get_json()["stage"] == "sales_ready"
    assert _history(db, lead) == [(None, "lead", None),
                                  ("2026-03-05T10:00:00+00:00", "sales_ready", "hot")]
    # the same stage and grade again records nothing; a grade change alone is recorded
    client.patch("/api/v1/leads/acme/42", json={"stage": "sales_ready"}, headers=headers)
    assert len(_history(db, lead)) == 2
    client.patch("/api/v1/leads/acme/42", json={"grade": "warm"}, headers=headers)
    assert _history(db, lead)[-1][1:] == ("sales_ready", "warm")
    stages = client.get("/api/v1/leads/acme/42/stages", headers=headers)
    assert_matches_openapi(spec, "get", TEMPLATE + "/stages", 200, stages.get_json())
    assert len(stages.get_json()["history"]) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [({"stage": "won"}, "stage"),
     ({"grade": "cold"}, "grade"),
     ({"stage": "lead", "colour": "red"}, "colour"),
     ({"stage": "lost", "changed_at": "2026-03-01T00:00:00Z"}, "changed_at"),  # before creation
     ({"stage": "lost", "changed_at": "2099-01-01"}, "changed_at"),  # future
     ({"stage": "lost", "changed_at": "0001-01-01"}, "changed_at"),
     ({"stage": "lost", "changed_at": "yesterday"}, "changed_at"),
     ({"stage": "lost", "changed_at": 5}, "changed_at")],
)
def test_bad_changes_name_the_field_and_store_nothing(
    client: FlaskClient, db: Session, headers: dict[str, str], spec: dict[str, Any],
    body: dict[str, Any], field: str,
) -> None:
    lead = factories.lead(db, factories.channel(db), date(2026, 3, 2), external_id="x")
    response = client.patch("/api/v1/leads/x", json=body, headers=headers)
    assert response.status_code == 422
    assert_matches_openapi(spec, "patch", TEMPLATE, 422, response.get_json())
    assert field in response.get_json()["error"]["details"]["fields"]
    assert _history(db, lead) == []
    db.expire_all()
    assert db.get(Lead, lead.id).stage == "lead"  # type: ignore[union-attr]


def test_unknown_lead_and_viewers_are_refused(
    client: FlaskClient, db: Session, headers: dict[str, str], viewer: User
) -> None:
    assert client.patch("/api/v1/leads/nobody", json={"stage": "lost"},
                        headers=headers).status_code == 404
    factories.lead(db, factories.channel(db), date(2026, 3, 2), external_id="y")
    assert client.patch("/api/v1/leads/y", json={"stage": "lost"},
                        headers=bearer(db, viewer)).status_code == 403


def test_lead_batches_record_creation_and_changes_once(
    client: FlaskClient, db: Session, headers: dict[str, str]
) -> None:
    channel = factories.channel(db)
    item = {"external_id": "b1", "channel_id": channel.id, "created_at": "2026-03-02",
            "stage": "inquiry", "grade": "future"}
    assert client.post("/api/v1/leads", json=[item], headers=headers).status_code == 200
    lead = db.exec(select(Lead).where(Lead.external_id == "b1")).one()
    assert _history(db, lead) == [(None, "inquiry", "future")]
    client.post("/api/v1/leads", json=[item], headers=headers)  # unchanged: nothing recorded
    assert len(_history(db, lead)) == 1
    changed = item | {"stage": "opportunity"}
    assert client.post("/api/v1/leads", json=[changed], headers=headers).get_json() == {
        "created": 0, "updated": 1}
    history = _history(db, lead)
    assert [h[1:] for h in history] == [("inquiry", "future"), ("opportunity", "future")]
    assert history[1][0] is not None  # dated when the import ran


def test_a_batch_keeps_the_old_stage_of_a_lead_stored_without_history(
    client: FlaskClient, db: Session, headers: dict[str, str]
) -> None:
    channel = factories.channel(db)
    lead = factories.lead(db, channel, date(2026, 3, 2), external_id="old", stage="lead")
    item = {"external_id": "old", "channel_id": channel.id, "created_at": "2026-03-02",
            "stage": "customer"}
    client.post("/api/v1/leads", json=[item], headers=headers)
    assert [h[:2] for h in _history(db, lead)][0] == (None, "lead")
    assert _history(db, lead)[1][1] == "customer"


def test_a_batch_dates_a_change_by_its_stage_changed_at(
    client: FlaskClient, db: Session, headers: dict[str, str]
) -> None:
    channel = factories.channel(db)
    lead = factories.lead(db, channel, date(2026, 3, 2), external_id="d1", stage="inquiry")
    item = {"external_id": "d1", "channel_id": channel.id, "created_at": "2026-03-02",
            "stage": "lead", "stage_changed_at": "2026-03-06T08:00:00Z"}
    assert client.post("/api/v1/leads", json=[item], headers=headers).status_code == 200
    assert _history(db, lead) == [(None, "inquiry", None),
                                  ("2026-03-06T08:00:00+00:00", "lead", None)]
    earlier = item | {"stage": "lost", "stage_changed_at": "2026-03-04T00:00:00Z"}
    response = client.post("/api/v1/leads", json=[earlier], headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"index": 0, "field": "stage_changed_at",
         "message": "is before the lead's last recorded stage change (2026-03-06 08:00:00 UTC); "
                    "date each change no earlier than the one before"}]
    assert len(_history(db, lead)) == 2
