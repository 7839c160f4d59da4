"""`users list`, `users set-role`, `users deactivate` and `users reset-password` (issue 20)."""

import re

from flask import Flask
from sqlmodel import Session, select

from app.models import User
from tests import factories


def _user(db: Session, email: str) -> User:
    db.expire_all()
    return db.exec(select(User).where(User.email == email)).one()


def test_list_set_role_and_deactivate(app: Flask, db: Session) -> None:
    owner = factories.user(db, role="owner", email="boss@example.com")
    factories.user(db, role="viewer", email="val@example.com")
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["users", "list"])
    assert listed.output.splitlines() == ["boss@example.com\towner\tactive",
                                          "val@example.com\tviewer\tactive"]
    assert runner.invoke(args=["users", "set-role", "VAL@example.com", "editor"]).exit_code == 0
    assert _user(db, "val@example.com").role == "editor"
    last = runner.invoke(args=["users", "set-role", owner.email, "viewer"])
    assert last.exit_code == 1 and "last active owner" in last.output
    assert runner.invoke(args=["users", "deactivate", "val@example.com"]).exit_code == 0
    assert not _user(db, "val@example.com").active
    again = runner.invoke(args=["users", "deactivate", "val@example.com", "--reactivate"])
    assert again.exit_code == 0 and _user(db, "val@example.com").active
    unknown = runner.invoke(args=["users", "deactivate", "who@example.com"])
    assert unknown.exit_code == 1 and "no user who@example.com" in unknown.output


def test_reset_password_by_link_or_stdin(app: Flask, db: Session) -> None:
    factories.user(db, role="editor", email="ed@example.com")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-password", "ed@example.com"])
    assert result.exit_code == 0
    link = re.search(r"https?://[^/]+(/reset/\S+)$", result.output.strip())
    assert link is not None
    client = app.test_client()
    assert client.get(link.group(1)).status_code == 200
    direct = runner.invoke(args=["users", "reset-password", "ed@example.com",
                                 "--password-stdin"], input="another secret\n")
    assert direct.exit_code == 0
    signed = client.post("/login", data={"email": "ed@example.com",
                                         "password": "another secret"})
    assert signed.status_code == 302
