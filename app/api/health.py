"""GET /api/v1/health: each channel's burnout status, trends and capacity (SPEC §3, §5)."""

from typing import Any

from flask import request

from app.api import bp
from app.api.metrics import AS_OF, MONEY, money
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.errors import ApiError
from app.results.health import ChannelHealthReport, HealthState, health_state
from app.results.metrics import AsOfError, parse_as_of
from channels.health import ChannelHealth
from cohorts.queries import AsOf

NUMBER = {"type": ["number", "null"]}
CAPACITY_FIELDS = ("capacity_per_month_observed", "capacity_per_month_modelled", "marginal_cac",
                   "economic_capacity_spend", "capacity_model", "capacity_per_month_interval",
                   "capacity_p_value", "no_limit_up_to_weekly_spend", "linear_cac")
CAPACITY_MODEL = {"type": ["string", "null"],
                  "enum": ["saturating", "no_limit_seen", "not_enough_data", None]}
INTERVAL = {"type": ["array", "null"], "items": {"type": ["number", "null"]}, "minItems": 2,
            "maxItems": 2}
STATUS = {"type": "string", "enum": ["healthy", "watch", "burned_out", "not_enough_data"]}


def _trend_schema(slope: str) -> dict[str, Any]:
    return object_schema({
        "slope_per_week": {**NUMBER, "description": slope},
        "p_value": {**NUMBER, "description": "Two-sided; null when no trend could be fitted."},
    })


CHANNEL_HEALTH = add_schema("ChannelHealth", object_schema({
    "channel_id": {"type": "integer"},
    "computed_at": {"type": "string", "format": "date-time", "description":
                    "When this result was computed (fits run in the background)."},
    "up_to_date": {"type": "boolean", "description": "False while newer data of the channel "
                   "is being analysed; the result shown is the newest completed one."},
    "status": STATUS,
    "reason": {"type": "string", "description": "One sentence with the numbers behind it."},
    "conversion_trend": _trend_schema(
        "Change in log-odds of conversion per week (binomial regression over mature cohort "
        "weeks, quasi-binomial when overdispersed, adjusted for log spend when spend varies); "
        "its p-value uses a t reference on the residual degrees of freedom when quasi-binomial."),
    "cac_trend": _trend_schema(
        "Theil–Sen slope of weekly CAC in currency units per week; Mann–Kendall p-value."),
    "capacity_per_month_observed": {**NUMBER, "description":
                                    "Customers per month: best 4 consecutive weeks × 52/12."},
    "capacity_model": {**CAPACITY_MODEL, "description":
                       "saturating: the curve b·tanh(spend/(b·c)) beats a straight line "
                       "spend/c (one-sided likelihood-ratio test at 5 %, quasi-Poisson when "
                       "overdispersed); no_limit_seen: it does not, so no capacity is "
                       "modelled; not_enough_data: fewer than 6 mature weeks with spend "
                       "varying by more than 25 %."},
    "capacity_per_month_modelled": {**NUMBER, "description":
                                    "b × 52/12 of the fit b·tanh(spend/(b·c)); null unless "
                                    "capacity_model is saturating."},
    "capacity_per_month_interval": {**INTERVAL, "description":
                                    "90 % profile-likelihood interval of the modelled "
                                    "capacity [low, high] (high null: no upper end); null "
                                    "unless capacity_model is saturating."},
    "capacity_p_value": {**NUMBER, "description": "One-sided p-value of the curve against "
                         "the straight line; null with not enough data."},
    "no_limit_up_to_weekly_spend": {**MONEY, "description": "With no_limit_seen: the largest "
                                    "weekly spend tried, up to which no limit is seen."},
    "linear_cac": {**MONEY, "description": "Spend ÷ customers over the weeks fitted: the cost "
                   "per customer of the straight line; null with not enough data."},
    "marginal_cac": {**MONEY, "description": "Cost of one more customer at the recent average "
                     "weekly spend (from the fitted curve)."},
    "economic_capacity_spend": {**MONEY, "description": "Spend per month at which marginal CAC "
                                "reaches LTV ÷ the LTV:CAC threshold; 0 when even the first "
                                "customer costs more; null when never reached or undefined."},
}))


def _trend(slope: float | None, p_value: float | None) -> dict[str, Any]:
    return {"slope_per_week": slope, "p_value": p_value}


def _health_json(report: ChannelHealthReport, state: HealthState) -> dict[str, Any]:
    h: ChannelHealth = report.health
    conversion, cac, capacity = h.conversion.trend, h.cac_trend, h.capacity
    computed_at = state.computed_at[report.channel_id]
    body = {
        "channel_id": report.channel_id,
        "computed_at": computed_at.isoformat() if computed_at else None,
        "up_to_date": report.channel_id not in state.outdated,
        "status": h.status, "reason": h.reason,
        "conversion_trend": _trend(conversion.slope, conversion.p_value) if conversion
        else _trend(None, None),
        "cac_trend": _trend(money(cac.slope), cac.p_value) if cac else _trend(None, None),
    }
    if capacity is None:
        return body | dict.fromkeys(CAPACITY_FIELDS)
    interval = capacity.modelled_interval_per_month
    return body | {
        "capacity_per_month_observed": capacity.observed_per_month,
        "capacity_per_month_modelled": capacity.modelled_per_month,
        "marginal_cac": money(capacity.marginal_cac_minor),
        "economic_capacity_spend": money(capacity.economic_spend_per_month_minor),
        "capacity_model": capacity.model,
        "capacity_per_month_interval": None if interval is None else list(interval),
        "capacity_p_value": capacity.saturation_p_value,
        "no_limit_up_to_weekly_spend": money(capacity.no_limit_up_to_weekly_spend_minor),
        "linear_cac": money(capacity.linear_cac_minor),
    }


def _as_of() -> AsOf:
    try:
        return parse_as_of(request.args.get("as_of"))
    except AsOfError as exc:
        raise ApiError(400, str(exc), {"parameter": "as_of"}) from exc


@bp.get("/health")
@operation(
    summary="Burnout status, efficiency trends and capacity of every active channel",
    tags=["metrics"],
    parameters=[AS_OF],
    responses={
        "200": json_response("One entry per channel with spend or leads whose fits have been "
                             "computed at least once (in the background), ordered by name.",
                             {"type": "array", "items": CHANNEL_HEALTH}),
        "400": error_response(400),
    },
)
def channel_health() -> Any:
    """Return each channel's health status with its reason, trends and capacity."""
    state = health_state(_as_of())
    return [_health_json(report, state) for report in state.reports]
