"""JSON API writes: channels, weekly spend, leads and purchases (batches: all or nothing)."""

import sqlite3
import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, func, select

from app.models import Channel, Lead, Purchase, User, WeeklySpend
from channels.models import ChannelHistory
from tests import factories
from tests.api_support import bearer
from tests.openapi_check import assert_matches_openapi


def count(db: Session, model: Any) -> int:
    """Return how many rows `model` has (read fresh)."""
    db.expire_all()
    return int(db.exec(select(func.count()).select_from(model)).one())


def call(
    client: FlaskClient,
    spec: dict[str, Any],
    method: str,
    template: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    status: int,
) -> Any:
    """Send a write, check its status and that its body follows the OpenAPI document."""
    response = client.open("/api/v1" + url, method=method.upper(), headers=headers, json=body)
    assert response.status_code == status, response.get_json()
    assert_matches_openapi(spec, method, template, status, response.get_json())
    return response.get_json()


def test_create_channel_stores_it_with_its_first_history_row(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str], editor: User
) -> None:
    body = {"name": "  Cold   email ", "kind": "email_marketing", "launch_days": 3, "ice_impact": 7}
    answer = call(client, spec, "post", "/channels", "/channels", headers, body, 201)["channel"]
    assert (answer["name"], answer["kind"], answer["ring"], answer["status"]) == (
        "Cold email", "email_marketing", "outer", "idea",
    )  # fmt: skip
    assert (answer["launch_days"], answer["ice_impact"], answer["ice_score"]) == (3, 7, None)
    stored = db.get(Channel, answer["id"])
    assert stored is not None and stored.name == "Cold email" and stored.notes == ""
    history = db.exec(select(ChannelHistory).where(ChannelHistory.channel_id == stored.id)).all()
    assert [(h.ring, h.status, h.user_id) for h in history] == [("outer", "idea", editor.id)]


