"""Configuration from the environment (12-factor), with safe zero-config defaults."""

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the environment, else a key persisted under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment() -> dict[str, Any]:
    """Return the app configuration read from environment variables."""
    instance = Path(os.environ.get("BULLSEYE_INSTANCE", ROOT / "instance"))
    default_db = f"sqlite:///{instance / 'bullseye.db'}"
    return {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        "SQL_ECHO": os.environ.get("SQL_ECHO") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_ATTEMPTS": int(os.environ.get("LOGIN_ATTEMPTS", "10")),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("LOGIN_WINDOW_SECONDS", "900")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
        "FIT_POLL_SECONDS": float(os.environ.get("FIT_POLL_SECONDS", "2")),
        "FIT_LEASE_SECONDS": int(os.environ.get("FIT_LEASE_SECONDS", "300")),
        "FIT_RETRY_SECONDS": int(os.environ.get("FIT_RETRY_SECONDS", "60")),
        "FIT_KEEP_SECONDS": int(os.environ.get("FIT_KEEP_SECONDS", "3600")),
        "FIT_MIN_INTERVAL_SECONDS": int(os.environ.get("FIT_MIN_INTERVAL_SECONDS", "30")),
    }
