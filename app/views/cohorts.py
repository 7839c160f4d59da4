"""Cohort view: every channel's pooled ROI-by-age curve, and the customer value mix."""

from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import Blueprint, request

from app.charts.cohorts import log_roi_chart
from app.charts.lines import Series, line_chart, outlier_cap
from app.charts.svg import colour
from app.db import get_session
from app.results.cache import cached
from app.results.metrics import reports, today
from app.views import render_page_or_partial
from app.views.dashboard import requested_as_of
from cohorts.queries import AsOf, CustomerValues, customer_values
from cohorts.report import ChannelReport
from cohorts.tiers import HEALTHY_MIX, CustomerMix, Tiers, assign_tiers, customer_mix

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")

MIX_LABELS = {
    "vip": "VIP (top 5 % of customers, in A)",
    "strategic": "Strategic (other A customers)",
    "typical": "Typical (B, and repeat C buyers)",
    "ballast": "Ballast (one-time C buyers)",
}
CURVE_AGES = (0, 1, 2, 4, 8, 13, 26, 52)
MAX_AGE = 52  # weeks compared: the default LTV horizon


@dataclass(frozen=True)
class ChannelTiers:
    """One channel's customers by value tier: how many, how many in A, and their mix."""

    customers: int
    a_customers: int
    mix: CustomerMix

    @property
    def share_of_a(self) -> float | None:
        """Return the share of the channel's customers in tier A; None without customers."""
        return self.a_customers / self.customers if self.customers else None


@dataclass(frozen=True)
class TierSummary:
    """The overall customer mix and each channel's part (channels without customers absent)."""

    overall: CustomerMix
    channels: dict[int, ChannelTiers]


def summarise_tiers(values: CustomerValues) -> TierSummary:
    """Return the overall mix and per-channel tiers, ranking customers across all channels."""
    tiers = assign_tiers(values.revenue_minor, values.purchases)
    channels: dict[int, ChannelTiers] = {}
    for channel_id in np.unique(values.channel_id):
        mask = values.channel_id == channel_id
        part = Tiers(tier=tiers.tier[mask], ballast=tiers.ballast[mask], vip=tiers.vip[mask])
        channels[int(channel_id)] = ChannelTiers(
            customers=int(mask.sum()),
            a_customers=int((part.tier == 0).sum()),
            mix=customer_mix(part),
        )
    return TierSummary(overall=customer_mix(tiers), channels=channels)


def tier_summary(as_of: AsOf) -> TierSummary:
    """Return the customer value tiers as of `as_of`, cached until the data changes."""
    return cached(
        ("tier_summary", as_of),
        lambda: summarise_tiers(customer_values(session=get_session(), as_of=as_of)),
    )


def roi_curves(channel_reports: list[ChannelReport]) -> list[Series]:
    """Return each channel-with-spend's pooled ROI by age (to MAX_AGE weeks), one colour each."""
    with_spend = [r for r in channel_reports if r.economics.spend_minor > 0]
    return [
        Series(r.channel.name, [float(v) for v in r.economics.roi_by_age[: MAX_AGE + 1]], colour(i))
        for i, r in enumerate(with_spend)
    ]


def _scale(series: list[Series]) -> str:
    """Return the ROI chart's scale: `scale=log|linear`; by default log when one channel's
    curve peaks far above every other's (a linear axis would squash them near zero)."""
    asked = request.args.get("scale")
    if asked in ("log", "linear"):
        return asked
    return "log" if outlier_cap(series) is not None else "linear"


@bp.get("/")
def index() -> Any:
    """Compare channels' pooled ROI-by-age curves and show the customer mix vs the healthy mix."""
    as_of, as_of_error = requested_as_of()
    channel_reports = reports(as_of)
    series = roi_curves(channel_reports)
    longest = max((len(s.values) for s in series), default=0)
    scale = _scale(series)
    return render_page_or_partial(
        "cohorts/index.html",
        "cohorts/_content.html",
        as_of=as_of.day,
        today=today(),
        as_of_error=as_of_error,
        reports=channel_reports,
        chart=(log_roi_chart(series, width=860, height=320) if scale == "log"
               else line_chart(series, width=860, height=320)),
        scale=scale,
        series=series,
        ages=[a for a in CURVE_AGES if a < longest],
        tiers=tier_summary(as_of),
        mix_labels=MIX_LABELS,
        healthy_mix=HEALTHY_MIX,
    )
