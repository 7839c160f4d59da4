"""Read and create the single settings row."""

from datetime import datetime

from flask import current_app, g
from sqlmodel import Session

from app.db import get_session
from app.models import Settings
from kernel.weeks import DAYS_AHEAD, EARLIEST_DATE, DateWindow, date_window, local_date


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


def accepted_dates(timezone: str | None = None) -> DateWindow:
    """Return the dates entries may carry and reads take in (DATES_EARLIEST, DATES_DAYS_AHEAD).

    `timezone` defaults to the install's; today is taken there.
    """
    zone = timezone or load_settings().timezone
    today = local_date(datetime.now().astimezone(), zone)
    config = current_app.config
    earliest = config.get("DATES_EARLIEST", EARLIEST_DATE)
    return date_window(today, earliest, config.get("DATES_DAYS_AHEAD", DAYS_AHEAD))
