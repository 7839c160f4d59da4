"""Configuration from the environment (12-factor), with safe zero-config defaults."""

import os
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kernel.weeks import DAYS_AHEAD, EARLIEST_DATE

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


def _count(name: str, default: int) -> int:
    """Return a whole-number limit ≥ 1 from the environment; a clear error names a bad one."""
    text = os.environ.get(name, str(default)).strip()
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def _earliest_date() -> date:
    """Return DATES_EARLIEST (YYYY-MM-DD; default 2000-01-01), refusing other text."""
    text = os.environ.get("DATES_EARLIEST", "").strip()
    try:
        return date.fromisoformat(text) if text else EARLIEST_DATE
    except ValueError:
        raise ValueError(f"DATES_EARLIEST must be a date like 2000-01-01, not {text!r}") from None


def _days_ahead() -> int:
    """Return DATES_DAYS_AHEAD (0 to 3660 days after today; default 366)."""
    text = os.environ.get("DATES_DAYS_AHEAD", "").strip()
    if not text:
        return DAYS_AHEAD
    if not text.isdigit() or int(text) > 3660:
        raise ValueError(f"DATES_DAYS_AHEAD must be a whole number of days 0-3660, not {text!r}")
    return int(text)


def _proxy_hops() -> int:
    """Return PROXY_HOPS: how many reverse proxies in front of the app set X-Forwarded-*
    (0 to 5; default 0, the headers are then ignored, since any client can send them)."""
    text = os.environ.get("PROXY_HOPS", "").strip()
    if not text:
        return 0
    if not text.isdigit() or int(text) > 5:
        raise ValueError(f"PROXY_HOPS must be a whole number of proxies 0-5, not {text!r}")
    return int(text)


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
        "LOGIN_ADDRESS_ATTEMPTS": int(os.environ.get("LOGIN_ADDRESS_ATTEMPTS", "20")),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=float(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
        ),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("LOGIN_WINDOW_SECONDS", "900")),
        "BASE_URL": os.environ.get("BASE_URL", "http://127.0.0.1:8000"),
        "PROXY_HOPS": _proxy_hops(),
        # Segment insights' bounds (issue 12): see experiments.segments.limits.
        "SEGMENT_TOP_VALUES": _count("SEGMENT_TOP_VALUES", 20),
        "SEGMENT_MAX_VALUES": _count("SEGMENT_MAX_VALUES", 1000),
        "SEGMENT_MAX_ATTRIBUTES": _count("SEGMENT_MAX_ATTRIBUTES", 25),
        "SEGMENT_EXACT_MAX_TABLE": _count("SEGMENT_EXACT_MAX_TABLE", 2500),
        "SEGMENT_EXACT_BUDGET": _count("SEGMENT_EXACT_BUDGET", 20000),
        "DATES_EARLIEST": _earliest_date(),
        "DATES_DAYS_AHEAD": _days_ahead(),
        # Bounded input: request bodies (uploads have their own, larger limit) and CSV width.
        "MAX_CONTENT_LENGTH": _size("MAX_CONTENT_LENGTH", 16 * MIB),
        "MAX_UPLOAD_BYTES": _size("MAX_UPLOAD_BYTES", 512 * MIB),
        "CSV_MAX_COLUMNS": _count("CSV_MAX_COLUMNS", 200),
        "FIT_POLL_SECONDS": float(os.environ.get("FIT_POLL_SECONDS", "2")),
        "FIT_LEASE_SECONDS": int(os.environ.get("FIT_LEASE_SECONDS", "300")),
        "FIT_RETRY_SECONDS": int(os.environ.get("FIT_RETRY_SECONDS", "60")),
        "FIT_KEEP_SECONDS": int(os.environ.get("FIT_KEEP_SECONDS", "3600")),
        "FIT_MIN_INTERVAL_SECONDS": int(os.environ.get("FIT_MIN_INTERVAL_SECONDS", "30")),
        "POOLED_STALE": os.environ.get("POOLED_STALE", "1") != "0",
        "POOLED_REFRESH_SECONDS": float(os.environ.get("POOLED_REFRESH_SECONDS", "5")),
        **_digest_environment(),
    }


def _digest_environment() -> dict[str, Any]:
    """Return the weekly email's SMTP, recipients and scheduler settings (README "Weekly
    email")."""
    env = os.environ.get
    return {
        "SMTP_HOST": env("SMTP_HOST", ""),
        "SMTP_PORT": int(env("SMTP_PORT") or 0) or None,
        "SMTP_USERNAME": env("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": env("SMTP_PASSWORD", ""),
        "SMTP_SECURITY": env("SMTP_SECURITY", "none"),
        "SMTP_CA_FILE": env("SMTP_CA_FILE", ""),
        "SMTP_TIMEOUT": float(env("SMTP_TIMEOUT", "30")),
        "MAIL_FROM": env("MAIL_FROM", "bullseye@localhost"),
        "DIGEST_RECIPIENTS": env("DIGEST_RECIPIENTS", ""),
        "DIGEST_CATCH_UP_DAYS": float(env("DIGEST_CATCH_UP_DAYS", "3")),
        "DIGEST_LEASE_SECONDS": int(env("DIGEST_LEASE_SECONDS", "900")),
        "DIGEST_SMTP_ATTEMPTS": _count("DIGEST_SMTP_ATTEMPTS", 4),
        "DIGEST_RETRY_SECONDS": float(env("DIGEST_RETRY_SECONDS", "30")),
        "DIGEST_SCHEDULE_POLL_SECONDS": float(env("DIGEST_SCHEDULE_POLL_SECONDS", "60")),
        "BULLSEYE_SCHEDULER": env("BULLSEYE_SCHEDULER", "embedded"),
    }


MIB = 1 << 20


def _size(name: str, default: int) -> int:
    """Return a byte count from the environment: plain bytes, or with a K, M or G suffix."""
    text = os.environ.get(name, "").strip().upper().removesuffix("B")
    if not text:
        return default
    scale = {"K": 1 << 10, "M": MIB, "G": 1 << 30}.get(text[-1:], 1)
    return int(text.rstrip("KMG")) * scale
