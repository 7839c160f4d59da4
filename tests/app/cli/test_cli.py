"""`flask db upgrade`, `users create` and `tokens create`."""

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, select

from app.accounts.security import token_digest, verify_password
from app.db import get_engine
from app.models import ApiToken, Settings, User


def test_db_upgrade_is_idempotent(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "up to date" in result.output
    with app.app_context():
        tables = set(sa.inspect(get_engine()).get_table_names())
    assert {"channel", "weekly_spend", "lead", "purchase", "experiment", "user"} <= tables
    assert len(db.exec(select(Settings)).all()) == 1


def test_users_create_reads_password_from_stdin(app: Flask, db: Session) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "Ada@Example.com", "--role", "owner", "--password-stdin"],
        input="s3cret-enough\n",
    )
    assert result.exit_code == 0, result.output
    user = db.exec(select(User).where(User.email == "ada@example.com")).one()
    assert user.role == "owner"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "s3cret-enough")


def test_users_create_refuses_short_password_and_duplicates(app: Flask, db: Session) -> None:
    runner = app.test_cli_runner()
    args = ["users", "create", "b@example.com", "--password-stdin"]
    short = runner.invoke(args=args, input="short\n")
    assert short.exit_code != 0 and "at least 8" in short.output
    assert runner.invoke(args=args, input="long-enough-1\n").exit_code == 0
    again = runner.invoke(args=args, input="long-enough-2\n")
    assert again.exit_code != 0 and "already exists" in again.output
    assert len(db.exec(select(User)).all()) == 1


def test_tokens_create_prints_the_token_last_and_stores_only_its_digest(
    app: Flask, db: Session, editor: User
) -> None:
    result = app.test_cli_runner().invoke(args=["tokens", "create", editor.email, "--name", "ci"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    row = db.exec(select(ApiToken)).one()
    assert row.name == "ci" and row.user_id == editor.id
    assert row.token_hash == token_digest(token) != token
    assert token not in row.token_hash


def test_tokens_create_for_unknown_user_fails(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tokens", "create", "nobody@example.com"])
    assert result.exit_code != 0 and "no user" in result.output
