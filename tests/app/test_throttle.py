"""Sign-in throttling per account and per address, kept in the database (issue 20)."""

import statistics
import time

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app import create_app
from app.models import LoginFailure, User
from tests import factories


def _try(client: FlaskClient, email: str, password: str = "wrong", address: str = "10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_password_spraying_across_30_emails_from_one_address_is_paused(
    app: Flask, owner: User
) -> None:
    client = app.test_client()
    statuses = [_try(client, f"person{i}@example.com").status_code for i in range(30)]
    limit = app.config["LOGIN_ADDRESS_ATTEMPTS"]
    assert limit < 30
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}
    # Even the right password of a real account is refused from that address for now...
    assert _try(client, owner.email, factories.PASSWORD).status_code == 429
    # ...but the account itself is not locked for everyone else.
    assert _try(client, owner.email, factories.PASSWORD, "10.0.0.2").status_code == 302


def test_one_account_attacked_from_three_addresses_is_paused(app: Flask, owner: User) -> None:
    client = app.test_client()
    limit = app.config["LOGIN_ATTEMPTS"]
    addresses = ["10.0.1.1", "10.0.1.2", "10.0.1.3"]
    for i in range(limit):
        assert _try(client, owner.email, address=addresses[i % 3]).status_code == 401
    assert _try(client, owner.email, factories.PASSWORD, "10.0.1.4").status_code == 429


def test_a_pause_survives_a_restart(app: Flask, owner: User, database_url: str) -> None:
    client = app.test_client()
    for _ in range(app.config["LOGIN_ATTEMPTS"]):
        _try(client, owner.email)
    restarted = create_app({"TESTING": True, "DATABASE_URL": database_url,
                            "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-secret"})
    assert _try(restarted.test_client(), owner.email, factories.PASSWORD).status_code == 429


def test_a_success_clears_the_account_failures(app: Flask, owner: User) -> None:
    client = app.test_client()
    limit = app.config["LOGIN_ATTEMPTS"]
    for _ in range(limit - 1):
        _try(client, owner.email, address="10.0.2.1")
    assert _try(client, owner.email, factories.PASSWORD, "10.0.2.1").status_code == 302
    for _ in range(limit - 1):
        assert _try(app.test_client(), owner.email, address="10.0.2.2").status_code == 401


def test_known_and_unknown_emails_take_the_same_time(app: Flask, db: Session) -> None:
    """Median of 20 tries each, interleaved, within 20 %: the form is no account oracle."""
    user = factories.user(db, role="viewer")
    client = app.test_client()
    known: list[float] = []
    unknown: list[float] = []
    for i in range(20):
        for email, into in ((user.email, known), (f"nobody{i}@example.com", unknown)):
            started = time.perf_counter()
            assert _try(client, email, address=f"10.1.{i}.{len(into)}").status_code == 401
            into.append(time.perf_counter() - started)
        if i % 5 == 4:  # stay under the per-account pause
            db.exec(sa.delete(LoginFailure))
            db.commit()
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.8 <= ratio <= 1.25, (statistics.median(known), statistics.median(unknown))
