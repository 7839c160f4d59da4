"""Read channel and weekly-spend input into plain values plus field errors.

No Flask: the web forms and the API's channel writes share these parsers.

Every parser takes a mapping of submitted text and returns `(value, errors)`: `value` is
None exactly when `errors` (field name → message for the person typing) is non-empty.
"""

from collections.abc import Mapping
from datetime import date

from channels.inputs import (
    AMOUNT_MAX_MINOR,
    COUNT_MAX,
    ICE_FIELDS,
    LAUNCH_DAYS_MAX,
    NAME_MAX,
    CellEdit,
    ChannelInput,
    SpendInput,
)
from ingest import values
from kernel.text import NOTES_MAX, unstorable
from kernel.vocabulary import CHANNEL_KINDS, RINGS, STATUSES

LABELS: dict[str, str] = {
    "launch_days": "Launch days",
    "ice_impact": "Impact",
    "ice_confidence": "Confidence",
    "ice_ease": "Ease",
    "impressions": "Impressions",
    "clicks": "Clicks",
}
CHANNEL_LABELS: dict[str, str] = {
    "name": "Name",
    "kind": "Kind",
    "ring": "Bullseye ring",
    "status": "Status",
    "launch_days": "Launch days",
    "ice_impact": "Impact",
    "ice_confidence": "Confidence",
    "ice_ease": "Ease",
    "notes": "Notes",
}
Errors = dict[str, str]


def _text(form: Mapping[str, str], field: str) -> str:
    return (form.get(field) or "").strip()


def parse_count(text: str, *, low: int = 0, high: int = COUNT_MAX) -> int:
    """Return the whole number in `text`, read as the CSV import reads it; raise ValueError."""
    if text.strip().startswith("-"):
        raise ValueError(f"must be {low} or more")
    try:
        value = values.parse_count(text.strip())
    except values.CellError:
        raise ValueError("must be a whole number") from None
    if not low <= value <= high:
        raise ValueError(f"must be between {low} and {high:,}")
    return value


def parse_amount(text: str) -> int:
    """Return minor units for an amount ≥ 0, read as the CSV import reads it; raise ValueError.

    One parser serves the spend grid, the spend sheet and the import (`ingest.values`), so
    "1 250,50" and "1,234.50" are read alike and "1,234" is refused as ambiguous everywhere.
    """
    try:
        minor = values.parse_amount(text.strip())
    except values.CellError as exc:
        raise ValueError(str(exc)) from None
    if minor > AMOUNT_MAX_MINOR:
        raise ValueError("is too large")
    return minor


def _optional_count(
    form: Mapping[str, str], field: str, errors: Errors, *, low: int = 0, high: int = COUNT_MAX
) -> int | None:
    text = _text(form, field)
    if not text:
        return None
    try:
        return parse_count(text, low=low, high=high)
    except ValueError as exc:
        errors[field] = f"{LABELS[field]} {exc}."
        return None


def _choice(
    form: Mapping[str, str],
    field: str,
    allowed: Mapping[str, str] | tuple[str, ...],
    errors: Errors,
) -> str:
    value = _text(form, field)
    if value not in allowed:
        errors[field] = f"Choose a {field.replace('_', ' ')} from the list."
    return value


def parse_channel(form: Mapping[str, str]) -> tuple[ChannelInput | None, Errors]:
    """Validate a channel form; name uniqueness needs the database and is checked by the caller."""
    errors: Errors = {}
    name = " ".join(_text(form, "name").split())
    notes = (form.get("notes") or "").strip()
    if not name:
        errors["name"] = "Name is required."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Name must be at most {NAME_MAX} characters."
    elif problem := unstorable(name):
        errors["name"] = f"Name {problem}."
    if len(notes) > NOTES_MAX:
        errors["notes"] = f"Notes must be at most {NOTES_MAX:,} characters."
    elif problem := unstorable(notes):
        errors["notes"] = f"Notes {problem}."
    kind = _choice(form, "kind", CHANNEL_KINDS, errors)
    ring = _choice(form, "ring", RINGS, errors)
    status = _choice(form, "status", STATUSES, errors)
    launch_days = _optional_count(form, "launch_days", errors, high=LAUNCH_DAYS_MAX)
    ice = {field: _optional_count(form, field, errors, low=1, high=10) for field in ICE_FIELDS}
    if errors:
        return None, errors
    return ChannelInput(name, kind, ring, status, launch_days, notes=notes, **ice), {}


def parse_spend(form: Mapping[str, str], *, row_exists: bool) -> tuple[SpendInput | None, Errors]:
    """Validate a spend row: amount ≥ 0 (2 decimals), counts ≥ 0, clicks ≤ impressions.

    A blank amount clears an existing row; on a week with no row yet, counts need an amount.
    """
    errors: Errors = {}
    amount_text = _text(form, "amount")
    amount: int | None = None
    if amount_text:
        try:
            amount = parse_amount(amount_text)
        except ValueError as exc:
            errors["amount"] = f"Amount {exc}."
    impressions = _optional_count(form, "impressions", errors)
    clicks = _optional_count(form, "clicks", errors)
    if impressions is not None and clicks is not None and clicks > impressions:
        errors["clicks"] = f"Clicks ({clicks:,}) cannot exceed impressions ({impressions:,})."
    has_counts = bool(_text(form, "impressions") or _text(form, "clicks"))
    if not amount_text and has_counts and not row_exists:
        errors.setdefault("amount", "Enter the amount first (0 if nothing was spent).")
    if errors:
        return None, errors
    if amount is None:
        return SpendInput(None, None, None), {}
    return SpendInput(amount, impressions, clicks), {}


def sheet_input(channel_id: int, week: date) -> str:
    """Return the name of the spend sheet's amount input of one channel and week."""
    return f"amount-{channel_id}-{week.isoformat()}"


def _read_minor(text: str | None) -> int | None:
    """Return the amount a sheet cell was read with (minor units; None when blank or odd)."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def parse_sheet(
    form: Mapping[str, str], cells: Mapping[str, tuple[int, date]]
) -> tuple[list[CellEdit], Errors]:
    """Return the amounts changed on the spend sheet and every cell's error (by input name).

    `cells` maps each input name of the sheet to its (channel id, week); other fields are
    ignored. A blank amount clears the week; `read-<input>` holds the minor units it showed.
    """
    edits: list[CellEdit] = []
    errors: Errors = {}
    for name, (channel_id, week) in cells.items():
        if name not in form:
            continue
        text = _text(form, name)
        read = _read_minor(form.get(f"read-{name}"))
        try:
            amount = parse_amount(text) if text else None
        except ValueError as exc:
            errors[name] = f"Amount {exc}."
            continue
        if amount != read:
            edits.append(CellEdit(channel_id, week, read, amount))
    return edits, errors
