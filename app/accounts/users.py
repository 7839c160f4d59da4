"""Creating users and API tokens (shared by the CLI, the UI and tests)."""

from sqlmodel import Session, col, select

from app.accounts import access
from app.accounts.security import hash_password, new_api_token, token_digest
from app.models import ROLES, ApiToken, User


class UserError(ValueError):
    """A user or token request that cannot be carried out."""


def create_user(session: Session, *, email: str, password: str, role: str) -> User:
    """Create a user with an argon2 password hash; raise UserError on bad input."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    check_password_policy(email, password)
    if session.exec(select(User).where(User.email == email)).first():
        raise UserError(f"a user {email} already exists")
    user = User(email=email, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def create_token(session: Session, *, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token for `user`; return the row and the token text (shown once)."""
    token = new_api_token()
    assert user.id is not None
    row = ApiToken(user_id=user.id, name=name, token_hash=token_digest(token), prefix=token[:12])
    session.add(row)
    session.flush()
    return row, token


PASSWORD_MIN = 8
PASSWORD_MAX = 1024


def check_password_policy(user_email: str, password: str) -> None:
    """Raise UserError unless `password` is 8–1024 characters and not the email address."""
    if len(password) < PASSWORD_MIN:
        raise UserError(f"password must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise UserError(f"password must be at most {PASSWORD_MAX} characters")
    if password.strip().lower() == user_email.strip().lower():
        raise UserError("password must not be the email address")


def _other_active_owners(session: Session, user: User) -> int:
    return len(session.exec(
        select(User.id).where(User.role == "owner", col(User.active).is_(True), User.id != user.id)
    ).all())


def _keep_an_owner(session: Session, user: User, what: str) -> None:
    if user.role == "owner" and user.active and _other_active_owners(session, user) == 0:
        raise UserError(f"{user.email} is the last active owner and cannot be {what}")


def set_role(session: Session, user: User, role: str) -> None:
    """Change a user's role; the last active owner keeps theirs."""
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if role != "owner":
        _keep_an_owner(session, user, "demoted")
    user.role = role
    session.add(user)


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate a user; never the last owner."""
    if not active:
        _keep_an_owner(session, user, "deactivated")
        assert user.id is not None
        access.end_all_sessions(session, user.id)
    user.active = active
    session.add(user)


def delete_user(session: Session, user: User) -> None:
    """Delete a user (their sessions and tokens go with them); never the last owner."""
    _keep_an_owner(session, user, "deleted")
    session.delete(user)


def change_password(session: Session, user: User, new_password: str,
                    keep_session: str | None = None) -> None:
    """Set a new password and end every other session of the user."""
    check_password_policy(user.email, new_password)
    user.password_hash = hash_password(new_password)
    session.add(user)
    assert user.id is not None
    access.end_all_sessions(session, user.id, keep=keep_session)
