"""Per-channel economics as of a date: what the dashboard, the API and the email show."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from sqlmodel import Session, select

from channels.models import Channel
from cohorts.economics import ChannelEconomics, Viability, channel_economics, viability
from cohorts.queries import AggregateRows, AsOf, cohort_counts
from cohorts.triangle import CohortCounts, CohortTriangle, build_triangle, pool_counts

Ranking = Literal["roi", "ltv_to_cac", "cac"]
RANKINGS: dict[str, str] = {"roi": "ROI to date", "ltv_to_cac": "LTV : CAC", "cac": "CAC"}
SPARK_WEEKS = 12


@dataclass(frozen=True)
class EconomicsSettings:
    """The settings that change economics results (part of every cache key)."""

    gross_margin: float = 1.0
    horizon_weeks: int = 52
    ltv_to_cac_min: float = 3.0
    payback_max_months: float = 6.0
    min_customers: int = 5


@dataclass(frozen=True)
class ChannelReport:
    """One channel's identity, cohorts, totals, rule results and calendar-week trends."""

    channel: Channel
    counts: CohortCounts
    triangle: CohortTriangle
    economics: ChannelEconomics
    rules: Viability
    weekly_spend_minor: npt.NDArray[np.int64]  # last SPARK_WEEKS calendar weeks
    weekly_customers: npt.NDArray[np.int64]  # first purchases per calendar week
    weekly_revenue_minor: npt.NDArray[np.int64]  # purchases per calendar week


@dataclass(frozen=True)
class AllChannels:
    """All channels as one: economics of their cohorts added week by week, and trends."""

    channels: int
    economics: ChannelEconomics  # pooled payback and projection, not averages of channels'
    weekly_spend_minor: npt.NDArray[np.int64]  # last SPARK_WEEKS calendar weeks
    weekly_customers: npt.NDArray[np.int64]


def calendar_weeks(by_age: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Return values by calendar week from a (cohort week × age) array: week w+a gets [w, a]."""
    n_weeks = by_age.shape[0]
    out = np.zeros(n_weeks, dtype=np.int64)
    rows, ages = np.nonzero(by_age)
    keep = rows + ages < n_weeks
    np.add.at(out, rows[keep] + ages[keep], by_age[rows[keep], ages[keep]])
    return out


def _last(values: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    padded = np.concatenate([np.zeros(SPARK_WEEKS, dtype=np.int64), values])
    return padded[-SPARK_WEEKS:]


def _report(channel: Channel, counts: CohortCounts, settings: EconomicsSettings) -> ChannelReport:
    triangle = build_triangle(counts, settings.gross_margin)
    economics = channel_economics(triangle, settings.gross_margin, settings.horizon_weeks)
    rules = viability(
        economics,
        ltv_to_cac_min=settings.ltv_to_cac_min,
        payback_max_months=settings.payback_max_months,
        min_customers=settings.min_customers,
    )
    return ChannelReport(
        channel=channel,
        counts=counts,
        triangle=triangle,
        economics=economics,
        rules=rules,
        weekly_spend_minor=_last(counts.spend_minor),
        weekly_customers=_last(calendar_weeks(counts.new_customers)),
        weekly_revenue_minor=_last(calendar_weeks(counts.revenue_minor)),
    )


def all_channels(reports: Sequence[ChannelReport], settings: EconomicsSettings) -> AllChannels:
    """Return the totals of `reports` (at least one, all as of one date) as if one channel.

    Channels with no data add nothing and are left out: their placeholder cohort is the
    as-of week, which need not fall on the grid of stored weeks (say, after the week start
    setting changed).
    """
    with_data = [report.counts for report in reports if _has_data(report.counts)]
    pooled = pool_counts(with_data or [reports[0].counts])
    triangle = build_triangle(pooled, settings.gross_margin)
    return AllChannels(
        channels=len(reports),
        economics=channel_economics(triangle, settings.gross_margin, settings.horizon_weeks),
        weekly_spend_minor=_last(pooled.spend_minor),
        weekly_customers=_last(calendar_weeks(pooled.new_customers)),
    )


def _has_data(counts: CohortCounts) -> bool:
    """Return whether `counts` hold any spend, lead, customer or revenue."""
    return bool(counts.spend_minor.any() or counts.leads.any() or counts.new_customers.any()
                or counts.revenue_minor.any())  # fmt: skip


def _empty_counts(as_of: AsOf) -> CohortCounts:
    zeros = np.zeros(1, dtype=np.int64)
    return CohortCounts(
        weeks=np.array([as_of.week], dtype="datetime64[D]"),
        current_age=zeros,
        spend_minor=zeros,
        leads=zeros,
        new_customers=np.zeros((1, 1), dtype=np.int64),
        revenue_minor=np.zeros((1, 1), dtype=np.int64),
    )


def channel_reports(
    *, session: Session, as_of: AsOf, settings: EconomicsSettings,
    channel_ids: Sequence[int] | None = None, aggregates: AggregateRows | None = None,
) -> list[ChannelReport]:
    """Return a report for every channel (or those in `channel_ids`), in name order.

    Channels without spend or leads yet get a report of zeros and undefined ratios;
    `aggregates` are passed on to `cohort_counts`.
    """
    query = select(Channel).order_by(Channel.name)
    if channel_ids is not None:
        query = query.where(Channel.id.in_(list(channel_ids)))  # type: ignore[union-attr]
    channels = session.exec(query).all()
    ids = None if channel_ids is None else list(channel_ids)
    counts = cohort_counts(session=session, as_of=as_of, channel_ids=ids, aggregates=aggregates)
    return [
        _report(ch, counts.get(ch.id or 0) or _empty_counts(as_of), settings) for ch in channels
    ]


def rank(reports: Sequence[ChannelReport], by: Ranking) -> list[ChannelReport]:
    """Return reports best first by ROI, LTV:CAC (high first) or CAC (low first); undefined last."""

    def key(report: ChannelReport) -> tuple[bool, float]:
        value = {
            "roi": report.economics.roi,
            "ltv_to_cac": report.economics.ltv_to_cac,
            "cac": report.economics.cac_minor,
        }[by]
        if value is None:
            return (True, 0.0)
        return (False, value if by == "cac" else -value)

    return sorted(reports, key=key)
