"""GET /api/v1/metrics/channels and /api/v1/metrics/cohorts: cohort economics (SPEC §3).

Money is a JSON number in the install's currency units (ratios of money rounded to
cents); anything undefined — a ratio over zero, an age not reached — is null.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from flask import request

from app.api import bp
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.errors import ApiError
from app.results.ltv import LtvState, ltv_state, ltv_view
from app.results.metrics import AsOfError, cycles, outside_window, parse_as_of, reports, today
from app.settings import load_settings
from cohorts.ltv.channels import METHOD
from cohorts.queries import AsOf
from cohorts.report import ChannelReport
from kernel.money import MINOR_PER_UNIT, to_decimal

MONEY = {"type": ["number", "null"], "description": "In the install's currency; null if undefined."}
RATIO = {"type": ["number", "null"], "description": "A fraction (0.12 = 12 %); null if undefined."}
RULE = {"type": "string", "enum": ["pass", "fail", "undecided", "not_enough_data"],
        "description": "undecided: the projection's 80 % interval straddles the threshold."}
INTERVAL = {"type": ["object", "null"], "properties": {"low": MONEY, "high": MONEY},
            "required": ["low", "high"], "additionalProperties": False,
            "description": "80 % interval; null while the repeat-purchase model has none."}
AS_OF = {
    "name": "as_of",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "format": "date"},
    "description": "Compute as of this date (YYYY-MM-DD); events after it are ignored. "
    "Default: today in the install's time zone. From the date window's first date "
    "(DATES_EARLIEST, default 2000-01-01) to today.",
}

LEFT_OUT = object_schema(
    {kind: {"type": "integer", "minimum": 0} for kind in ("spend_weeks", "leads", "purchases")}
) | {"description": "Stored rows dated outside the date window (stored by older versions), "
                    "left out of every metric."}  # fmt: skip

CHANNEL_METRICS = add_schema("ChannelMetrics", object_schema({
    "channel_id": {"type": "integer"},
    "name": {"type": "string"},
    "kind": {"type": "string"},
    "spend": MONEY, "leads": {"type": "integer"}, "customers": {"type": "integer"},
    "cpl": MONEY, "cac": MONEY, "conversion_rate": RATIO, "revenue": MONEY,
    "ltv": {**MONEY, "description": "Observed: revenue × margin per customer."},
    "ltv_projected": {**MONEY, "description": "LTV (× margin, per customer) at the horizon: "
                      "by the repeat-purchase model when `ltv_projection.method` says "
                      "bg_nbd_gamma_gamma, else the chain-ladder cross-check."},
    "ltv_projected_interval": INTERVAL,
    "ltv_to_cac_projected": RATIO,
    "ltv_to_cac_projected_interval": {**INTERVAL, "properties": {"low": RATIO, "high": RATIO}},
    "ltv_projection": object_schema({
        "method": {"type": "string", "enum": ["bg_nbd_gamma_gamma", "chain_ladder"],
                   "description": "Where `ltv_projected` comes from."},
        "status": {"type": "string", "enum": ["fitted", "not_enough_data", "computing"],
                   "description": "The repeat-purchase model: fitted; not enough data (see "
                   "reason); or not computed yet for this data (the chain-ladder is shown)."},
        "reason": {"type": ["string", "null"], "description": "Why there is no model fit."},
        "basis": {"type": ["string", "null"], "description": "Where the projection comes from."},
        "horizon_weeks": {"type": "integer", "description": "Age the projection reaches: the "
                          "requested horizon whenever the model is fitted."},
        "supporting_cohorts": {"type": "integer",
                               "description": "Chain-ladder: cohorts behind its last step."},
        "chain_ladder": object_schema({
            "ltv": MONEY, "horizon_weeks": {"type": "integer"},
            "supporting_cohorts": {"type": "integer"}}),
        "payback_weeks_projected": {"type": ["integer", "null"], "description": "Projected "
                                    "payback age by the model; null: not within the horizon."},
    }),
    "roi": RATIO,
    "payback_weeks": {"type": ["integer", "null"], "description": "null: not paid back yet."},
    "ltv_to_cac": RATIO,
    "program_cost_share": RATIO,
    "sales_cycle_days": object_schema({"median": RATIO, "p75": RATIO}),
    "rules": object_schema({"ltv_to_cac": RULE, "payback": RULE}),
}))

COHORT = add_schema("CohortMetrics", object_schema({
    "week": {"type": "string", "format": "date"},
    "spend": MONEY, "leads": {"type": "integer"},
    "customers_by_age": {"type": "array", "items": {"type": "integer"}},
    "revenue_by_age": {"type": "array", "items": {"type": "number"}},
    "roi_by_age": {"type": "array", "items": RATIO},
    "payback_weeks": {"type": ["integer", "null"]},
}))


def money(minor: float | int | None) -> float | int | None:
    """Return minor units as currency units: exact for integers, cents for ratios."""
    if minor is None or (isinstance(minor, float) and math.isnan(minor)):
        return None
    if isinstance(minor, int | np.integer) or float(minor).is_integer():
        value = to_decimal(int(minor))
        assert value is not None
        return int(value) if value == value.to_integral_value() else float(value)
    return round(float(minor) / MINOR_PER_UNIT, 2)


def _as_of() -> AsOf:
    try:
        return parse_as_of(request.args.get("as_of"))
    except AsOfError as exc:
        raise ApiError(400, str(exc), {"parameter": "as_of"}) from exc


def _interval(low: float | None, high: float | None,
              scale: Callable[[float | None], Any] = money) -> dict[str, Any] | None:
    return None if low is None or high is None else {"low": scale(low), "high": scale(high)}


def _projection_json(report: ChannelReport, state: LtvState) -> dict[str, Any]:
    """Return the projection fields: the model's when fitted, else the chain-ladder's."""
    e = report.economics
    view = ltv_view(state, report, load_settings())
    chain = {"ltv": money(e.ltv_projected_minor), "horizon_weeks": e.projection_horizon,
             "supporting_cohorts": e.projection_support}
    ltv = view.ltv
    return {
        "ltv_projected": money(e.ltv_projected_minor if ltv is None else ltv.ltv_minor),
        "ltv_projected_interval": None if ltv is None else _interval(ltv.low_minor,
                                                                     ltv.high_minor),
        "ltv_to_cac_projected": view.ltv_to_cac,
        "ltv_to_cac_projected_interval": _interval(view.ltv_to_cac_low, view.ltv_to_cac_high,
                                                   lambda v: v),
        "ltv_projection": {
            "method": "chain_ladder" if ltv is None else METHOD, "status": view.status,
            "reason": view.reason, "basis": None if ltv is None else ltv.basis,
            "horizon_weeks": e.projection_horizon if ltv is None else ltv.horizon_weeks,
            "supporting_cohorts": e.projection_support, "chain_ladder": chain,
            "payback_weeks_projected": view.payback_week},
        "_rule": view.rule,
    }


def _channel_json(report: ChannelReport, as_of: AsOf, state: LtvState) -> dict[str, Any]:
    e, channel = report.economics, report.channel
    cycle = cycles(as_of).get(channel.id or 0)
    projected = _projection_json(report, state)
    rule = projected.pop("_rule")
    return {
        "channel_id": channel.id, "name": channel.name, "kind": channel.kind,
        "spend": money(e.spend_minor), "leads": e.leads, "customers": e.customers,
        "cpl": money(e.cpl_minor), "cac": money(e.cac_minor),
        "conversion_rate": e.conversion_rate, "revenue": money(e.revenue_minor),
        "ltv": money(e.ltv_minor), **projected,
        "roi": e.roi, "payback_weeks": e.payback_week, "ltv_to_cac": e.ltv_to_cac,
        "program_cost_share": e.program_cost_share,
        "sales_cycle_days": {"median": cycle.median_days if cycle else None,
                             "p75": cycle.p75_days if cycle else None},
        "rules": {"ltv_to_cac": rule, "payback": report.rules.payback},
    }


@bp.get("/metrics/channels")
@operation(
    summary="Economics of every channel as of a date",
    tags=["metrics"],
    parameters=[AS_OF],
    responses={
        "200": json_response("Per-channel economics.", object_schema({
            "as_of": {"type": "string", "format": "date"},
            "currency": {"type": "string"},
            "channels": {"type": "array", "items": CHANNEL_METRICS},
            "left_out": LEFT_OUT,
        })),
        "400": error_response(400),
    },
)
def channel_metrics() -> Any:
    """Return CAC, LTV, ROI, payback and the viability rules of every channel."""
    as_of = _as_of()
    outside = outside_window()
    state = ltv_state(as_of, today())
    return {
        "as_of": as_of.day, "currency": load_settings().currency,
        "channels": [_channel_json(r, as_of, state) for r in reports(as_of)],
        "left_out": {"spend_weeks": outside.spend_rows, "leads": outside.lead_rows,
                     "purchases": outside.purchase_rows},
    }


def _cohort_json(report: ChannelReport, row: int) -> dict[str, Any]:
    t = report.triangle
    ages = int(t.current_age[row]) + 1
    payback = int(t.payback_week[row])
    return {
        "week": str(t.weeks[row]), "spend": money(int(t.spend_minor[row])),
        "leads": int(t.leads[row]),
        "customers_by_age": [int(x) for x in t.customers[row, :ages]],
        "revenue_by_age": [money(float(x)) for x in t.revenue_minor[row, :ages]],
        "roi_by_age": [None if np.isnan(x) else float(x) for x in t.roi[row, :ages]],
        "payback_weeks": payback if payback >= 0 else None,
    }


@bp.get("/metrics/cohorts")
@operation(
    summary="The weekly cohorts of one channel: cumulative customers, revenue and ROI by age",
    tags=["metrics"],
    parameters=[
        {"name": "channel_id", "in": "query", "required": True,
         "schema": {"type": "integer"}, "description": "The channel."},
        AS_OF,
    ],
    responses={
        "200": json_response("Cohorts, oldest first; lists have current age + 1 entries.",
                             object_schema({
                                 "channel_id": {"type": "integer"},
                                 "as_of": {"type": "string", "format": "date"},
                                 "currency": {"type": "string"},
                                 "cohorts": {"type": "array", "items": COHORT},
                             })),
        "400": error_response(400),
        "404": error_response(404),
    },
)
def cohort_metrics() -> Any:
    """Return one channel's cohort triangle as cumulative lists by age."""
    raw = request.args.get("channel_id", "")
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(400, "channel_id must be a channel's id (a whole number).",
                       {"parameter": "channel_id"})
    as_of = _as_of()
    wanted = int(raw) if len(raw) <= 10 else -1  # longer: no channel, and no huge int parse
    report = next((r for r in reports(as_of) if r.channel.id == wanted), None)
    if report is None:
        raise ApiError(404, f"There is no channel with id {raw}.")
    cohorts = [_cohort_json(report, i) for i in range(len(report.triangle.weeks))
               if report.triangle.leads[i] or report.triangle.spend_minor[i]]
    return {"channel_id": int(raw), "as_of": as_of.day, "currency": load_settings().currency,
            "cohorts": cohorts}


