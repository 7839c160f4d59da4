"""Jinja filters and globals shared by every template."""

from datetime import date, datetime

from flask import Flask

from app.results.audience import channel_audiences
from app.results.cache import pooled_computed_at
from app.results.metrics import outside_window
from app.settings import load_settings
from kernel.money import format_money, to_decimal
from kernel.numbers import format_chance, format_p
from kernel.vocabulary import CHANNEL_KINDS, RINGS, STATUSES
from kernel.weeks import utcnow


def _money(minor: int | None, currency: str | None = None) -> str:
    """Render minor units as money, "—" when undefined."""
    if currency is None:
        return format_money(minor, load_settings().currency)
    return format_money(minor, currency)


def _number(value: float | int | None, digits: int = 0) -> str:
    """Render a number with thousands separators, "—" when undefined."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _percent(value: float | None, digits: int = 1) -> str:
    """Render a ratio as a percentage, "—" when undefined."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f} %"


def _points(difference: float | None, digits: int = 1) -> str:
    """Render a difference of two rates in signed percentage points, "—" when undefined; one
    that rounds to zero carries no sign (not "-0.0 pp")."""
    if difference is None:
        return "—"
    shown = round(difference * 100, digits)
    return f"{shown:+.{digits}f} pp" if shown != 0 else f"{0:.{digits}f} pp"


def _ago(moment: datetime | None, now: datetime | None = None) -> str:
    """Render how long ago an aware time was: "just now", "2 min ago", "3 h ago", "2 days ago"."""
    if moment is None:
        return "—"
    seconds = max(((now or utcnow()) - moment).total_seconds(), 0)
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "days"), (3600, "h"), (60, "min")):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {'day' if unit == 'days' and count == 1 else unit} ago"
    return "just now"


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def init_app(app: Flask) -> None:
    """Register filters and globals on `app`."""
    app.jinja_env.filters.update(
        money=_money, number=_number, percent=_percent, points=_points, iso=_iso, ago=_ago,
        units=to_decimal,
    )
    app.jinja_env.globals.update(
        CHANNEL_KINDS=CHANNEL_KINDS, RINGS=RINGS, STATUSES=STATUSES, settings=load_settings,
        outside_window=outside_window, pooled_computed_at=pooled_computed_at,
        format_p=format_p, format_chance=format_chance, channel_audiences=channel_audiences,
    )
