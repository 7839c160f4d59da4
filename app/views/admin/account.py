"""My account (password, sign out everywhere), one-time reset links and the users page."""

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from sqlmodel import col, select
from werkzeug.wrappers import Response

from app.accounts import access
from app.accounts.security import verify_password
from app.accounts.users import (
    UserError,
    change_password,
    create_user,
    delete_user,
    set_active,
    set_role,
)
from app.auth import sign_in
from app.db import get_session
from app.models import ROLES, User
from kernel.weeks import utcnow

bp = Blueprint("account", __name__)

RESET_LIFETIME = timedelta(hours=24)


@bp.get("/account")
def show() -> str:
    """The signed-in user's own page."""
    return render_template("account/show.html")


@bp.post("/account/password")
def password() -> Any:
    """Change one's password (current password required); other sessions end."""
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    errors: dict[str, str] = {}
    if not verify_password(g.user.password_hash, current):
        errors["current_password"] = "The current password is not right."
    elif new != request.form.get("confirm_password", ""):
        errors["confirm_password"] = "The two new passwords differ."
    else:
        try:
            change_password(get_session(), g.user, new, keep_session=cookie.get("sid"))
        except UserError as exc:
            errors["new_password"] = str(exc).capitalize() + "."
    if errors:
        get_session().rollback()
        return render_template("account/show.html", errors=errors), 422
    get_session().commit()
    flash("Password changed. Every other session has been signed out.", "ok")
    return redirect(url_for("account.show"))


@bp.post("/account/sign-out-everywhere")
def sign_out_everywhere() -> Response:
    """End every session of the signed-in user, this one included."""
    db = get_session()
    access.end_all_sessions(db, g.user.id)
    db.commit()
    cookie.clear()
    flash("Signed out everywhere.", "ok")
    return redirect(url_for("auth.login"))


@bp.route("/reset/<secret>", methods=["GET", "POST"])
def reset(secret: str) -> Any:
    """Set a new password through a one-time link an owner handed out."""
    db = get_session()
    target = access.reset_target(db, secret)
    if target is None:
        return render_template("account/reset.html", invalid=True), 404
    link, user = target
    if request.method == "GET":
        return render_template("account/reset.html", email=user.email)
    new = request.form.get("new_password", "")
    error = None
    if new != request.form.get("confirm_password", ""):
        error = "The two passwords differ."
    else:
        try:
            change_password(db, user, new)
        except UserError as exc:
            error = str(exc).capitalize() + "."
    if error:
        db.rollback()
        return render_template("account/reset.html", email=user.email, error=error), 422
    link.used_at = utcnow()
    db.add(link)
    db.commit()
    sign_in(user)
    flash("Password set. You are signed in.", "ok")
    return redirect(url_for("dashboard.index"))


def _owner_only() -> None:
    if g.user is None or g.user.role != "owner":
        abort(403, description="Only owners manage users.")


def _users_page(status: int = 200, **context: Any) -> Any:
    users = get_session().exec(select(User).order_by(col(User.email))).all()
    context.setdefault("form", {})
    return render_template("account/users.html", users=users, roles=ROLES, **context), status


@bp.get("/users")
def users() -> Any:
    """Owners: everyone who can sign in, with their role and state."""
    _owner_only()
    return _users_page()


def _reset_link(user: User) -> str:
    assert user.id is not None
    secret = access.new_reset_link(get_session(), user.id, RESET_LIFETIME)
    return url_for("account.reset", secret=secret, _external=True)


@bp.post("/users")
def create() -> Any:
    """Create a user with a role; without a password, hand out a one-time link instead."""
    _owner_only()
    form = {k: request.form.get(k, "").strip() for k in ("email", "role")}
    password = request.form.get("password", "")
    db = get_session()
    try:
        user = create_user(db, email=form["email"], role=form["role"],
                           password=password or access.unusable_password())
    except UserError as exc:
        db.rollback()
        return _users_page(422, form=form, error=str(exc).capitalize() + ".")
    link = None if password else _reset_link(user)
    db.commit()
    return _users_page(201, created=user.email, link=link)


def _target(user_id: int) -> User:
    _owner_only()
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _apply(user: User, change: Any, done: str) -> Any:
    db = get_session()
    try:
        change()
    except UserError as exc:
        db.rollback()
        return _users_page(409, error=str(exc).capitalize() + ".")
    db.commit()
    flash(done, "ok")
    return redirect(url_for("account.users"))


@bp.post("/users/<int:user_id>/role")
def role(user_id: int) -> Any:
    """Change a user's role (never leaving the install without an active owner)."""
    user = _target(user_id)
    new = request.form.get("role", "")
    return _apply(user, lambda: set_role(get_session(), user, new),
                  f"{user.email} is now {new}.")


@bp.post("/users/<int:user_id>/active")
def active(user_id: int) -> Any:
    """Deactivate (ending their sessions and tokens' use) or reactivate a user."""
    user = _target(user_id)
    on = request.form.get("active") == "1"
    return _apply(user, lambda: set_active(get_session(), user, on),
                  f"{user.email} is {'active' if on else 'deactivated'}.")


@bp.post("/users/<int:user_id>/delete")
def delete(user_id: int) -> Any:
    """Delete a user."""
    user = _target(user_id)
    email = user.email
    return _apply(user, lambda: delete_user(get_session(), user), f"{email} was deleted.")


@bp.post("/users/<int:user_id>/reset")
def reset_link(user_id: int) -> Any:
    """Make a one-time password link for a user (shown to the owner to hand over)."""
    user = _target(user_id)
    link = _reset_link(user)
    get_session().commit()
    lifetime = round(RESET_LIFETIME.total_seconds() / 3600)
    return _users_page(reset_for=user.email, link=link, link_hours=lifetime)

