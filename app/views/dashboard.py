"""Dashboard: channels ranked by cohort economics, grouped by Bullseye ring, with totals."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from flask import Blueprint, request

from app.charts import Sparkline, sparkline
from app.metrics import AsOfError, economics_settings, parse_as_of, reports, today
from app.settings import load_settings
from app.views import render_page_or_partial
from cohorts.economics import ratio
from cohorts.money import MINOR_PER_UNIT
from cohorts.queries import AsOf
from cohorts.report import RANKINGS, ChannelReport, Ranking, rank

bp = Blueprint("dashboard", __name__)


def requested_as_of() -> tuple[AsOf, str | None]:
    """Return the request's `as_of` date, or today with a message when it is unreadable."""
    text = request.args.get("as_of", "")
    try:
        return parse_as_of(text), None
    except AsOfError as exc:
        message = f"{exc}; showing today instead."
        return parse_as_of(None), message


@dataclass(frozen=True)
class Totals:
    """Sums over channels; every ratio is recomputed from the sums, never averaged."""

    spend_minor: int
    leads: int
    customers: int
    revenue_minor: int
    margin: float
    weekly_spend_minor: npt.NDArray[np.int64]
    weekly_customers: npt.NDArray[np.int64]

    @property
    def cac_minor(self) -> float | None:
        """Return total spend / total customers; None without customers."""
        return ratio(self.spend_minor, self.customers)

    @property
    def conversion_rate(self) -> float | None:
        """Return total customers / total leads; None without leads."""
        return ratio(self.customers, self.leads)

    @property
    def ltv_minor(self) -> float | None:
        """Return total revenue × margin / total customers; None without customers."""
        return ratio(self.revenue_minor * self.margin, self.customers)

    @property
    def roi(self) -> float | None:
        """Return (total revenue × margin − total spend) / total spend; None without spend."""
        return ratio(self.revenue_minor * self.margin - self.spend_minor, self.spend_minor)

    @property
    def ltv_to_cac(self) -> float | None:
        """Return LTV / CAC of the totals; None when either is undefined or CAC is 0."""
        ltv, cac = self.ltv_minor, self.cac_minor
        return None if ltv is None or not cac else ltv / cac


def channel_totals(channel_reports: Sequence[ChannelReport], margin: float) -> Totals:
    """Return the totals of `channel_reports` (zeros when there are none)."""
    zeros = np.zeros(12, dtype=np.int64)
    return Totals(
        spend_minor=sum(r.economics.spend_minor for r in channel_reports),
        leads=sum(r.economics.leads for r in channel_reports),
        customers=sum(r.economics.customers for r in channel_reports),
        revenue_minor=sum(r.economics.revenue_minor for r in channel_reports),
        margin=margin,
        weekly_spend_minor=sum((r.weekly_spend_minor for r in channel_reports), zeros),
        weekly_customers=sum((r.weekly_customers for r in channel_reports), zeros),
    )


def trends(report: ChannelReport | Totals) -> dict[str, Sparkline]:
    """Return sparklines of weekly customers and weekly spend (in currency units)."""
    return {
        "customers": sparkline([float(v) for v in report.weekly_customers]),
        "spend": sparkline([v / MINOR_PER_UNIT for v in report.weekly_spend_minor]),
    }


@bp.get("/")
def index() -> Any:
    """Show channels ranked by the chosen metric within their Bullseye ring, with totals."""
    as_of, as_of_error = requested_as_of()
    ranking: Ranking = request.args.get("rank", "roi")  # type: ignore[assignment]
    if ranking not in RANKINGS:
        ranking = "roi"
    ranked = rank(reports(as_of), ranking)
    totals = channel_totals(ranked, economics_settings(load_settings()).gross_margin)
    return render_page_or_partial(
        "dashboard/index.html",
        "dashboard/_table.html",
        reports=ranked,
        positions={r.channel.id: i for i, r in enumerate(ranked, start=1)},
        totals=totals,
        trends={r.channel.id: trends(r) for r in ranked} | {None: trends(totals)},
        ranking=ranking,
        rankings=RANKINGS,
        as_of=as_of.day,
        today=today(),
        as_of_error=as_of_error,
    )
