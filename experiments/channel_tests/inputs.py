"""What a channel test form or API body stores once valid, and the limits on it."""

from dataclasses import dataclass
from datetime import date

TEST_NAME_MAX = 160
TEST_TEXT_MAX = 2_000  # audience, message, hypothesis
RATIO_MAX = 1_000.0  # min LTV:CAC
PAYBACK_WEEKS_MAX = 520
CRITERIA_FIELDS: tuple[str, ...] = ("max_cac_minor", "min_leads", "min_customers",
                                    "min_conversion", "min_ltv_to_cac", "payback_weeks")

# What each decision does to the channel: (ring, status); None leaves it as it is.
DECISION_MOVES: dict[str, tuple[str | None, str | None]] = {
    "scale": ("inner", "focus"),
    "kill": (None, "dropped"),
    "iterate": (None, None),
}


def moved_by(decision: str, ring: str, status: str) -> tuple[str, str]:
    """Return the channel's (ring, status) after `decision` on one of its tests: scale puts it
    in the inner ring with status focus, kill drops it, iterate leaves it where it is."""
    new_ring, new_status = DECISION_MOVES[decision]
    return new_ring or ring, new_status or status


@dataclass(frozen=True)
class NewChannel:
    """A channel idea created with the test (outer ring, status idea)."""

    name: str
    kind: str


@dataclass(frozen=True)
class TestInput:
    """Validated fields of a channel test; channel_id None means `new_channel` is created."""

    name: str
    channel_id: int | None
    new_channel: NewChannel | None
    audience: str
    message: str
    hypothesis: str
    varies: str
    start_date: date
    end_date: date | None
    budget_cap_minor: int | None
    max_cac_minor: int | None
    min_leads: int | None
    min_customers: int | None
    min_conversion: float | None
    min_ltv_to_cac: float | None
    payback_weeks: int | None
