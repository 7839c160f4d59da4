"""GET and PUT /api/v1/channels/{id}/log/{week}: the quick log of one channel-week.

The body is turned into the web form's text and read by the same parser
(`app.log_input.parse_week_log`); the core (`ingest.quick_log`) applies the same rules.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from flask import request

from app.accounts import audit
from app.api import bp
from app.api.inputs import json_object
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_session
from app.errors import ApiError
from app.log_input import buyers_field, parse_week_log, revenue_field
from app.settings import accepted_dates, load_settings
from channels.models import Channel
from ingest.quick_log import LEADS_MAX, WeekLog, read_week, store_week, week_problems
from kernel.money import to_decimal
from kernel.weeks import local_date, utcnow, week_of

COHORTS_MAX = 2_000  # more cohort weeks than the date window holds
_MONEY = {"type": "number", "minimum": 0, "description": "In currency units, at most 2 decimals."}
_COUNT = {"type": "integer", "minimum": 0, "maximum": LEADS_MAX}
_DAY = {"type": "string", "format": "date"}
COHORT_INPUT = object_schema(
    {"week": _DAY | {"description": "Any day of the cohort's week."}, "buyers": _COUNT,
     "revenue": _MONEY}, ["week", "buyers"])  # fmt: skip
LOG_INPUT = add_schema("WeekLogInput", object_schema(
    {"spend": _MONEY, "leads": _COUNT | {"default": 0},
     "cohorts": {"type": "array", "maxItems": COHORTS_MAX, "items": COHORT_INPUT}},
    ["spend"]))  # fmt: skip
_COHORT = object_schema({
    "week": _DAY, "leads": {"type": "integer"}, "buyers": {"type": "integer"},
    "revenue": {"type": "number"}, "week_buyers": {"type": "integer"},
    "week_revenue": {"type": "number"}})  # fmt: skip
WEEK_LOG = add_schema("WeekLog", object_schema({
    "channel_id": {"type": "integer"}, "week": _DAY,
    "spend": {"type": ["number", "null"]}, "leads": {"type": "integer"},
    "imported_leads": {"type": "integer"}, "cohorts": {"type": "array", "items": _COHORT}}))
_IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
             "description": 'The ETag of an earlier GET or PUT, such as "log-3f2a…", or *.',
             "schema": {"type": "string"}}  # fmt: skip
_PATH = "/channels/<int:channel_id>/log/<week>"


def _week(channel_id: int, text: str) -> date:
    """Return the week named in the URL; raise ApiError (404 channel, 422 week)."""
    if get_session().get(Channel, channel_id) is None:
        raise ApiError(404, f"There is no channel with id {channel_id}.")
    settings = load_settings()
    try:
        day = date.fromisoformat(text)
        week = week_of(day, settings.week_start)
    except (ValueError, OverflowError):
        raise ApiError(422, "The week is invalid.", {"fields": {"week": f"{text!r} is not a "
                       "date like 2026-03-02 in the years 1–9999"}}) from None  # fmt: skip
    today = local_date(utcnow(), settings.timezone)
    if problems := week_problems(week, day, accepted_dates(), today):
        raise ApiError(422, "The week is invalid.", {"fields": dict(problems)})
    return week


def _json(log: WeekLog) -> Any:
    """Return a week's log as JSON (money in currency units)."""
    cohorts = [{"week": c.week, "leads": c.leads, "buyers": c.buyers,
                "revenue": to_decimal(c.revenue_minor), "week_buyers": c.week_buyers,
                "week_revenue": to_decimal(c.week_revenue_minor)} for c in log.cohorts]
    return {"channel_id": log.channel_id, "week": log.week, "spend": to_decimal(log.spend_minor),
            "leads": log.leads, "imported_leads": log.imported_leads, "cohorts": cohorts}


def _answer(log: WeekLog) -> Any:
    return _json(log), 200, {"ETag": f'"log-{log.tag}"'}


@bp.get(_PATH)
@operation(
    summary="The quick log of one channel-week: spend, leads, and buyers per cohort",
    tags=["quick log"], responses={"200": json_response("The week's log.", WEEK_LOG),
                                   "404": error_response(404), "422": error_response(422)},
)
def get_week_log(channel_id: int, week: str) -> Any:
    """Return what the quick log holds for a channel-week, with its ETag."""
    return _answer(read_week(get_session().connection(), channel_id, _week(channel_id, week)))


