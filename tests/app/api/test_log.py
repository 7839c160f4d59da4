"""PUT and GET /api/v1/channels/{id}/log/{week}: the quick log's rules, answers and ETags."""

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session, func, select

from app.models import Lead, Purchase, User
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi

TEMPLATE = "/channels/{channel_id}/log/{week}"


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").get_json()
    return document


def put(client: FlaskClient, spec: dict[str, Any], headers: dict[str, str], url: str,
        body: Any, status: int) -> Any:  # fmt: skip
    response = client.put("/api/v1" + url, headers=headers, json=body)
    assert response.status_code == status, response.get_json()
    assert_matches_openapi(spec, "put", TEMPLATE, status, response.get_json())
    return response


@pytest.fixture
def podcasts(db: Session, editor: User) -> tuple[int, dict[str, str]]:
    """Return a channel's id and an editor's Authorization header."""
    return factories.channel(db, name="Podcasts").id or 0, bearer(db, editor)


def stored(db: Session) -> tuple[int, int]:
    """Return how many leads and purchases are stored (read fresh)."""
    db.expire_all()
    leads = db.exec(select(func.count()).select_from(Lead)).one()
    return int(leads), int(db.exec(select(func.count()).select_from(Purchase)).one())


def test_put_logs_a_week_and_get_reads_it_back(
    client: FlaskClient, db: Session, spec: dict[str, Any], podcasts: tuple[int, dict[str, str]]
) -> None:
    cid, headers = podcasts
    first = put(client, spec, headers, f"/channels/{cid}/log/2026-03-04",
                {"spend": 1000, "leads": 5}, 200).get_json()  # fmt: skip
    assert (first["week"], first["spend"], first["leads"]) == ("2026-03-02", 1000, 5)
    body = {"spend": 0, "cohorts": [{"week": "2026-03-05", "buyers": 2, "revenue": 600}]}
    answer = put(client, spec, headers, f"/channels/{cid}/log/2026-03-09", body, 200)
    cohorts = answer.get_json()["cohorts"]
    assert cohorts[1] == {"week": "2026-03-02", "leads": 5, "buyers": 2, "revenue": 600,
                          "week_buyers": 2, "week_revenue": 600}
    read = client.get(f"/api/v1/channels/{cid}/log/2026-03-09", headers=headers)
    assert read.get_json() == answer.get_json() and read.headers["ETag"] == answer.headers["ETag"]
    assert_matches_openapi(spec, "get", TEMPLATE, 200, read.get_json())
    # The same body again changes nothing; 3 buyers update the records in place.
    put(client, spec, headers, f"/channels/{cid}/log/2026-03-09", body, 200)
    body["cohorts"][0]["buyers"] = 3
    put(client, spec, headers, f"/channels/{cid}/log/2026-03-09", body, 200)
    assert stored(db) == (5, 3)


def test_bad_logs_name_the_field_and_store_nothing(
    client: FlaskClient, db: Session, spec: dict[str, Any], podcasts: tuple[int, dict[str, str]]
) -> None:
    cid, headers = podcasts
    put(client, spec, headers, f"/channels/{cid}/log/2026-03-02", {"spend": 10, "leads": 2}, 200)
    url = f"/channels/{cid}/log/2026-03-09"
    soon = (date.today() + timedelta(days=7)).isoformat()
    cases = [
        (url, {"spend": 1, "leads": -1}, "leads"),
        (url, {"spend": -1}, "spend"),
        (url, {"spend": 1.234}, "spend"),
        (url, {"leads": 1}, "spend"),
        (url, {"spend": 1, "colour": "red"}, "colour"),
        (url, {"spend": 1, "cohorts": [{"week": "2026-03-02", "buyers": 3}]},
         "buyers.2026-03-02"),
        (url, {"spend": 1, "cohorts": [{"week": "2026-03-02", "buyers": 0, "revenue": 5}]},
         "revenue.2026-03-02"),
        (url, {"spend": 1, "cohorts": [{"week": "2026-02-23", "buyers": 1}]},
         "buyers.2026-02-23"),
        (url, {"spend": 1, "cohorts": [{"week": "soon", "buyers": 1}]}, "cohorts[0].week"),
        (url, {"spend": 1, "cohorts": [{"week": "2026-03-02", "buyers": True}]},
         "cohorts[0].buyers"),
        (f"/channels/{cid}/log/{soon}", {"spend": 1}, "week"),
        (f"/channels/{cid}/log/0001-01-01", {"spend": 1}, "week"),
        (f"/channels/{cid}/log/March", {"spend": 1}, "week"),
    ]
    for path, body, field in cases:
        error = put(client, spec, headers, path, body, 422).get_json()["error"]
        assert list(error["details"]["fields"]) == [field], (body, error)
    put(client, spec, headers, "/channels/987654/log/2026-03-09", {"spend": 1}, 404)
    assert stored(db) == (2, 0)


def test_if_match_refuses_a_week_changed_since_it_was_read(
    client: FlaskClient, db: Session, spec: dict[str, Any], podcasts: tuple[int, dict[str, str]]
) -> None:
    cid, headers = podcasts
    url = f"/channels/{cid}/log/2026-03-02"
    etag = client.get("/api/v1" + url, headers=headers).headers["ETag"]
    put(client, spec, headers, url, {"spend": 10, "leads": 2}, 200)
    stale = headers | {"If-Match": etag}
    refused = put(client, spec, stale, url, {"spend": 10, "leads": 3}, 412).get_json()
    current = client.get("/api/v1" + url, headers=headers).headers["ETag"]
    assert refused["error"]["details"]["etag"] == current
    put(client, spec, stale, url, {"spend": 10, "leads": 2}, 200)  # what is stored: no conflict
    put(client, spec, headers | {"If-Match": current}, url, {"spend": 10, "leads": 3}, 200)


def test_a_lead_batch_mixing_logged_and_imported_leads_in_a_week_names_the_items(
        client: FlaskClient, db: Session, podcasts: tuple[int, dict[str, str]]) -> None:
    cid, headers = podcasts
    items = [{"external_id": "crm-1", "channel_id": cid, "created_at": "2026-03-03"},
             {"external_id": f"log:{cid}:2026-03-02:1", "channel_id": cid,
              "created_at": "2026-03-04"}]
    response = client.post("/api/v1/leads", json=items, headers=headers)
    assert response.status_code == 422
    never = "; a channel-week holds either quick-logged or imported leads, never both"
    assert response.get_json()["errors"] == [
        {"index": 0, "field": "created_at", "message": "falls in the week of 2026-03-02, whose "
         f"leads on this channel are quick-logged (item 1 of this batch){never}"},
        {"index": 1, "field": "created_at", "message": "is a quick-logged lead, but the week "
         f"of 2026-03-02 on this channel also holds imported leads (item 0 of this batch){never}"},
    ]
    assert stored(db) == (0, 0)