def test_create_channel_refuses_bad_fields_and_duplicate_names(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    factories.channel(db, name="Ads")
    bad = {"name": "", "kind": "telepathy", "ice_ease": 11, "colour": "red", "ring": 3}
    error = call(client, spec, "post", "/channels", "/channels", headers, bad, 422)["error"]
    assert sorted(error["details"]["fields"]) == ["colour", "ring"]
    bad.pop("colour"), bad.pop("ring")
    error = call(client, spec, "post", "/channels", "/channels", headers, bad, 422)["error"]
    assert sorted(error["details"]["fields"]) == ["ice_ease", "kind", "name"]
    dup = {"name": "ADS", "kind": "sem"}
    error = call(client, spec, "post", "/channels", "/channels", headers, dup, 409)["error"]
    assert error["message"] == "A channel named 'ADS' already exists (names ignore case)."
    assert count(db, Channel) == 1


def test_patch_changes_only_the_fields_sent_and_records_ring_changes(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    ads = factories.channel(db, name="Ads", ring="middle", status="testing", launch_days=4)
    factories.channel(db, name="SEO", kind="seo")
    template, url = "/channels/{channel_id}", f"/channels/{ads.id}"
    answer = call(client, spec, "patch", template, url, headers, {"notes": "bids"}, 200)
    assert (answer["channel"]["notes"], answer["channel"]["launch_days"]) == ("bids", 4)
    assert count(db, ChannelHistory) == 0
    answer = call(client, spec, "patch", template, url, headers, {"ring": "inner"}, 200)
    assert (answer["channel"]["ring"], answer["channel"]["status"]) == ("inner", "testing")
    history = db.exec(select(ChannelHistory.ring, ChannelHistory.status)).all()
    assert [tuple(h) for h in history] == [("inner", "testing")]
    call(client, spec, "patch", template, url, headers, {"name": "seo"}, 409)
    call(client, spec, "patch", template, url, headers, {"launch_days": -1}, 422)
    call(client, spec, "patch", template, "/channels/987654", headers, {"notes": ""}, 404)
    db.expire_all()
    assert db.get(Channel, ads.id).name == "Ads"  # type: ignore[union-attr]


def test_put_spend_upserts_weeks_exactly_and_is_idempotent(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    ads = factories.channel(db, name="Ads")
    factories.spend(db, ads, date(2024, 3, 4), 1000)
    template, url = "/channels/{channel_id}/spend", f"/channels/{ads.id}/spend"
    items = [
        {"week": "2024-03-06", "amount": 1250.1, "impressions": 48000, "clicks": 960},
        {"week": "2024-03-11", "amount": 0.29},
        {"week": "2024-03-24", "amount": 800, "clicks": None},
    ]
    answer = call(client, spec, "put", template, url, headers, items, 200)
    assert answer == {"created": 2, "updated": 1}
    rows = db.exec(select(WeeklySpend).order_by(col(WeeklySpend.week))).all()
    assert [(r.week, r.amount_minor, r.impressions, r.clicks) for r in rows] == [
        (date(2024, 3, 4), 125010, 48000, 960),
        (date(2024, 3, 11), 29, None, None),
        (date(2024, 3, 18), 80000, None, None),
    ]
    answer = call(client, spec, "put", template, url, headers, items, 200)
    assert answer == {"created": 0, "updated": 0}
    items[1]["amount"] = 0.3
    answer = call(client, spec, "put", template, url, headers, items, 200)
    assert answer == {"created": 0, "updated": 1}
    call(client, spec, "put", template, "/channels/987654/spend", headers, items, 404)


def test_put_spend_lists_every_error_and_stores_nothing(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    ads = factories.channel(db, name="Ads")
    items: list[Any] = [
        {"week": "2024-03-04", "amount": 10},
        {"week": "2024-03-05", "amount": 1.5},
        {"week": "March", "amount": 1.234, "impressions": 5, "clicks": 6},
        {"amount": -1, "spent": True},
        {"week": "2024-04-01", "amount": "12", "clicks": -3},
        "a week",
    ]
    url = f"/channels/{ads.id}/spend"
    answer = call(client, spec, "put", "/channels/{channel_id}/spend", url, headers, items, 422)
    assert answer["errors"] == [
        {"index": 1, "field": "week", "message": "this channel and week already appears in item 0"},
        {"index": 2, "field": "amount", "message": "'1.234' has more than 2 decimals"},
        {"index": 2, "field": "clicks", "message": "cannot exceed impressions (5)"},
        {"index": 2, "field": "week",
         "message": "'March' must be a date like 2024-03-31 (YYYY-MM-DD)"},
        {"index": 3, "field": "amount", "message": "'-1' cannot be negative"},
        {"index": 3, "field": "spent",
         "message": "is not a field; use week, amount, impressions, clicks"},
        {"index": 3, "field": "week", "message": "is required"},
        {"index": 4, "field": "amount", "message": "must be a JSON number"},
        {"index": 4, "field": "clicks", "message": "'-3' cannot be negative"},
        {"index": 5, "field": "", "message": "must be a JSON object"},
    ]  # fmt: skip
    assert count(db, WeeklySpend) == 0


def _leads(channel_id: int, test_id: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "external_id": "crm-1",
            "channel_id": channel_id,
            "created_at": "2024-03-05T09:30:00+01:00",
            "stage": "Sales Ready",
            "grade": "hot",
            "attributes": {"industry": "software", "employees": 40},
        },
        {"external_id": "crm-2", "channel_id": channel_id, "created_at": "2024-03-06",
         "test_id": test_id, "attributes": None},
    ]  # fmt: skip


def test_post_leads_stores_them_and_is_idempotent(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    ads = factories.channel(db, name="Ads")
    assert ads.id is not None
    items = _leads(ads.id)
    answer = call(client, spec, "post", "/leads", "/leads", headers, items, 200)
    assert answer == {"created": 2, "updated": 0}
    leads = db.exec(select(Lead).order_by(col(Lead.external_id))).all()
    assert [
        (lead.external_id, lead.channel_id, lead.created_at.replace(tzinfo=UTC), lead.cohort_week,
         lead.stage, lead.grade, lead.attributes) for lead in leads
    ] == [
        ("crm-1", ads.id, datetime(2024, 3, 5, 8, 30, tzinfo=UTC), date(2024, 3, 4),
         "sales_ready", "hot", {"industry": "software", "employees": "40"}),
        ("crm-2", ads.id, datetime(2024, 3, 6, tzinfo=UTC), date(2024, 3, 4), "lead", None, {}),
    ]  # fmt: skip
    again = call(client, spec, "post", "/leads", "/leads", headers, items, 200)
    assert again == {"created": 0, "updated": 0}
    items[1]["stage"] = "lost"
    again = call(client, spec, "post", "/leads", "/leads", headers, items, 200)
    assert again == {"created": 0, "updated": 1}


def test_post_leads_lists_every_error_and_stores_nothing(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    ads = factories.channel(db, name="Ads")
    assert ads.id is not None
    factories.lead(db, ads, date(2024, 3, 1), external_id="kept")
    items: list[Any] = [
        *_leads(ads.id),
        {"external_id": "crm-1", "channel_id": 987654, "created_at": "yesterday",
         "stage": "won", "test_id": 5, "attributes": {"size": [1, 2]}},
        {"channel_id": "1", "created_at": "2024-03-06"},
    ]  # fmt: skip
    answer = call(client, spec, "post", "/leads", "/leads", headers, items, 422)
    assert answer["errors"] == [
        {"index": 2, "field": "attributes.size", "message": "must be a string, a number or null"},
        {"index": 2, "field": "channel_id", "message": "no channel has id 987654"},
        {"index": 2, "field": "created_at",
         "message": "'yesterday' must be an ISO date or date-time like 2024-03-31T14:05:00+02:00"},
        {"index": 2, "field": "stage",
         "message": "must be one of inquiry, lead, sales_ready, opportunity, customer, lost"},
        {"index": 2, "field": "test_id", "message": "no test has id 5"},
        {"index": 3, "field": "channel_id", "message": "must be a JSON integer"},
        {"index": 3, "field": "external_id", "message": "is required"},
    ]  # fmt: skip
    assert count(db, Lead) == 1


def test_post_purchases_stores_exact_amounts_and_checks_leads(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    ads = factories.channel(db, name="Ads")
    factories.lead(db, ads, datetime(2024, 3, 5, 9, tzinfo=UTC), external_id="crm-1")
    items: list[dict[str, Any]] = [
        {"external_id": "inv-1", "lead_external_id": "crm-1",
         "purchased_at": "2024-03-12T16:00:00Z", "amount": 499.99},
        {"external_id": "inv-2", "lead_external_id": "crm-1",
         "purchased_at": "2024-04-12T10:00:00+02:00", "amount": -99},
    ]  # fmt: skip
    answer = call(client, spec, "post", "/purchases", "/purchases", headers, items, 200)
    assert answer == {"created": 2, "updated": 0}
    rows = db.exec(select(Purchase).order_by(col(Purchase.external_id))).all()
    assert [(p.external_id, p.amount_minor, p.purchased_on) for p in rows] == [
        ("inv-1", 49999, date(2024, 3, 12)),
        ("inv-2", -9900, date(2024, 4, 12)),
    ]
    again = call(client, spec, "post", "/purchases", "/purchases", headers, items, 200)
    assert again == {"created": 0, "updated": 0}
    bad: list[dict[str, Any]] = [
        {"external_id": "inv-3", "lead_external_id": "crm-9",
         "purchased_at": "2024-03-12", "amount": 5},
        {"external_id": "inv-4", "lead_external_id": "crm-1",
         "purchased_at": "2024-03-01T00:00:00Z", "amount": "5"},
        {"external_id": "inv-3", "lead_external_id": "crm-1",
         "purchased_at": "2024-03-12", "amount": 5},
    ]  # fmt: skip
    answer = call(client, spec, "post", "/purchases", "/purchases", headers, bad, 422)
    assert answer["errors"] == [
        {"index": 0, "field": "lead_external_id",
         "message": "no lead has this external id; import the leads first"},
        {"index": 1, "field": "amount", "message": "must be a JSON number"},
        {"index": 2, "field": "external_id",
         "message": "this external id already appears in item 0"},
    ]  # fmt: skip
    assert count(db, Purchase) == 2


@pytest.mark.parametrize(
    ("method", "template", "url", "body"),
    [
        ("post", "/channels", "/channels", {"name": "X", "kind": "sem"}),
        ("patch", "/channels/{channel_id}", "/channels/1", {"notes": "x"}),
        ("put", "/channels/{channel_id}/spend", "/channels/1/spend", []),
        ("post", "/leads", "/leads", []),
        ("post", "/purchases", "/purchases", []),
    ],
)
def test_viewer_tokens_cannot_write(
    client: FlaskClient,
    db: Session,
    viewer: User,
    spec: dict[str, Any],
    method: str,
    template: str,
    url: str,
    body: Any,
) -> None:
    call(client, spec, method, template, url, bearer(db, viewer), body, 403)
    assert count(db, Channel) == 0


def test_batch_bodies_must_be_json_arrays(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str]
) -> None:
    error = call(client, spec, "post", "/leads", "/leads", headers, {"leads": []}, 400)["error"]
    assert error["message"] == "The request body must be a JSON array of items."
    response = client.post("/api/v1/leads", headers=headers, data="[]")
    assert response.status_code == 415
    answer = call(client, spec, "post", "/leads", "/leads", headers, [], 200)
    assert answer == {"created": 0, "updated": 0}


def test_a_database_busy_with_another_write_answers_503_with_retry_after(
    client: FlaskClient, db: Session, spec: dict[str, Any], headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """SQLite gives up after its busy timeout while a long import holds the write lock."""
    from app.api import write_batches

    def locked(*_args: Any, **_kwargs: Any) -> Any:
        raise sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(write_batches, "store_items", locked)
    channel = factories.channel(db)
    body = [{"week": "2024-03-04", "amount": 10}]
    response = client.put(f"/api/v1/channels/{channel.id}/spend", headers=headers, json=body)
    assert response.status_code == 503
    assert_matches_openapi(spec, "put", "/channels/{channel_id}/spend", 503, response.get_json())
    assert response.headers["Retry-After"] == "5"
    error = response.get_json()["error"]
    assert error["code"] == "busy"
    assert error["message"].startswith("The database is busy with another write")
    assert count(db, WeeklySpend) == 0


def test_a_batch_that_waited_too_long_for_the_write_lock_answers_503_not_500(
    client: FlaskClient, db: Session, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """`BEGIN IMMEDIATE` runs on the raw sqlite3 connection, so after the busy timeout it
    raises sqlite3's own OperationalError, not SQLAlchemy's (seen under load: a 500)."""
    from ingest import batches

    def lock_held_elsewhere(_conn: Any) -> None:
        raise sqlite3.OperationalError("database is locked")  # what BEGIN IMMEDIATE raises

    monkeypatch.setattr(batches, "lock_bulk_writes", lock_held_elsewhere)
    channel = factories.channel(db)
    body = [{"external_id": "L-1", "channel_id": channel.id, "created_at": "2024-03-04"}]
    response = client.post("/api/v1/leads", headers=headers, json=body)
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"]["code"] == "busy"
    assert response.headers["Retry-After"] == "5"


def test_a_write_committed_while_a_batch_checks_its_items_does_not_make_it_fail(
    app: Any, client: FlaskClient, db: Session, headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Another connection writes between the batch's checks and its upsert. On SQLite a
    deferred transaction that has read would then fail ("database is locked", 503); the
    batch holds the write lock from its start instead, so that write waits for it."""
    from app.db import get_engine
    from ingest.store import LeadPlan

    channel = factories.channel(db, name="Google Ads")
    other = factories.channel(db, name="Bing Ads")
    with app.app_context():
        engine = get_engine()
    store, writers = LeadPlan.store, []

    def store_after_another_write(self: LeadPlan, conn: Any) -> tuple[int, int]:
        def rename() -> None:
            with engine.begin() as writer:
                writer.execute(sa.update(Channel).where(col(Channel.id) == other.id)
                               .values(name="Microsoft Ads"))  # fmt: skip

        writer = threading.Thread(target=rename)
        writer.start()
        writer.join(timeout=0.5)  # done at once unless the batch holds the write lock
        writers.append(writer)
        return store(self, conn)

    monkeypatch.setattr(LeadPlan, "store", store_after_another_write)
    body = [{"external_id": "L-1", "channel_id": channel.id, "created_at": "2024-03-04"}]
    response = client.post("/api/v1/leads", headers=headers, json=body)
    writers[0].join(timeout=15)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 1, "updated": 0}
    assert not writers[0].is_alive()
    db.expire_all()
    assert [lead.external_id for lead in db.exec(select(Lead))] == ["L-1"]
    assert db.get(Channel, other.id).name == "Microsoft Ads"  # type: ignore[union-attr]
