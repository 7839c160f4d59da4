"""JSON of channel tests: OpenAPI schemas, and a test with its evaluation as JSON."""

from typing import Any

from app.api.metrics import MONEY, RATIO, money
from app.api.openapi import add_schema, object_schema
from app.db import get_session
from app.results.channel_tests import rules_for_tests
from app.settings import load_settings
from channels.models import Channel
from cohorts.queries import AsOf
from experiments.channel_tests import queries
from experiments.channel_tests.evaluation import Evaluation, needs_decision
from experiments.models import Experiment
from kernel.vocabulary import CHANNEL_KINDS, DECISIONS, TEST_STATUSES, VARIES

_DATE = {"type": "string", "format": "date"}
_NULL_DATE = {"type": ["string", "null"], "format": "date"}
_COUNT = {"type": ["integer", "null"], "minimum": 0}
_INTERVAL = {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2,
             "maxItems": 2}
CRITERIA = {
    "budget_cap": MONEY, "max_cac": MONEY, "min_leads": _COUNT, "min_customers": _COUNT,
    "min_conversion": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                       "description": "A fraction: 0.05 is 5 %."},
    "min_ltv_to_cac": {"type": ["number", "null"], "minimum": 0},
    "payback_weeks": {"type": ["integer", "null"], "minimum": 1},
}
PLAN = {
    "name": {"type": "string", "minLength": 1, "maxLength": 160},
    "channel_id": {"type": "integer"},
    "new_channel": object_schema({"name": {"type": "string"},
                                  "kind": {"type": "string", "enum": list(CHANNEL_KINDS)}},
                                 ["name", "kind"]),
    "audience": {"type": "string"}, "message": {"type": "string"},
    "hypothesis": {"type": "string"},
    "varies": {"type": "string", "enum": list(VARIES), "default": "channel"},
    "start_date": _DATE, "end_date": _NULL_DATE, **CRITERIA,
}
EVALUATION = add_schema("TestEvaluation", object_schema({
    "as_of": _DATE, "spend": MONEY, "budget_cap": MONEY,
    "budget_share": {"type": ["number", "null"]}, "over_budget": {"type": "boolean"},
    "leads": {"type": "integer"}, "customers": {"type": "integer"},
    "cac": MONEY, "cac_interval": _INTERVAL, "conversion": RATIO,
    "conversion_interval": _INTERVAL, "ltv": MONEY, "ltv_to_cac": RATIO,
    "ltv_to_cac_interval": _INTERVAL, "paid_back_on": _NULL_DATE,
    "ltv_basis": {"type": "string", "enum": ["projected", "observed"], "description":
                  "projected: ltv is the channel's projected LTV per customer at the install's "
                  "horizon (repeat-purchase model) and ltv_to_cac_interval its 80 % interval; "
                  "observed: margin × revenue to date ÷ customers, with a 95 % interval."},
    "days_left": {"type": ["integer", "null"]}, "past_end": {"type": "boolean"},
    "criteria": {"type": "array", "items": object_schema({
        "key": {"type": "string"}, "label": {"type": "string"},
        "judgement": {"type": "string", "enum": ["met", "not_met", "not_enough_data"]},
        "detail": {"type": "string"}})},
    "verdict": {"type": "string"},
}))
TEST = add_schema("ChannelTest", object_schema({
    "id": {"type": "integer"}, **{k: v for k, v in PLAN.items() if k != "new_channel"},
    "channel_name": {"type": "string"},
    "status": {"type": "string", "enum": list(TEST_STATUSES)},
    "parent_id": {"type": ["integer", "null"]},
    "decision": {"type": ["string", "null"], "enum": [*DECISIONS, None]},
    "decision_note": {"type": "string"}, "decided_on": _NULL_DATE,
    "decided_by_id": {"type": ["integer", "null"]},
    "needs_decision": {"type": ["string", "null"]},
    "evaluation": {"oneOf": [EVALUATION, {"type": "null"}]},
}))
TEST_INPUT = add_schema("ChannelTestInput", object_schema(PLAN, ["name", "start_date"]))
TEST_CHANGES = add_schema("ChannelTestChanges", object_schema(
    {**PLAN, "status": {"type": "string", "enum": ["running", "completed"]}}, []))
DECISION_INPUT = add_schema("TestDecisionInput", object_schema(
    {"decision": {"type": "string", "enum": list(DECISIONS)}, "note": {"type": "string"}},
    ["decision"]))
ONE = object_schema({"test": TEST})
MONEY_FIELDS = {"budget_cap": "budget_cap_minor", "max_cac": "max_cac_minor"}
NUMBERS = ("min_leads", "min_customers", "min_ltv_to_cac", "payback_weeks")


def _interval(pair: tuple[float, float] | None, as_money: bool = False) -> list[Any] | None:
    if pair is None:
        return None
    return [money(x) for x in pair] if as_money else list(pair)


def evaluation_json(e: Evaluation) -> dict[str, Any]:
    """Return an evaluation as JSON (money in currency units)."""
    return {
        "as_of": e.as_of.isoformat(), "spend": money(e.spend_minor),
        "budget_cap": money(e.budget_cap_minor), "budget_share": e.budget_share,
        "over_budget": e.over_budget, "leads": e.leads, "customers": e.customers,
        "cac": money(e.cac_minor), "cac_interval": _interval(e.cac_interval, True),
        "conversion": e.conversion, "conversion_interval": _interval(e.conversion_interval),
        "ltv": money(e.ltv_minor), "ltv_to_cac": e.ltv_to_cac,
        "ltv_to_cac_interval": _interval(e.ltv_to_cac_interval),
        "ltv_basis": "projected" if e.ltv_projected else "observed",
        "paid_back_on": e.paid_back_on.isoformat() if e.paid_back_on else None,
        "days_left": e.days_left, "past_end": e.past_end,
        "criteria": [vars(c) for c in e.criteria], "verdict": e.verdict,
    }


def channel_test_json(test: Experiment, as_of: AsOf) -> dict[str, Any]:
    """Return a test with its evaluation as of a date."""
    session = get_session()
    channel = session.get(Channel, test.channel_id)
    evaluation = queries.evaluate_test(session=session, test=test, as_of=as_of,
                                       rules=rules_for_tests(load_settings(), as_of))
    return {
        "id": test.id, "name": test.name, "channel_id": test.channel_id,
        "channel_name": channel.name if channel else "", "audience": test.audience,
        "message": test.message, "hypothesis": test.hypothesis, "varies": test.varies,
        "start_date": test.start_date.isoformat(),
        "end_date": test.end_date.isoformat() if test.end_date else None,
        **{name: money(getattr(test, minor)) for name, minor in MONEY_FIELDS.items()},
        "min_conversion": test.min_conversion,
        **{name: getattr(test, name) for name in NUMBERS},
        "status": test.status, "parent_id": test.parent_id, "decision": test.decision,
        "decision_note": test.decision_note,
        "decided_on": test.decided_on.isoformat() if test.decided_on else None,
        "decided_by_id": test.decided_by_id,
        "needs_decision": needs_decision(test.status, test.decision, evaluation),
        "evaluation": evaluation_json(evaluation) if evaluation else None,
    }
