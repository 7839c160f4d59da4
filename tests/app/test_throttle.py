"""Sign-in throttling per account and per address, kept in the database (issue 20)."""

import re

import argon2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session

from app import config, create_app
from app.accounts import security
from app.models import User
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


def test_known_and_unknown_emails_cost_the_same_verification(
    app: Flask, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form is no account oracle: a wrong password for a real account and any password
    for an unknown email each run exactly one argon2 verification, with the same cost
    parameters. (Counted, not timed: wall-clock ratios flake on a loaded machine.)"""
    user = factories.user(db, role="viewer")
    verified: list[argon2.Parameters] = []
    real = security._hasher

    class Recording:
        def verify(self, password_hash: str, password: str) -> bool:
            verified.append(argon2.extract_parameters(password_hash))
            return real.verify(password_hash, password)

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

    monkeypatch.setattr(security, "_hasher", Recording())
    client = app.test_client()
    assert _try(client, user.email, address="10.1.0.1").status_code == 401
    assert _try(client, "nobody@example.com", address="10.1.0.2").status_code == 401
    assert len(verified) == 2
    assert verified[0] == verified[1] == argon2.extract_parameters(user.password_hash)


def _behind_proxy(database_url: str, hops: int) -> Flask:
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                       "SECRET_KEY": "test-secret", "PROXY_HOPS": hops})  # fmt: skip


def _via_proxy(client: FlaskClient, email: str, forwarded_for: str, password: str = "wrong"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": "10.9.9.9"},
                       headers={"X-Forwarded-For": forwarded_for})  # fmt: skip


def test_behind_a_proxy_each_client_address_is_throttled_on_its_own(
    app: Flask, owner: User, database_url: str
) -> None:
    """PROXY_HOPS=1: every request comes from the proxy (10.9.9.9); the client is the last
    X-Forwarded-For entry, so one client spraying emails does not pause the others."""
    client = _behind_proxy(database_url, 1).test_client()
    limit = app.config["LOGIN_ADDRESS_ATTEMPTS"]
    sprayer = "spoofed.example, 203.0.113.7"  # the proxy appends the real client last
    statuses = [_via_proxy(client, f"p{i}@example.com", sprayer).status_code
                for i in range(limit + 2)]  # fmt: skip
    assert statuses == [401] * limit + [429, 429]
    # Another client behind the same proxy signs in normally.
    assert _via_proxy(client, owner.email, "198.51.100.4", factories.PASSWORD).status_code == 302
    # A forged first entry does not help the sprayer: only the entry the proxy added counts.
    assert _via_proxy(client, "p-late@example.com", "198.51.100.4, 203.0.113.7").status_code == 429


def test_without_proxies_forwarded_headers_are_ignored(
    app: Flask, owner: User, database_url: str
) -> None:
    """PROXY_HOPS=0 (default): a client that varies X-Forwarded-For is still one address."""
    client = _behind_proxy(database_url, 0).test_client()
    limit = app.config["LOGIN_ADDRESS_ATTEMPTS"]
    statuses = [_via_proxy(client, f"q{i}@example.com", f"203.0.113.{i}").status_code
                for i in range(limit + 1)]  # fmt: skip
    assert statuses == [401] * limit + [429]


def test_proxy_hops_must_be_a_small_whole_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROXY_HOPS", "2")
    assert config.from_environment()["PROXY_HOPS"] == 2
    for bad in ("-1", "one", "6"):
        monkeypatch.setenv("PROXY_HOPS", bad)
        message = f"PROXY_HOPS must be a whole number of proxies 0-5, not {bad!r}"
        with pytest.raises(ValueError, match=re.escape(message)):
            config.from_environment()
