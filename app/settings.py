"""Read and create the single settings row."""

from flask import g
from sqlmodel import Session

from app.db import get_session
from app.models import Settings


def ensure_settings(session: Session) -> Settings:
    """Return the settings row, creating it with defaults when missing."""
    settings = session.get(Settings, 1)
    if settings is None:
        settings = Settings(id=1)
        session.add(settings)
        session.flush()
    return settings


def load_settings() -> Settings:
    """Return this request's settings (read once per request)."""
    if "settings" not in g:
        g.settings = get_session().get(Settings, 1) or Settings(id=1)
    settings: Settings = g.settings
    return settings
