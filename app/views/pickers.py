"""Group pickers of the compare form: chosen channel, test, cohort weeks and segment as a spec.

Each side (a, b) of the form has selects `<side>_channel`, `<side>_test`, dates
`<side>_from`/`<side>_to`, `<side>_attribute`/`<side>_value`, the typed spec `<side>`, and a
hidden `<side>_shown` holding the spec the page was rendered with. Picks become the same
text the URL carries (`channel:3+segment:industry=saas`), so every comparison stays shareable.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from app.db import get_session
from app.results.cache import cached
from experiments.groups import GroupSpecError, parse_group
from experiments.queries import GroupChoices, group_choices
from experiments.segments.queries import attribute_keys, attribute_values

PICK_FIELDS: tuple[str, ...] = ("channel", "test", "from", "to", "attribute", "value", "shown")


@dataclass(frozen=True)
class Picks:
    """One side's picker values as form text ('' when not chosen)."""

    channel: str = ""
    test: str = ""
    first_week: str = ""
    last_week: str = ""
    attribute: str = ""
    value: str = ""

    def spec_text(self) -> str:
        """Return the group spec text of the picks ('' when nothing is picked)."""
        parts = [f"channel:{self.channel}"] if self.channel else []
        parts += [f"test:{self.test}"] if self.test else []
        if self.attribute and self.value:
            parts.append(f"segment:{self.attribute}={self.value}")
        if self.first_week or self.last_week:
            # A single date means that one cohort week; parse_group validates the dates.
            first = self.first_week or self.last_week
            parts.append(f"cohorts:{first}..{self.last_week or first}")
        return "+".join(parts)


def picks_from_args(args: Mapping[str, str], side: str) -> Picks:
    """Return the picker values of one side from request arguments."""
    def get(name: str) -> str:
        return args.get(f"{side}_{name}", "").strip()

    return Picks(get("channel"), get("test"), get("from"), get("to"), get("attribute"),
                 get("value"))


def chosen_group(args: Mapping[str, str], side: str) -> str:
    """Return the side's group text: the typed text if it was edited, else the picks."""
    typed = args.get(side, "").strip()
    picked = picks_from_args(args, side).spec_text()
    if typed and (typed != args.get(f"{side}_shown", "").strip() or not picked):
        return typed
    return picked or typed


def submitted_with_pickers(args: Mapping[str, str]) -> bool:
    """Return True when the request came from the picker form (not a canonical URL)."""
    return any(f"{side}_{name}" in args for side in ("a", "b") for name in PICK_FIELDS)


def picks_of(text: str) -> Picks:
    """Return the picks that show `text`; empty when it does not parse or has 2+ segments."""
    try:
        spec = parse_group(text)
    except GroupSpecError:
        return Picks()
    if len(spec.segments) > 1:
        return Picks()
    attribute, value = spec.segments[0] if spec.segments else ("", "")
    first, last = (d.isoformat() for d in spec.cohorts) if spec.cohorts else ("", "")
    return Picks("" if spec.channel_id is None else str(spec.channel_id),
                 "" if spec.experiment_id is None else str(spec.experiment_id),
                 first, last, attribute, value)


def attributes() -> list[str]:
    """Return every lead attribute key, cached until the data changes."""
    return cached(("attribute_keys",), lambda: attribute_keys(session=get_session()))


def values_of(attribute: str) -> list[tuple[str, int]]:
    """Return (value, leads) of one attribute, cached until the data changes."""
    if not attribute:
        return []
    return cached(("attribute_values", attribute),
                  lambda: attribute_values(session=get_session(), attribute=attribute))


def choices() -> GroupChoices:
    """Return the channels and tests the pickers offer (not cached: tests bump no version)."""
    return group_choices(session=get_session())
