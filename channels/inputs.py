"""What a channel edit or a spend-grid save stores once its input is valid, and the limits."""

from dataclasses import dataclass
from datetime import date

NAME_MAX = 120
LAUNCH_DAYS_MAX = 3650
ICE_FIELDS: tuple[str, ...] = ("ice_impact", "ice_confidence", "ice_ease")
AMOUNT_MAX_MINOR = 10**14  # one trillion units: far above any weekly budget, far below BIGINT
COUNT_MAX = 10**15


@dataclass(frozen=True)
class ChannelInput:
    """Validated fields of a channel form."""

    name: str
    kind: str
    ring: str
    status: str
    launch_days: int | None
    ice_impact: int | None
    ice_confidence: int | None
    ice_ease: int | None
    notes: str


@dataclass(frozen=True)
class SpendInput:
    """Validated cells of one spend-grid row; amount None means "clear this week"."""

    amount_minor: int | None
    impressions: int | None
    clicks: int | None


@dataclass(frozen=True)
class CellEdit:
    """One spend-sheet amount the editor changed: what it showed and what was typed (None:
    clear the week)."""

    channel_id: int
    week: date
    read_minor: int | None
    amount_minor: int | None
