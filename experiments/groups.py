"""Group specs: which leads a comparison looks at, as text (`channel:3+segment:industry=saas`).

Parts, combined with `+` (all must hold): `channel:<id>`, `test:<id>`,
`segment:<attribute>=<value>` (repeatable) and `cohorts:<from>..<to>` (ISO dates,
cohort weeks inclusive). `all` alone is every lead (no condition): what a segment is set
against when no channel is chosen. The text round-trips, so a group can live in a URL.
"""

from dataclasses import dataclass
from datetime import date

KINDS: tuple[str, ...] = ("channel", "test", "segment", "cohorts")
ALL = "all"  # the group of every lead
ID_MAX = 2**31 - 1  # the largest id the database stores (a 32-bit integer column)


class GroupSpecError(ValueError):
    """A group spec that cannot be parsed; the message names the bad part."""


@dataclass(frozen=True)
class GroupSpec:
    """The conditions a lead must meet to belong to a group (None: no condition)."""

    channel_id: int | None = None
    experiment_id: int | None = None
    segments: tuple[tuple[str, str], ...] = ()
    cohorts: tuple[date, date] | None = None

    def __str__(self) -> str:
        """Return the canonical text form of the spec."""
        parts = [] if self.channel_id is None else [f"channel:{self.channel_id}"]
        parts += [] if self.experiment_id is None else [f"test:{self.experiment_id}"]
        parts += [f"segment:{key}={value}" for key, value in self.segments]
        if self.cohorts:
            parts.append(f"cohorts:{self.cohorts[0].isoformat()}..{self.cohorts[1].isoformat()}")
        return "+".join(parts) or ALL


@dataclass
class _Parts:
    """The parts parsed so far (mutable while parsing)."""

    channel_id: int | None = None
    experiment_id: int | None = None
    segments: tuple[tuple[str, str], ...] = ()
    cohorts: tuple[date, date] | None = None


def parse_group(text: str) -> GroupSpec:
    """Return the spec of `text`; raise GroupSpecError naming the first bad part."""
    if not text or not text.strip():
        raise GroupSpecError(
            f"the group is empty; use e.g. channel:3, segment:industry=saas or {ALL} (every lead)")
    if text.strip().lower() == ALL:
        return GroupSpec()
    found = _Parts()
    for raw in text.strip().split("+"):
        part = raw.strip()
        kind, sep, value = part.partition(":")
        if not sep or kind not in KINDS:
            raise GroupSpecError(f"{part!r} is not a group part; use "
                                 f"{', '.join(k + ':…' for k in KINDS)} or {ALL} alone")
        _add_part(found, kind, value.strip(), part)
    return GroupSpec(found.channel_id, found.experiment_id, found.segments, found.cohorts)


def _add_part(found: _Parts, kind: str, value: str, part: str) -> None:
    """Record one parsed part in `found`, rejecting repeats and malformed values."""
    if kind == "segment":
        key, eq, wanted = value.partition("=")
        if not eq or not key.strip() or not wanted.strip():
            raise GroupSpecError(f"{part!r}: a segment is attribute=value, e.g. industry=saas")
        found.segments = (*found.segments, (key.strip(), wanted.strip()))
        return
    field = {"channel": "channel_id", "test": "experiment_id", "cohorts": "cohorts"}[kind]
    if getattr(found, field) is not None:
        raise GroupSpecError(f"{part!r}: {kind} is given twice; a group has one {kind} part")
    setattr(found, field, _cohorts(value, part) if kind == "cohorts" else _identifier(value, part))


def _identifier(value: str, part: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise GroupSpecError(f"{part!r}: the id must be a positive whole number")
    if len(value) > len(str(ID_MAX)) or int(value) > ID_MAX:
        raise GroupSpecError(f"{part!r}: the id is too large; no record has an id above {ID_MAX}")
    return int(value)


def _cohorts(value: str, part: str) -> tuple[date, date]:
    start, sep, end = value.partition("..")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        sep = ""
    if not sep:
        raise GroupSpecError(f"{part!r}: cohorts are a date range like 2026-01-05..2026-03-30")
    if last < first:
        raise GroupSpecError(f"{part!r}: the range ends before it starts")
    return first, last
