"""GET /api/v1/segments: attribute values against the rest, and what was left out (SPEC §6)."""

import re
from typing import Any

from flask import request

from app import MAX_ROW_ID
from app.api import bp
from app.api.metrics import AS_OF, _as_of
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError
from app.models import Channel
from app.results.comparisons import adjustment, segment_report
from experiments.families import ADJUSTMENTS
from experiments.segments.insights import SegmentInsight, top_finding
from experiments.segments.limits import SegmentReport

NUMBER = {"type": ["number", "null"]}
SIDE = add_schema("SegmentSide", object_schema({
    "leads": {"type": "integer"},
    "customers": {"type": "integer"},
    "conversion": {**NUMBER, "description": "Customers / leads; null without leads."},
    "revenue_per_lead": {**NUMBER, "description": "Currency units; leads without purchases "
                         "count as 0; null without leads."},
}))
INSIGHT = add_schema("SegmentInsight", object_schema({
    "attribute": {"type": "string"},
    "value": {"type": ["string", "null"],
              "description": "null for the row pooling an attribute's less common values."},
    "pooled_values": {"type": "integer", "description": "How many values the pooled row "
                      "holds (its counts are their sums); 0 for a single value."},
    "segment": SIDE, "rest": SIDE,
    "conversion_test": {"type": ["string", "null"],
                        "enum": ["z_test", "boschloo_exact", "fisher_exact", None]},
    "conversion_p": {**NUMBER, "description": "Corrected across all rows."},
    "revenue_test": {"type": "string", "enum": ["welch_t"]},
    "revenue_p": {**NUMBER, "description": "Welch's t-test, corrected across all rows."},
    "enough_data": {"type": "boolean"},
    "significant": {"type": "boolean"},
}))
SKIPPED = add_schema("SkippedAttribute", object_schema({
    "attribute": {"type": "string"},
    "leads": {"type": "integer", "description": "Leads carrying the attribute."},
    "distinct_values": {"type": "integer"},
    "reason": {"type": "string"},
}))
REPORT = add_schema("SegmentReport", object_schema({
    "as_of": {"type": "string", "format": "date"},
    "channel_id": {"type": ["integer", "null"]},
    "method": {"type": "string", "enum": list(ADJUSTMENTS)},
    "finding": {"type": "string", "description": "The top finding in one sentence."},
    "insights": {"type": "array", "items": INSIGHT,
                 "description": "Ranked by the difference in conversion, enough data first."},
    "skipped_attributes": {"type": "array", "items": SKIPPED,
                           "description": "Attributes with too many distinct values."},
    "attributes_not_looked_at": {"type": "integer", "description": "Attributes beyond the "
                                 "most used ones (SEGMENT_MAX_ATTRIBUTES)."},
    "limits": object_schema({"top_values": {"type": "integer"},
                             "max_distinct_values": {"type": "integer"},
                             "max_attributes": {"type": "integer"}}),
}))


def _side(leads: int, customers: int, revenue: float | None, conversion: float | None,
          ) -> dict[str, Any]:
    return {"leads": leads, "customers": customers, "conversion": conversion,
            "revenue_per_lead": revenue}


def _insight_json(s: SegmentInsight) -> dict[str, Any]:
    seg_revenue, rest_revenue = s.revenue_per_lead
    return {
        "attribute": s.attribute, "value": None if s.pooled else s.value,
        "pooled_values": s.pooled,
        "segment": _side(s.segment.leads, s.segment.customers, seg_revenue, s.segment.conversion),
        "rest": _side(s.rest.leads, s.rest.customers, rest_revenue, s.rest.conversion),
        "conversion_test": s.conversion_test, "conversion_p": s.conversion_p,
        "revenue_test": "welch_t", "revenue_p": s.revenue_p,
        "enough_data": s.enough_data, "significant": s.significant,
    }


def _channel_id() -> int | None:
    raw = request.args.get("channel_id", "")
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]+", raw):
        raise ApiError(400, "channel_id must be a channel's id (a whole number).",
                       {"parameter": "channel_id"})
    # Ids beyond what the database stores cannot name a channel (and would overflow there).
    if int(raw) > MAX_ROW_ID or get_session().get(Channel, int(raw)) is None:
        raise ApiError(404, f"There is no channel with id {raw}.")
    return int(raw)


def report_json(report: SegmentReport) -> dict[str, Any]:
    """Return the insights, the skipped attributes and the limits as JSON fields."""
    return {
        "finding": top_finding(report.insights, report.rule),
        "insights": [_insight_json(s) for s in report.insights],
        "skipped_attributes": [{"attribute": s.attribute, "leads": s.leads,
                                "distinct_values": s.distinct_values, "reason": s.reason}
                               for s in report.plan.skipped],
        "attributes_not_looked_at": report.plan.not_looked_at,
        "limits": {"top_values": report.limits.top_values,
                   "max_distinct_values": report.limits.max_distinct,
                   "max_attributes": report.limits.max_attributes},
    }


@bp.get("/segments")
@operation(
    summary="Segment insights: the most frequent attribute values against all other leads",
    tags=["statistics"],
    parameters=[
        {"name": "channel_id", "in": "query", "required": False, "schema": {"type": "integer"},
         "description": "Only this channel's leads; all channels without it."},
        {"name": "method", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(ADJUSTMENTS), "default": "holm"},
         "description": "Correction across rows: Holm or Benjamini–Hochberg."},
        AS_OF,
    ],
    responses={
        "200": json_response("Ranked rows and what was left out.", REPORT),
        "400": error_response(400),
        "404": error_response(404),
    },
)
def segment_insights() -> Any:
    """Return the segments page's rows, skipped attributes and limits; money in units."""
    channel_id, as_of = _channel_id(), _as_of()
    method = adjustment(request.args.get("method"))
    body = report_json(segment_report(as_of, channel_id, method))
    return {"as_of": as_of.day, "channel_id": channel_id, "method": method, **body}
