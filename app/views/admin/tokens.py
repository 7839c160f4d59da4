"""API tokens: each user creates, sees and revokes their own; owners see and revoke all."""

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from sqlmodel import col, select
from werkzeug.wrappers import Response

from app.accounts.users import create_token
from app.db import get_session
from app.models import ApiToken, User
from app.views import render_page_or_partial
from kernel.weeks import utcnow

bp = Blueprint("tokens", __name__, url_prefix="/tokens")

NAME_MAX = 120


def visible_tokens(user: User) -> list[tuple[ApiToken, str]]:
    """Return the tokens `user` may manage (owners: everyone's) with their users' emails."""
    query = select(ApiToken, User.email).join(User, col(User.id) == col(ApiToken.user_id))
    if user.role != "owner":
        query = query.where(col(ApiToken.user_id) == user.id)
    query = query.order_by(col(ApiToken.revoked_at).is_not(None), col(ApiToken.created_at).desc())
    return [(token, email) for token, email in get_session().exec(query)]


def _render(status: int = 200, **context: Any) -> Response:
    context.setdefault("name", "")
    return render_page_or_partial(
        "tokens/index.html",
        "tokens/_tokens.html",
        http_status=status,
        tokens=visible_tokens(g.user),
        **context,
    )


@bp.get("/")
def index() -> Response:
    """List the API tokens the user may manage."""
    return _render()


@bp.post("/")
def create() -> Response:
    """Create a named token for the signed-in user and show its text this once."""
    name = " ".join(request.form.get("name", "").split())
    if not name or len(name) > NAME_MAX:
        error = f"Give the token a name of 1 to {NAME_MAX} characters."
        return _render(422, name=name, error=error)
    session = get_session()
    row, token = create_token(session, user=g.user, name=name)
    session.commit()
    return _render(201, created=row, token=token)


@bp.post("/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    """Revoke a token: the user's own, or anyone's for an owner."""
    session = get_session()
    token = session.get(ApiToken, token_id)
    if token is None:
        abort(404, description=f"There is no API token #{token_id}.")
    if token.user_id != g.user.id and g.user.role != "owner":
        abort(403, description="You can only revoke your own API tokens.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        session.commit()
    flash(f"Revoked the token “{token.name}” ({token.prefix}…).", "ok")
    return redirect(url_for(".index"))
