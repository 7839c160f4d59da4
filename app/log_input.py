"""Read a quick-log week as submitted text (the web form, or the API's JSON turned into text)."""

from collections.abc import Iterable, Mapping
from datetime import date

from app.forms import Errors, parse_amount, parse_count
from ingest.quick_log import LEADS_MAX, WeekEntry


def buyers_field(cohort: date) -> str:
    """Return the name of the input holding the week's new buyers of the cohort of `cohort`."""
    return f"buyers.{cohort.isoformat()}"


def revenue_field(cohort: date) -> str:
    """Return the name of the input holding those buyers' revenue."""
    return f"revenue.{cohort.isoformat()}"


def _count(form: Mapping[str, str], field: str, label: str, errors: Errors) -> int:
    """Return a whole number ≥ 0 from `field` (blank: 0), or 0 with an error for the field."""
    text = (form.get(field) or "").strip()
    try:
        return parse_count(text, high=LEADS_MAX) if text else 0
    except ValueError as exc:
        errors[field] = f"{label} {exc}."
        return 0


def _money(form: Mapping[str, str], field: str, label: str, errors: Errors,
           required: bool = False) -> int:  # fmt: skip
    """Return minor units ≥ 0 from `field` (blank: 0 unless required), or 0 with an error."""
    text = (form.get(field) or "").strip()
    if not text and required:
        errors[field] = f"{label} is required (0 if nothing was spent)."
        return 0
    try:
        return parse_amount(text) if text else 0
    except ValueError as exc:
        errors[field] = f"{label} {exc}."
        return 0


def parse_week_log(
    form: Mapping[str, str], cohorts: Iterable[date]
) -> tuple[WeekEntry | None, Errors]:
    """Validate a week's log: spend (required), new leads, and buyers and revenue per cohort.

    Only the inputs of `cohorts` (the cohorts the form lists) are read; blank counts and
    revenues are 0. Rules needing what is stored (buyers ≤ leads …) are the core's.
    """
    errors: Errors = {}
    spend = _money(form, "spend", "Spend", errors, required=True)
    leads = _count(form, "leads", "New leads", errors)
    buyers: dict[date, tuple[int, int]] = {}
    for cohort in cohorts:
        label = f"cohort of {cohort.isoformat()}"
        count = _count(form, buyers_field(cohort), f"Buyers ({label})", errors)
        revenue = _money(form, revenue_field(cohort), f"Revenue ({label})", errors)
        if count or revenue:
            buyers[cohort] = (count, revenue)
    if errors:
        return None, errors
    return WeekEntry(spend, leads, buyers), {}


def field_label(field: str) -> str:
    """Return how the form labels `field` (buyers.<week> → "Buyers (cohort of <week>)")."""
    kind, _dot, cohort = field.partition(".")
    labels = {"spend": "Spend", "leads": "New leads", "week": "Week", "channel": "Channel",
              "buyers": "Buyers", "revenue": "Revenue"}  # fmt: skip
    label = labels.get(kind, kind)
    return f"{label} (cohort of {cohort})" if cohort else label
