"""GET and PATCH /api/v1/settings: the install-wide settings (owners change them).

PATCH follows the settings page's rules (`app.settings_input`), except that the gross margin
is a fraction (0.8), as stored and as GET returns it. A change of week start or time zone
re-derives every stored week before the answer, in the same transaction.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask import current_app

from app.api import bp
from app.api.auth import current_api_user
from app.api.inputs import json_object
from app.api.openapi import add_schema, error_response, json_response, object_schema, operation
from app.db import get_engine, get_session
from app.errors import ApiError
from app.jobs.settings_change import apply_settings, running_change, stored_values
from app.settings import accepted_dates, ensure_settings
from app.settings_input import (
    ACCOUNT_QUALITY,
    FIELDS,
    RECIPIENTS_MAX,
    currencies,
    form_text,
    parse_settings,
)
from cohorts.ltv.channels import BACKTEST_WEEKS_MAX

_TEXT = {"currency", "timezone", "digest_time", "digest_recipients", "account_quality"}
_WHOLE = {"week_start", "projection_horizon_weeks", "ltv_backtest_weeks", "mature_weeks",
          "min_leads_per_group",
          "min_customers_total", "sequential_expected_leads", "digest_weekday"}
_DAY = {"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Monday … 6 = Sunday"}
_PROPERTIES: dict[str, Any] = {
    "currency": {"type": "string", "enum": list(currencies())},
    "week_start": _DAY,
    "timezone": {"type": "string", "description": "An IANA time zone name."},
    "gross_margin": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "ltv_to_cac_min": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
    "payback_max_months": {"type": "number", "exclusiveMinimum": 0, "maximum": 120},
    "projection_horizon_weeks": {"type": "integer", "minimum": 1, "maximum": 520},
    "ltv_backtest_weeks": {"type": "integer", "minimum": 1, "maximum": BACKTEST_WEEKS_MAX,
                           "description": "Weeks before the as-of date the LTV backtest "
                                          "projects from (its holdout length)."},
    "account_quality": {"type": "string", "enum": list(ACCOUNT_QUALITY), "description": (
        "Account quality score of the audience page: revenue_margin (revenue × margin to "
        "date) or projected_ltv (the projected LTV to the horizon; the audience fit waits for "
        "the LTV fit). Changing it refits the audience.")},
    "mature_weeks": {"type": "integer", "minimum": 1, "maximum": 52},
    **{name: {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
       for name in ("burnout_p", "burnout_level", "watch_p", "watch_level")},
    "min_leads_per_group": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
    "min_customers_total": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
    "sequential_expected_leads": {"type": "integer", "minimum": 10, "maximum": 100_000_000},
    "digest_enabled": {"type": "boolean"},
    "digest_weekday": _DAY,
    "digest_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
    "digest_recipients": {"type": "string", "description": (
        f"Email addresses separated by commas (at most {RECIPIENTS_MAX}); PATCH also takes "
        "an array of addresses.")},
}
for _name, _property in _PROPERTIES.items():
    _PROPERTIES[_name] = _property | {"description": _property.get(
        "description", FIELDS[_name].hint)}
SETTINGS = add_schema("Settings", object_schema(_PROPERTIES))
_CHANGES = dict(_PROPERTIES, digest_recipients={"oneOf": [
    _PROPERTIES["digest_recipients"], {"type": "array", "items": {"type": "string"}}]})
SETTINGS_CHANGES = add_schema("SettingsChanges", object_schema(_CHANGES, []))
_ANSWER = object_schema({"settings": SETTINGS})
_CHANGED = object_schema({"settings": SETTINGS, "changed": {
    "type": "array", "items": {"type": "string", "enum": list(FIELDS)},
    "description": "The fields whose value changed."}})


def settings_json(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored settings as the API shows them."""
    return {name: values[name] for name in FIELDS}


def _text(name: str, value: Any) -> str | None:
    """Return a JSON value as the form text the settings rules read (None: wrong type)."""
    if name == "digest_enabled":
        return ("on" if value else "") if isinstance(value, bool) else None
    if isinstance(value, bool):
        return None
    if name == "digest_recipients" and isinstance(value, list):
        return ", ".join(value) if all(isinstance(v, str) for v in value) else None
    if name in _TEXT:
        return value if isinstance(value, str) else None
    if name in _WHOLE:
        return str(value) if isinstance(value, int) else None
    if isinstance(value, int | float):
        return format(Decimal(repr(value)), "f")
    return None


def _changes(body: Mapping[str, Any]) -> dict[str, str]:
    """Return the body as settings form text; raise ApiError(422) naming every bad field."""
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, value in body.items():
        text = _text(name, value) if name in FIELDS else None
        if name not in FIELDS:
            errors[name] = "is not a setting"
        elif text is None:
            kind = ("string or array of strings" if name == "digest_recipients"
                    else _PROPERTIES[name]["type"])
            errors[name] = f"must be {'an' if kind == 'integer' else 'a'} {kind}"
        else:
            form[name] = text
    if errors:
        raise ApiError(422, "The settings are invalid; nothing was saved.", {"fields": errors})
    return form


@bp.get("/settings")
@operation(summary="Read the install-wide settings", tags=["settings"],
           responses={"200": json_response("Every setting.", _ANSWER)})
def read_settings() -> Any:
    """Return every setting."""
    return {"settings": settings_json(stored_values(ensure_settings(get_session())))}


@bp.patch("/settings")
@operation(
    summary="Change some settings (owners only)",
    description=(
        "Only the fields sent change; each is checked by the settings page's rules and, if any "
        "is invalid, the answer is 422 naming every bad field and nothing is saved. A change "
        "of week_start or timezone re-derives every lead's cohort week, purchase date and "
        "spend week and rebuilds the cohort aggregates before the answer, in one transaction. "
        "Any change marks cached metrics and stored fits stale at once."),
    tags=["settings"],
    requestBody={"required": True, "content": {"application/json": {"schema": SETTINGS_CHANGES}}},
    responses={
        "200": json_response("The settings after the change.", _CHANGED),
        "400": error_response(400), "409": error_response(409), "415": error_response(415),
        "422": error_response(422),
    },
)
def update_settings() -> Any:
    """Change the fields sent (owners' tokens only)."""
    user = current_api_user()
    if user.role != "owner":
        raise ApiError(403, f"This token belongs to an {user.role}; only owners can change "
                       "the settings.")
    changes = _changes(json_object())
    session = get_session()
    current = form_text(stored_values(ensure_settings(session)), margin_unit="fraction")
    values, errors = parse_settings(current | changes, margin_unit="fraction")
    if values is None:
        raise ApiError(422, "The settings are invalid; nothing was saved.", {"fields": errors})
    if running_change(get_engine(), current_app.config["INSTANCE_DIR"]) is not None:
        raise ApiError(409, "A change of week start or time zone is still being applied; "
                       "nothing was saved. Send the request again when it has finished.")
    session.rollback()  # the change runs in its own transaction
    changed = apply_settings(get_engine(), values, window=accepted_dates(values["timezone"]))
    return {"settings": settings_json(stored_values(ensure_settings(get_session()))),
            "changed": changed}
