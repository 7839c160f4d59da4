"""What views and API endpoints share to show economics: as-of dates, settings, caching."""

from datetime import date, datetime

from app.db import get_session
from app.models import Settings
from app.results.cache import cached, cached_per_channel, current_channel_versions
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
    """Return every channel's report as of `as_of` in name order; each is cached until that
    channel's data changes."""
    settings = economics_settings(load_settings())
    versions = current_channel_versions()

    def compute(channel_ids: list[int]) -> list[tuple[int, ChannelReport]]:
        session = get_session()
        rows = load_aggregates(session=session, channel_ids=channel_ids)
        return [(r.channel.id or 0, r) for r in channel_reports(
            session=session, as_of=as_of, settings=settings, channel_ids=channel_ids,
            aggregates=rows)]

    found = cached_per_channel(("channel_report", as_of, settings), versions, compute)
    return [found[channel_id] for channel_id in versions if channel_id in found]


def cycles(as_of: AsOf) -> dict[int, SalesCycle]:
    """Return every channel's sales cycle as of `as_of`; each is cached until that channel's
    data changes (a channel without customers has none)."""
    def compute(channel_ids: list[int]) -> list[tuple[int, SalesCycle | None]]:
        found = sales_cycles(session=get_session(), as_of=as_of, channel_ids=channel_ids)
        return [(channel_id, found.get(channel_id)) for channel_id in channel_ids]

    values = cached_per_channel(("sales_cycle", as_of), current_channel_versions(), compute)
    return {channel_id: cycle for channel_id, cycle in values.items() if cycle is not None}


def outside_window() -> OutsideWindow:
    """Return the stored rows the metrics leave out (dated outside the window), cached.

    Always current, never served stale: the notice offers to clear those rows, and must
    show a clear at once; its three counts are range scans of indexed dates.
    """
    settings = load_settings()
    window = accepted_dates(settings.timezone)
    as_of = AsOf(day=window.earliest, week_start=settings.week_start, earliest=window.earliest)
    return cached(("outside_window", window, as_of.first_week), lambda: stored_outside_window(
        session=get_session(), window=window, first_week=as_of.first_week), stale=False)