BACKTEST_ROW = add_schema("LtvBacktestChannel", object_schema({
    "channel_id": {"type": "integer"},
    "customers": {"type": "integer", "description": "Customers known at the earlier date."},
    "projected": {**MONEY, "description": "Their revenue over the next weeks, as projected then."},
    "actual": {**MONEY, "description": "Their revenue since, as it happened."},
    "absolute_percentage_error": {**RATIO, "description": "|projected − actual| / actual; "
                                  "null when actual revenue is not positive."},
}))


@bp.get("/metrics/ltv-backtest")
@operation(
    summary="How the LTV projection would have done: projected weeks ago against what happened",
    tags=["metrics"],
    parameters=[AS_OF],
    responses={
        "200": json_response("Per channel and the install's mean absolute percentage error.",
                             object_schema({
                                 "as_of": {"type": "string", "format": "date"},
                                 "weeks": {"type": "integer",
                                           "description": "How many weeks back: the "
                                                          "setting ltv_backtest_weeks "
                                                          "(default 26)."},
                                 "status": {"type": "string",
                                            "enum": ["fitted", "not_enough_data", "computing"]},
                                 "reason": {"type": ["string", "null"]},
                                 "mape": {**RATIO, "description": "Mean absolute percentage "
                                          "error over channels; null without one."},
                                 "channels": {"type": "array", "items": BACKTEST_ROW},
                             })),
        "400": error_response(400),
    },
)
def ltv_backtest() -> Any:
    """Return the stored backtest of the LTV projection as of a date."""
    as_of = _as_of()
    result = ltv_state(as_of, today()).result
    if result is None:
        return {"as_of": as_of.day, "weeks": load_settings().ltv_backtest_weeks,
                "status": "computing",
                "reason": None, "mape": None, "channels": []}
    past = result.backtest
    return {
        "as_of": as_of.day, "weeks": past.weeks,
        "status": "fitted" if past.reason is None else "not_enough_data", "reason": past.reason,
        "mape": past.mape,
        "channels": [{"channel_id": c, "customers": row.customers,
                      "projected": money(row.projected_minor), "actual": money(row.actual_minor),
                      "absolute_percentage_error": row.error}
                     for c, row in sorted(past.channels.items())],
    }
