"""Creating users and API tokens (shared by the CLI, the UI and tests)."""

from sqlmodel import Session, select

from app.models import ROLES, ApiToken, User
from app.security import hash_password, new_api_token, token_digest


class UserError(ValueError):
    """A user or token request that cannot be carried out."""


def create_user(session: Session, *, email: str, password: str, role: str) -> User:
    """Create a user with an argon2 password hash; raise UserError on bad input."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise UserError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise UserError("password must be at least 8 characters")
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