@bp.put(_PATH)
@operation(
    summary="Replace the quick log of one channel-week",
    description=(
        "Stores spend, `leads` anonymous leads created in the week and, per cohort listed, "
        "`buyers` of its quick-logged leads buying in this week for `revenue` in total (shared "
        "equally, remainder cents to the first). A cohort not listed has no buyers this week. "
        "The week is any day of it; this week is allowed, future weeks are not. Refused (422, "
        "naming the field, nothing stored): negative numbers, more buyers in a cohort (over "
        "all weeks) than its leads, revenue with 0 buyers, a cohort without quick-logged "
        "leads, and new leads in a week holding imported leads. Optional If-Match: 412 if "
        "the week's log changed since (unless it already holds what you send)."
    ),
    tags=["quick log"], parameters=[_IF_MATCH],
    requestBody={"required": True, "content": {"application/json": {"schema": LOG_INPUT}}},
    responses={"200": json_response("The week's log as stored now.", WEEK_LOG),
               **{str(s): error_response(s) for s in (400, 404, 412, 415, 422)}},
)
def put_week_log(channel_id: int, week: str) -> Any:
    """Replace the log of a channel-week (all or nothing)."""
    day = _week(channel_id, week)
    form, cohorts = _form(json_object(), load_settings().week_start)
    session = get_session()
    conn = session.connection()
    stored = read_week(conn, channel_id, day)
    entry, errors = parse_week_log(form, sorted({*cohorts, *(c.week for c in stored.cohorts)}))
    if entry is None:
        raise ApiError(422, "The week's log is invalid.", {"fields": errors})
    wanted = request.if_match
    tag = None if not wanted or wanted.star_tag else next(iter(wanted.as_set()), "")
    problems = store_week(conn, channel_id, day, entry, window=accepted_dates(),
                          read_tag=tag.removeprefix("log-") if tag is not None else None)
    if problems:
        session.rollback()
        current = read_week(session.connection(), channel_id, day)
        if problems[0][0] == "tag":
            raise ApiError(412, "The week's log changed since you read it; nothing was saved. "
                           "GET it again and re-apply your change.",
                           {"etag": f'"log-{current.tag}"'})  # fmt: skip
        raise ApiError(422, "The week's log is invalid.", {"fields": dict(problems)})
    audit.record_quick_log(session, channel_id, day, entry)
    session.commit()
    return _answer(read_week(session.connection(), channel_id, day))


def _form(body: dict[str, Any], week_start: int) -> tuple[dict[str, str], list[date]]:
    """Return the body as the form's text and the cohort weeks it names; raise ApiError(422)."""
    errors: dict[str, str] = {}
    form: dict[str, str] = {}
    for name, value in body.items():
        if name in ("spend", "leads"):
            form[name] = _text(value, name, "number" if name == "spend" else "integer", errors)
        elif name != "cohorts":
            errors[name] = "is not a field; use spend, leads and cohorts"
    items = body.get("cohorts") or []
    if not isinstance(items, list) or len(items) > COHORTS_MAX:
        errors["cohorts"] = f"must be an array of at most {COHORTS_MAX:,} cohorts"
        items = []
    weeks: list[date] = []
    for i, item in enumerate(items):
        where = f"cohorts[{i}]"
        try:
            cohort = week_of(date.fromisoformat(item["week"]), week_start)
        except (TypeError, KeyError, ValueError, OverflowError):
            errors[f"{where}.week"] = "must be a date like 2026-03-02"
            continue
        if cohort in weeks:
            errors[f"{where}.week"] = f"names the cohort of {cohort} a second time"
        weeks.append(cohort)
        form[buyers_field(cohort)] = _text(item.get("buyers"), f"{where}.buyers", "integer",
                                           errors)  # fmt: skip
        form[revenue_field(cohort)] = _text(item.get("revenue"), f"{where}.revenue", "number",
                                            errors)  # fmt: skip
    if errors:
        raise ApiError(422, "The week's log is invalid.", {"fields": errors})
    return form, weeks


def _text(value: Any, field: str, kind: str, errors: dict[str, str]) -> str:
    """Return a JSON number as the text the form parser reads (None: blank)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            kind == "integer" and not isinstance(value, int)):  # fmt: skip
        errors[field] = f"must be a JSON {kind}"
        return ""
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return format(number, "f") if number.is_finite() else "x"
