"""Sign-in, sign-out and the access rules every UI request passes through.

Rules are enforced in one `before_request` hook rather than per view, so a new view
cannot forget them: anonymous users are sent to sign in, and viewers may not use any
method that changes data (403) except signing out.
"""

from datetime import timedelta
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

from app.accounts import access
from app.accounts.security import verify_password, verify_unknown_user
from app.db import get_session
from app.models import User
from kernel.weeks import utcnow

bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = {"auth.login", "account.reset", "static"}
VIEWER_WRITABLE_ENDPOINTS = {
    "auth.logout",
    "tokens.create",
    "tokens.revoke",
    "account.password",
    "account.sign_out_everywhere",
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Pages that are nothing but a form to change data: a viewer is refused them even on GET.
EDIT_FORM_ENDPOINTS = {"channels.new", "channels.edit"}


def _load_user() -> None:
    secret = session.get("sid")
    g.user = access.session_user(get_session(), secret) if secret else None
    if secret and g.user is None:
        session.clear()  # a revoked or expired session's cookie is dropped


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
    """Install the user loader, the access rules and the sign-in throttle on `app`."""
    app.extensions["login_throttle"] = access.Throttle(
        per_account=app.config["LOGIN_ATTEMPTS"],
        per_address=app.config["LOGIN_ADDRESS_ATTEMPTS"],
        window=timedelta(seconds=app.config["LOGIN_WINDOW_SECONDS"]),
    )
    app.before_request(_load_user)
    app.before_request(_enforce_access)


def _safe_next(target: str | None) -> str:
    """Return `target` if it is a path on this site, else the dashboard."""
    if target and target.startswith("/") and not urlsplit(target).netloc and "//" not in target:
        return target
    return url_for("dashboard.index")


def sign_in(user: User) -> None:
    """Start a fresh server-side session for `user` in this browser."""
    db = get_session()
    secret = access.start_session(db, user, current_app.permanent_session_lifetime)
    user.last_login_at = utcnow()
    db.add(user)
    db.commit()
    session.clear()
    session["sid"] = secret
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Show the sign-in form; sign the user in on valid credentials."""
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip().lower()[:254]
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    throttle: access.Throttle = current_app.extensions["login_throttle"]
    db = get_session()
    if throttle.paused(db, email=email, address=address):
        minutes = max(1, round(throttle.window.total_seconds() / 60))
        flash(f"Too many failed sign-ins. Wait {minutes} minutes and try again.", "error")
        return render_template("auth/login.html", email=email, next=""), 429
    user = db.exec(select(User).where(User.email == email)).first()
    if user is None:
        ok = verify_unknown_user(password)  # same cost as a real check: no account oracle
    else:
        ok = verify_password(user.password_hash, password) and user.active
    if not ok or user is None:
        throttle.fail(db, email=email, address=address)
        db.commit()
        flash("Wrong email or password.", "error")
        return render_template("auth/login.html", email=email, next=request.form.get("next")), 401
    throttle.succeed(db, email=email)
    sign_in(user)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    """Sign the user out: the session ends on the server, so no saved cookie outlives it."""
    db = get_session()
    access.end_session(db, session.get("sid"))
    db.commit()
    session.clear()
    return redirect(url_for("auth.login"))
