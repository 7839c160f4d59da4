"""GET /api/v1/channels and /api/v1/channels/{id}: content, order, filters."""

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from app.api.channels import ice_score
from app.models import Channel, User
from tests import factories
from tests.api_support import bearer

CREATED = datetime(2024, 3, 4, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
def channels(db: Session) -> dict[str, Channel]:
    """Three channels whose names sort differently by byte and by case-insensitive order."""
    return {
        "seo": factories.channel(
            db, name="blog posts", kind="seo", ring="outer", status="idea", created_at=CREATED
        ),
        "ads": factories.channel(
            db,
            name="Google Ads — long tail",
            kind="sem",
            ring="inner",
            status="focus",
            launch_days=3,
            ice_impact=7,
            ice_confidence=8,
            ice_ease=8,
            notes="Exact-match keywords only.",
            created_at=CREATED,
        ),
        "talks": factories.channel(
            db,
            name="Conference talks",
            kind="speaking_engagements",
            ring="middle",
            status="testing",
            ice_impact=5,
            ice_ease=5,
            created_at=CREATED,
        ),
    }


@pytest.fixture
def api(client: FlaskClient, db: Session, viewer: User) -> FlaskClient:
    """Return a client that sends a viewer's token with every request."""
    client.environ_base["HTTP_AUTHORIZATION"] = bearer(db, viewer)["Authorization"]
    return client


def _names(response_json: dict[str, Any]) -> list[str]:
    return [c["name"] for c in response_json["channels"]]


def test_list_shows_every_field_ordered_by_name(
    api: FlaskClient, channels: dict[str, Channel]
) -> None:
    response = api.get("/api/v1/channels")
    assert response.status_code == 200
    body = response.get_json()
    assert _names(body) == ["blog posts", "Conference talks", "Google Ads — long tail"]
    assert body["channels"][0] == {
        "id": channels["seo"].id,
        "name": "blog posts",
        "kind": "seo",
        "kind_label": "Search engine optimization",
        "ring": "outer",
        "status": "idea",
        "launch_days": None,
        "ice_impact": None,
        "ice_confidence": None,
        "ice_ease": None,
        "ice_score": None,
        "notes": "",
        "created_at": "2024-03-04T09:30:15+00:00",
    }
    assert body["channels"][2] == {
        "id": channels["ads"].id,
        "name": "Google Ads — long tail",
        "kind": "sem",
        "kind_label": "Search engine marketing",
        "ring": "inner",
        "status": "focus",
        "launch_days": 3,
        "ice_impact": 7,
        "ice_confidence": 8,
        "ice_ease": 8,
        "ice_score": 7.67,
        "notes": "Exact-match keywords only.",
        "created_at": "2024-03-04T09:30:15+00:00",
    }
    talks = body["channels"][1]
    assert (talks["kind_label"], talks["ice_confidence"], talks["ice_score"]) == (
        "Speaking engagements",
        None,
        None,
    )


def test_empty_list(api: FlaskClient) -> None:
    assert api.get("/api/v1/channels").get_json() == {"channels": []}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("ring=inner", ["Google Ads — long tail"]),
        ("status=testing&status=idea", ["blog posts", "Conference talks"]),
        ("kind=speaking_engagements", ["Conference talks"]),
        ("ring=outer&kind=sem", []),
        ("ring=middle&ring=inner&status=focus", ["Google Ads — long tail"]),
    ],
)
def test_filters(
    api: FlaskClient, channels: dict[str, Channel], query: str, names: list[str]
) -> None:
    response = api.get(f"/api/v1/channels?{query}")
    assert response.status_code == 200
    assert _names(response.get_json()) == names


@pytest.mark.parametrize(
    ("query", "message", "details"),
    [
        (
            "ring=center",
            "Query parameter 'ring' must be one of inner, middle, outer; got 'center'.",
            {"parameter": "ring", "value": "center", "allowed": ["inner", "middle", "outer"]},
        ),
        (
            "ring=inner&status=",
            "Query parameter 'status' must be one of idea, testing, focus, paused, burned_out, "
            "dropped; got ''.",
            {
                "parameter": "status",
                "value": "",
                "allowed": ["idea", "testing", "focus", "paused", "burned_out", "dropped"],
            },
        ),
        (
            "rng=inner",
            "Unknown query parameter 'rng'; use one of kind, ring, status.",
            {"parameter": "rng", "allowed_parameters": ["kind", "ring", "status"]},
        ),
    ],
)
def test_bad_filter_is_400_naming_the_parameter(
    api: FlaskClient, query: str, message: str, details: dict[str, Any]
) -> None:
    response = api.get(f"/api/v1/channels?{query}")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {"code": "bad_request", "message": message, "details": details}
    }


def test_bad_kind_names_kind(api: FlaskClient) -> None:
    response = api.get("/api/v1/channels?kind=tiktok")
    assert response.status_code == 400
    assert response.get_json()["error"]["details"]["parameter"] == "kind"
    assert "'kind' must be one of viral, pr," in response.get_json()["error"]["message"]


def test_one_channel(api: FlaskClient, channels: dict[str, Channel]) -> None:
    talks = channels["talks"]
    response = api.get(f"/api/v1/channels/{talks.id}")
    assert response.status_code == 200
    assert response.get_json() == {
        "channel": {
            "id": talks.id,
            "name": "Conference talks",
            "kind": "speaking_engagements",
            "kind_label": "Speaking engagements",
            "ring": "middle",
            "status": "testing",
            "launch_days": None,
            "ice_impact": 5,
            "ice_confidence": None,
            "ice_ease": 5,
            "ice_score": None,
            "notes": "",
            "created_at": "2024-03-04T09:30:15+00:00",
        }
    }


def test_one_channel_needs_a_token(client: FlaskClient, channels: dict[str, Channel]) -> None:
    response = client.get(f"/api/v1/channels/{channels['ads'].id}")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((7, 8, 8), 7.67),
        ((10, 10, 10), 10.0),
        ((1, 1, 2), 1.33),
        ((0, 0, 0), 0.0),
        ((5, None, 5), None),
        ((None, None, None), None),
    ],
)
def test_ice_score(scores: tuple[int | None, int | None, int | None], expected: float) -> None:
    assert ice_score(*scores) == expected
