"""Sign-in, sign-out and the access rules every UI request passes through.

Rules are enforced in one `before_request` hook rather than per view, so a new view
cannot forget them: anonymous users are sent to sign in, and viewers may not use any
method that changes data (403) except signing out.
"""

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlmodel import select
from werkzeug.wrappers import Response

from app.db import get_session
from app.models import User
from app.security import LoginLimiter, verify_password
from kernel.weeks import utcnow

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "static"}
VIEWER_WRITABLE_ENDPOINTS = {"auth.logout", "tokens.create", "tokens.revoke"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Pages that are nothing but a form to change data: a viewer is refused them even on GET.
EDIT_FORM_ENDPOINTS = {"channels.new", "channels.edit"}


def _load_user() -> None:
    user_id = session.get("user_id")
    g.user = get_session().get(User, user_id) if user_id is not None else None


def _enforce_access() -> Response | None:
    endpoint = request.endpoint or ""
    if request.path.startswith("/api/") or endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.user is None:
        if request.method in SAFE_METHODS and not request.headers.get("HX-Request"):
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if (
        (request.method not in SAFE_METHODS or endpoint in EDIT_FORM_ENDPOINTS)
        and not g.user.can_edit
        and endpoint not in VIEWER_WRITABLE_ENDPOINTS
    ):
        abort(403, description="Viewers can look at everything but cannot change data.")
    return None


def init_app(app: Flask) -> None:
    """Install the user loader, the access rules and the login rate limiter on `app`."""
    app.extensions["login_limiter"] = LoginLimiter(
        app.config["LOGIN_ATTEMPTS"], app.config["LOGIN_WINDOW_SECONDS"]
    )
    app.before_request(_load_user)
    app.before_request(_enforce_access)


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the dashboard."""
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the sign-in form; sign the user in on valid credentials."""
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip().lower()
    password = request.form.get("password", "")
    limiter: LoginLimiter = current_app.extensions["login_limiter"]
    key = f"{request.remote_addr}|{email}"
    if limiter.blocked(key):
        flash("Too many failed sign-ins. Wait 15 minutes and try again.", "error")
        return render_template("auth/login.html", email=email, next=""), 429
    db = get_session()
    user = db.exec(select(User).where(User.email == email)).first()
    if user is None or not verify_password(user.password_hash, password):
        limiter.fail(key)
        flash("Wrong email or password.", "error")
        return render_template("auth/login.html", email=email, next=request.form.get("next")), 401
    limiter.reset(key)
    user.last_login_at = utcnow()
    db.add(user)
    db.commit()
    session.clear()
    session["user_id"] = user.id
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign the user out."""
    session.clear()
    return redirect(url_for("auth.login"))
