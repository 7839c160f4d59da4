"""GET /api/v1/compare: is group B better than group A on a metric? (SPEC §4)."""

from typing import Any

from flask import request

from app.api import bp
from app.api.metrics import AS_OF, _as_of
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.errors import ApiError
from app.results.comparisons import (
    MAX_AGE_WEEKS,
    CompareInputError,
    comparison_json,
    parse_request,
    run,
)
from experiments.stats import METRICS

NUMBER = {"type": ["number", "null"]}
INTERVAL = {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2,
            "maxItems": 2, "description": "95 % interval [low, high]; null if undefined."}
GROUP_PARAMETER = ("A group of leads: channel:<id>, test:<id>, segment:<attribute>=<value>, "
                   "cohorts:<from>..<to> (ISO dates), combined with '+' (all must hold); "
                   "or 'all' alone: every lead.")
SIDE = add_schema("ComparisonGroup", object_schema({
    "n": {"type": "integer", "description": "Leads in the group."},
    "successes": {"type": "integer", "description": "Customers among them."},
    "value": {**NUMBER, "description": "The metric: a fraction for conversion and ROI, "
              "currency units for revenue per lead and CAC."},
    "ci": INTERVAL,
}))
COMPARISON = add_schema("Comparison", object_schema({
    "metric": {"type": "string", "enum": list(METRICS)},
    "test": {"type": ["string", "null"], "enum": ["z_test", "boschloo_exact", "fisher_exact",
                                                  "welch_t", "poisson_rate_exact",
                                                  "confidence_sequence", None]},
    "a": SIDE, "b": SIDE,
    "difference": object_schema({"estimate": {**NUMBER, "description": "B − A."},
                                 "ci": INTERVAL}),
    "p_value": {**NUMBER, "description": "Two-sided; null when no test applies."},
    "prob_b_beats_a": {**NUMBER, "description": "Bayesian P(B > A), conversion only."},
    "significant": {"type": "boolean", "description": "p < 0.05 and enough data."},
    "enough_data": {"type": "boolean",
                    "description": "Both groups reach the minimum leads and customers."},
    "leads_needed": {"type": ["integer", "null"], "description": "More leads per group for "
                     "80 % power at α = 0.05 (conversion: SPEC formula; revenue per lead and "
                     "ROI: its two-sample analogue on per-lead values); null for CAC and when "
                     "the groups do not differ."},
    "verdict": {"type": "string", "description": "One plain sentence."},
    "kind": {"type": "string", "enum": ["fixed_horizon", "sequential"],
             "description": "fixed_horizon: the p-value and difference interval hold for one "
                            "look; sequential: always valid, however often you look."},
    "lift": {"type": ["object", "null"], "description": "Relative lift (B − A) / A as a "
             "fraction (0.23 is +23 %) with its 95 % interval (delta method; a confidence "
             "sequence when sequential); conversion and revenue per lead only, null when A's "
             "value is 0.",
             "properties": {"estimate": {"type": "number"}, "ci": INTERVAL},
             "required": ["estimate", "ci"], "additionalProperties": False},
    "since": {"type": ["string", "null"], "format": "date",
              "description": "Sequential only: the oldest cohort week of either group, from "
                             "which the result counts as checked every week."},
}))


@bp.get("/compare")
@operation(
    summary="Compare two groups of leads on one metric with the right significance test",
    tags=["statistics"],
    parameters=[
        {"name": "a", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "Baseline group. " + GROUP_PARAMETER},
        {"name": "b", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "Challenger group (same syntax)."},
        {"name": "metric", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(METRICS), "default": "conversion"},
         "description": "What to compare."},
        {"name": "age", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_AGE_WEEKS},
         "description": "Only with metric=roi: ROI at age k weeks — revenue × margin from "
                        "purchases at ages 0..k against spend, over the cohorts that have "
                        "reached age k by the as-of week (younger cohorts and their spend are "
                        "left out). Without it, ROI to date."},
        {"name": "sequential", "in": "query", "required": False,
         "schema": {"type": "boolean", "default": False},
         "description": "true: an always-valid sequential test (asymptotic confidence "
                        "sequence) that stays valid however often the result is looked at; "
                        "conversion and revenue per lead only."},
        AS_OF,
    ],
    responses={
        "200": json_response("The comparison of B against A.", COMPARISON),
        "400": error_response(400),
    },
)
def compare_groups() -> Any:
    """Return both groups' numbers, the test, p-value, intervals and a verdict."""
    as_of = _as_of()
    try:
        comparison = run(parse_request(request.args.get("a"), request.args.get("b"),
                                       request.args.get("metric"), as_of,
                                       request.args.get("age"),
                                       request.args.get("sequential")))
    except CompareInputError as exc:
        raise ApiError(400, str(exc), {"parameter": exc.parameter}) from exc
    return comparison_json(comparison)
