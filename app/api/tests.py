"""/api/v1/tests: channel tests with their live evaluation, and the decisions on them.

Bodies are validated by the tests board's form rules (`app.test_forms.parse_test`); errors
have the shape of every endpoint: 422 with `details.fields` naming each bad field.
"""

from decimal import Decimal
from typing import Any

from sqlmodel import col, select

from app.api import bp
from app.api.auth import current_api_user
from app.api.inputs import json_object
from app.api.metrics import AS_OF
from app.api.metrics import _as_of as requested_as_of
from app.api.openapi import error_response, json_response, object_schema, operation
from app.api.tests_json import (
    CRITERIA,
    DECISION_INPUT,
    MONEY_FIELDS,
    NUMBERS,
    ONE,
    TEST,
    TEST_CHANGES,
    TEST_INPUT,
    channel_test_json,
)
from app.db import get_session
from app.errors import ApiError
from app.results.metrics import today
from app.settings import accepted_dates
from app.test_forms import parse_decision, parse_test
from channels.models import Channel
from experiments.channel_tests import queries
from experiments.models import Experiment
from kernel.money import to_decimal

_TEXT = ("name", "audience", "message", "hypothesis", "varies", "start_date", "end_date")


def _form_text(name: str, value: Any, errors: dict[str, str]) -> str | None:
    """Return one JSON field as the text the form parser reads; record a type error."""
    if value is None:
        return ""
    if name in _TEXT:
        if isinstance(value, str):
            return value
        errors[name] = "must be a string"
    elif name == "channel_id":
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        errors[name] = "must be an integer"
    elif name in (*MONEY_FIELDS, *NUMBERS, "min_conversion"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            if name == "min_conversion":
                return str(Decimal(str(value)) * 100)
            return str(value) if not isinstance(value, float) else repr(value)
        if isinstance(value, str) and name in MONEY_FIELDS:
            return value
        errors[name] = "must be a number"
    else:
        errors[name] = "is not a field of a test"
    return None


def _form(body: dict[str, Any], allowed: set[str]) -> dict[str, str]:
    """Return the JSON body as form text; raise ApiError(422) naming the bad fields."""
    errors: dict[str, str] = {}
    form: dict[str, str] = {}
    for name, value in body.items():
        if name == "new_channel":
            if not isinstance(value, dict):
                errors[name] = "must be an object with name and kind"
                continue
            form["channel_id"] = "new"
            form["new_channel_name"] = str(value.get("name") or "")
            form["new_channel_kind"] = str(value.get("kind") or "")
        elif name not in allowed:
            errors[name] = "is not a field of a test"
        elif (text := _form_text(name, value, errors)) is not None:
            form[name] = text
    if errors:
        raise ApiError(422, "The test is invalid.", {"fields": errors})
    return form


def _stored_form(test: Experiment) -> dict[str, str]:
    """Return a stored test as form text (what a PATCH changes)."""
    form = {name: "" if getattr(test, name) is None else str(getattr(test, name))
            for name in (*_TEXT, *NUMBERS)}
    form["channel_id"] = str(test.channel_id)
    for name, minor in MONEY_FIELDS.items():
        value = to_decimal(getattr(test, minor))
        form[name] = "" if value is None else str(value)
    if test.min_conversion is not None:
        form["min_conversion"] = str(Decimal(str(test.min_conversion)) * 100)
    return form


def _save(test: Experiment | None, form: dict[str, str]) -> Experiment:
    session = get_session()
    ids = frozenset(i for i in session.exec(select(Channel.id)).all() if i is not None)
    data, errors = parse_test(form, accepted_dates(), ids)
    if data is None:
        api_errors = {("new_channel" if k.startswith("new_channel") else k): v
                      for k, v in errors.items()}
        raise ApiError(422, "The test is invalid.", {"fields": api_errors})
    if data.new_channel is not None:
        names = {n.casefold() for n in session.exec(select(Channel.name)).all()}
        if data.new_channel.name.casefold() in names:
            raise ApiError(409, f"A channel named {data.new_channel.name!r} already exists.")
    saved = queries.save_test(session=session, data=data, user_id=current_api_user().id,
                              test=test)
    session.commit()
    return saved


def _get(test_id: int) -> Experiment:
    test = get_session().get(Experiment, test_id)
    if test is None:
        raise ApiError(404, f"There is no test with id {test_id}.")
    return test


@bp.get("/tests")
@operation(summary="List channel tests with their evaluation as of a date", tags=["tests"],
           parameters=[AS_OF],
           responses={"200": json_response("Tests, newest start first.",
                                           object_schema({"tests": {"type": "array",
                                                                    "items": TEST}})),
                      "400": error_response(400)})
def list_tests() -> Any:
    """Return every test with its live evaluation."""
    as_of = requested_as_of()
    tests = get_session().exec(select(Experiment).order_by(
        col(Experiment.start_date).desc(), col(Experiment.id).desc())).all()
    return {"tests": [channel_test_json(t, as_of) for t in tests]}


@bp.get("/tests/<int:test_id>")
@operation(summary="One channel test with its evaluation as of a date", tags=["tests"],
           parameters=[AS_OF],
           responses={"200": json_response("The test.", ONE), "400": error_response(400),
                      "404": error_response(404)})
def get_test(test_id: int) -> Any:
    """Return one test with its live evaluation."""
    return {"test": channel_test_json(_get(test_id), requested_as_of())}


@bp.post("/tests")
@operation(summary="Create a channel test (planned)", tags=["tests"],
           requestBody={"required": True,
                        "content": {"application/json": {"schema": TEST_INPUT}}},
           responses={"201": json_response("The new test.", ONE), "400": error_response(400),
                      "409": error_response(409), "415": error_response(415),
                      "422": error_response(422)})
def create_test() -> Any:
    """Create a test on `channel_id`, or on a `new_channel` idea created with it."""
    form = {"varies": "channel"} | _form(json_object(), {*_TEXT, "channel_id", *CRITERIA})
    return {"test": channel_test_json(_save(None, form), requested_as_of())}, 201


@bp.patch("/tests/<int:test_id>")
@operation(summary="Change some fields of a channel test, or start or complete it",
           description="Only the fields sent change. `status`: `running` starts a planned "
           "test, `completed` completes a running one (409 otherwise).", tags=["tests"],
           requestBody={"required": True,
                        "content": {"application/json": {"schema": TEST_CHANGES}}},
           responses={"200": json_response("The changed test.", ONE),
                      "400": error_response(400), "404": error_response(404),
                      "409": error_response(409), "415": error_response(415),
                      "422": error_response(422)})
def update_test(test_id: int) -> Any:
    """Change the fields sent; `status` starts or completes the test."""
    test = _get(test_id)
    body = json_object()
    status = body.pop("status", None)
    expected = {"running": "planned", "completed": "running"}
    if status is not None and status not in expected:
        raise ApiError(422, "The test is invalid.",
                       {"fields": {"status": "must be running or completed"}})
    if status is not None and test.status != expected[status]:
        raise ApiError(409, f"The test is {test.status}; only a {expected[status]} test can "
                            f"become {status}.")
    changes = _form(body, {*_TEXT, "channel_id", *CRITERIA})
    if changes:
        test = _save(test, _stored_form(test) | changes)
    if status is not None:
        session = get_session()
        queries.set_status(session=session, test=test, status=status,
                           user_id=current_api_user().id)
        session.commit()
    return {"test": channel_test_json(test, requested_as_of())}


@bp.post("/tests/<int:test_id>/decision")
@operation(summary="Decide scale, iterate or kill on a running or completed test",
           description="Scale moves the channel to the inner ring with status focus; kill "
           "sets status dropped; iterate creates a planned follow-up test (`follow_up`). "
           "Dated today and signed by the token's user; moves are kept in channel history.",
           tags=["tests"],
           requestBody={"required": True,
                        "content": {"application/json": {"schema": DECISION_INPUT}}},
           responses={"200": json_response("The decided test and its follow-up, if any.",
                                           object_schema({"test": TEST, "follow_up": {
                                               "oneOf": [TEST, {"type": "null"}]}})),
                      "400": error_response(400), "404": error_response(404),
                      "409": error_response(409), "415": error_response(415),
                      "422": error_response(422)})
def decide_test(test_id: int) -> Any:
    """Record a decision and apply it to the channel."""
    test = _get(test_id)
    body = json_object()
    unknown = {k: "is not a field of a decision" for k in body if k not in ("decision", "note")}
    if not all(isinstance(body.get(k, ""), str) for k in ("decision", "note")):
        raise ApiError(422, "The decision is invalid.", {"fields": {
            k: "must be a string" for k in ("decision", "note")
            if not isinstance(body.get(k, ""), str)}})
    (decision, note), errors = parse_decision(body)
    if errors or unknown:
        raise ApiError(422, "The decision is invalid.", {"fields": errors | unknown})
    if test.status == "planned" or test.decision is not None:
        state = "planned" if test.status == "planned" else f"already decided ({test.decision})"
        raise ApiError(409, f"The test is {state}; only an undecided running or completed "
                            "test can be decided.")
    session = get_session()
    follow_up = queries.decide(session=session, test=test, decision=decision, note=note,
                               day=today(), user_id=current_api_user().id)
    session.commit()
    as_of = requested_as_of()
    return {"test": channel_test_json(test, as_of),
            "follow_up": channel_test_json(follow_up, as_of) if follow_up else None}
