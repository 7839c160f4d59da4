"""Optimistic concurrency of edit forms: what a save may change, and when it must stop.

An edit form carries the row's version and field values as they were when the form was
read. A save then writes only the fields the editor changed, and is refused (a conflict)
when someone else changed a field since to a value the editor has not seen and is not
saving anyway: storing the form would silently throw that change away.

No web framework or ORM here: views and queries of channels and spend share these rules.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Value = str | int | None
Values = Mapping[str, Value]


@dataclass(frozen=True)
class ReadAt:
    """The version and values an edit form was read with (version 0: the row did not exist).

    `overwrite` is the newer version the editor agreed to overwrite after a conflict, if any.
    """

    version: int = 0
    values: Values = field(default_factory=dict)
    overwrite: int | None = None


@dataclass(frozen=True)
class Conflict:
    """A save refused because the stored row changed since the form was read."""

    version: int  # the stored version an overwrite must name (0: the row was deleted)
    fields: tuple[str, ...]  # fields whose newer value the save would discard
    stored: Values  # the newer values (all None when the row was deleted)
    updated_at: datetime | None = None
    updated_by: str | None = None  # email; None when unknown (an import, the API, deleted user)

    @property
    def deleted(self) -> bool:
        """Return whether the row was deleted since the form was read."""
        return self.version == 0


def _same(a: Value, b: Value) -> bool:
    """Return whether two field values are equal (text compared with normalised newlines)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
    return a == b


def changed_fields(read: Values, submitted: Values) -> tuple[str, ...]:
    """Return the fields of `submitted` whose value differs from the one the form was read with."""
    return tuple(name for name, value in submitted.items() if not _same(value, read.get(name)))


def lost_fields(read: Values, stored: Values, submitted: Values) -> tuple[str, ...]:
    """Return the fields someone else changed to a value this save would discard."""
    return tuple(
        name
        for name, value in submitted.items()
        if not _same(stored.get(name), read.get(name))
        and not _same(stored.get(name), value)
    )


def merged(read: Values, stored: Values, submitted: Values) -> dict[str, Value]:
    """Return the row to store: the editor's changed fields over the stored ones."""
    changed = set(changed_fields(read, submitted))
    return {name: submitted[name] if name in changed else stored.get(name) for name in submitted}


def conflicting(
    read: ReadAt, stored_version: int, stored: Values, submitted: Values
) -> tuple[str, ...]:
    """Return the fields that make this save a conflict (empty: it may be stored).

    An overwrite naming the stored version is never a conflict: the editor saw that version.
    """
    if read.overwrite is not None and read.overwrite == stored_version:
        return ()
    return lost_fields(read.values, stored, submitted)


def rebased(read: Values, stored: Values, submitted: Values) -> dict[str, Value]:
    """Return the read values a conflicting form carries on: the newer value where unchanged."""
    changed = set(changed_fields(read, submitted))
    return {name: read.get(name) if name in changed else stored.get(name) for name in submitted}


def parse_read_at(form: Mapping[str, str], names: tuple[str, ...]) -> ReadAt:
    """Return the read state an edit form posted (`version`, `read` JSON and `overwrite`).

    Missing or malformed fields read as "nothing was read" (version 0, every value None),
    which makes a save over any stored row a conflict rather than a blind overwrite.
    """
    version = _whole(form.get("version"))
    try:
        posted: Any = json.loads(form.get("read") or "{}")
    except ValueError:
        posted = {}
    if not isinstance(posted, dict):
        posted = {}
    values = {name: _value(posted.get(name)) for name in names}
    return ReadAt(version or 0, values, _whole(form.get("overwrite")))


def read_json(values: Values) -> str:
    """Return `values` as the JSON text an edit form carries in its `read` field."""
    return json.dumps(dict(values), ensure_ascii=False, separators=(",", ":"))


def _whole(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _value(value: Any) -> Value:
    """Return a posted JSON value if it is one a field can hold (text, integer or null)."""
    if isinstance(value, bool) or not isinstance(value, str | int | None):
        return None
    return value
