"""What views and API endpoints share to show economics: as-of dates, settings, caching."""

from datetime import date, datetime

from app.db import get_session
from app.models import Settings
from app.results.cache import cached
from app.settings import accepted_dates, load_settings
from cohorts.outside import OutsideWindow, stored_outside_window
from cohorts.queries import AggregateRows, AsOf, SalesCycle, load_aggregates, sales_cycles
from cohorts.report import ChannelReport, EconomicsSettings, channel_reports
from kernel.weeks import local_date


class AsOfError(ValueError):
    """An as-of date that cannot be used."""


def economics_settings(settings: Settings) -> EconomicsSettings:
    """Return the economics-relevant part of the install's settings."""
    return EconomicsSettings(
        gross_margin=settings.gross_margin,
        horizon_weeks=settings.projection_horizon_weeks,
        ltv_to_cac_min=settings.ltv_to_cac_min,
        payback_max_months=settings.payback_max_months,
        min_customers=settings.min_customers_total,
    )


def today() -> date:
    """Return today's date in the install's time zone."""
    return local_date(datetime.now().astimezone(), load_settings().timezone)


def parse_as_of(text: str | None) -> AsOf:
    """Return the as-of date from 'YYYY-MM-DD' (empty: today); raise AsOfError if malformed.

    It must lie between the date window's first date and today; rows dated before that
    first date are left out of the metrics (see `stored_outside_window`).
    """
    settings = load_settings()
    earliest = accepted_dates(settings.timezone).earliest
    if text:
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise AsOfError(f"as_of must be a date like 2026-03-30, not {text!r}") from exc
        latest = today()
        if not earliest <= day <= latest:  # no metric lies ahead
            raise AsOfError(
                f"as_of must lie between {earliest} and today ({latest}), not {text!r}"
            )
    else:
        day = today()
    return AsOf(day=day, week_start=settings.week_start, timezone=settings.timezone,
                earliest=earliest)


def aggregates() -> AggregateRows:
    """Return all cohort aggregate rows, cached until the data changes (any as-of date)."""
    return cached(("aggregates",), lambda: load_aggregates(session=get_session()))


def reports(as_of: AsOf) -> list[ChannelReport]:
    """Return every channel's report as of `as_of`, cached until the data changes."""
    settings = economics_settings(load_settings())
    return cached(
        ("channel_reports", as_of, settings),
        lambda: channel_reports(
            session=get_session(), as_of=as_of, settings=settings, aggregates=aggregates()
        ),
    )


def cycles(as_of: AsOf) -> dict[int, SalesCycle]:
    """Return every channel's sales cycle as of `as_of`, cached until the data changes."""
    return cached(("sales_cycles", as_of), lambda: sales_cycles(session=get_session(), as_of=as_of))


def outside_window() -> OutsideWindow:
    """Return the stored rows the metrics leave out (dated outside the window), cached."""
    settings = load_settings()
    window = accepted_dates(settings.timezone)
    as_of = AsOf(day=window.earliest, week_start=settings.week_start, earliest=window.earliest)
    return cached(("outside_window", window, as_of.first_week), lambda: stored_outside_window(
        session=get_session(), window=window, first_week=as_of.first_week))
