"""What an edit form shows after a refused save: the editor's input, the newer values, and
the read state to post next (so a conflict is overwritten only by an explicit second submit).
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from channels.edits import Conflict, ReadAt, Value, Values, changed_fields, rebased
from channels.inputs import SpendInput
from kernel.money import to_decimal

T = TypeVar("T")

# Spend-grid inputs by the field they fill (the amount cell holds minor units as money text).
SPEND_INPUTS: dict[str, str] = {"amount_minor": "amount", "impressions": "impressions",
                                "clicks": "clicks"}  # fmt: skip


def store_once_more_on_race(session: Session, save: Callable[[], T]) -> T:
    """Return `save()`; when a concurrent write beat it to the row, roll back and save again.

    The second try reads the newer row, so it reports a conflict (or finds none) instead of
    failing: the version checked by the ORM's UPDATE or a unique key met a concurrent writer.
    """
    try:
        return save()
    except (StaleDataError, IntegrityError, OperationalError):
        session.rollback()
    return save()


def form_state(
    *,
    read: ReadAt,
    shown: Mapping[str, str],
    submitted: Values,
    errors: Mapping[str, str],
    conflict: Conflict | None = None,
    stored_text: Mapping[str, str] | None = None,
    inputs: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return what an edit form re-renders with after a refused save.

    `shown`: the text of each input as posted; on a conflict, inputs the editor did not change
    show the newer stored text (`stored_text`) instead, and the read values move to the newer
    ones there, so an overwrite writes only what the editor changed. The version stays the
    one read: a save without `overwrite` meets the same conflict again. `inputs` names the
    input of each field where the two differ.
    """
    names = inputs or {}
    values: Values = read.values
    texts = dict(shown)
    changed = {names.get(f, f) for f in changed_fields(read.values, submitted)}
    if conflict is not None and stored_text is not None:
        values = rebased(read.values, conflict.stored, submitted)
        texts |= {name: text for name, text in stored_text.items() if name not in changed}
    return {
        "submitted": texts,
        "errors": dict(errors),
        "conflict": conflict,
        "conflicting": [names.get(f, f) for f in conflict.fields] if conflict else [],
        "changed": sorted(changed),
        "source": conflict_source(conflict) if conflict else "",
        "version": read.version,
        "read": dict(values),
    }


def conflict_source(conflict: Conflict) -> str:
    """Return who changed the row and when, as far as known ("" when neither is)."""
    who = f" by {conflict.updated_by}" if conflict.updated_by else ""
    when = f" at {conflict.updated_at:%Y-%m-%d %H:%M} UTC" if conflict.updated_at else ""
    return who + when


def spend_state(
    form: Mapping[str, str],
    read: ReadAt, data: SpendInput | None, errors: dict[str, str], conflict: Conflict | None
) -> dict[str, Any]:
    """Return how a refused spend row re-renders: the typed text, newer values, read state."""
    shown = {name: form.get(name, "") for name in SPEND_INPUTS.values()}
    submitted = {} if data is None else {name: getattr(data, name) for name in SPEND_INPUTS}
    stored_text = None
    if conflict is not None:
        stored_text = {SPEND_INPUTS[name]: cell_text(name, value)
                       for name, value in conflict.stored.items()}  # fmt: skip
    return form_state(read=read, shown=shown, submitted=submitted, errors=errors,
                      conflict=conflict, stored_text=stored_text, inputs=SPEND_INPUTS)  # fmt: skip


def cell_text(name: str, value: Value) -> str:
    """Return a stored spend cell as the text its input shows ("1234.50", "900", "")."""
    if not isinstance(value, int):
        return ""
    return str(to_decimal(value)) if name == "amount_minor" else str(value)
