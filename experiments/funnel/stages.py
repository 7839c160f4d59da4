"""The funnel as of a date, from per-lead counts: pure numpy, no database.

A lead *reaches* a stage when its history up to the as-of date holds that stage or a later
one (leads may skip stages: one imported as sales-ready has reached inquiry and lead too);
a first purchase makes it a customer. A lead counts as *lost at* the furthest stage it
reached when its stage on the as-of date is `lost` (a customer is never lost).
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cohorts.economics import percentile_of_histogram, ratio
from experiments.proportions import wilson_interval

FUNNEL_STAGES: tuple[str, ...] = ("inquiry", "lead", "sales_ready", "opportunity", "customer")
STAGE_NAMES: dict[str, str] = {
    "inquiry": "Inquiry", "lead": "Lead", "sales_ready": "Sales-ready",
    "opportunity": "Opportunity", "customer": "Customer",
}  # fmt: skip
CUSTOMER = len(FUNNEL_STAGES) - 1


@dataclass(frozen=True)
class FunnelCounts:
    """What the funnel is computed from, for one channel or summed over several.

    `furthest[k]`: leads whose furthest stage reached is k (index in FUNNEL_STAGES);
    `lost[k]`: of those, the ones lost on the as-of date (lost[CUSTOMER] is always 0);
    `stay_days[k]`, `stays[k]`: histogram of whole days spent in stage k by leads that left
    it by the as-of date (shape (m_k,) each); `spend_minor`: spend up to the as-of date.
    """

    furthest: npt.NDArray[np.int64]
    lost: npt.NDArray[np.int64]
    stay_days: tuple[npt.NDArray[np.int64], ...]
    stays: tuple[npt.NDArray[np.int64], ...]
    spend_minor: int


def empty_counts() -> FunnelCounts:
    """Return the counts of a funnel with no leads and no spend."""
    none = tuple(np.zeros(0, np.int64) for _ in FUNNEL_STAGES)
    zeros = np.zeros(len(FUNNEL_STAGES), np.int64)
    return FunnelCounts(zeros, zeros.copy(), none, none, 0)


def add_counts(a: FunnelCounts, b: FunnelCounts) -> FunnelCounts:
    """Return the counts of two disjoint groups of leads together (e.g. two channels)."""
    join = np.concatenate
    return FunnelCounts(
        a.furthest + b.furthest,
        a.lost + b.lost,
        tuple(join([x, y]) for x, y in zip(a.stay_days, b.stay_days, strict=True)),
        tuple(join([x, y]) for x, y in zip(a.stays, b.stays, strict=True)),
        a.spend_minor + b.spend_minor,
    )


@dataclass(frozen=True)
class FunnelStage:
    """One stage of the funnel.

    `conversion` is to the next stage (None for the customer stage or when nobody reached
    this one) with its Wilson 95 % interval; `cost_minor` is spend per lead reaching the
    stage in whole minor units (None when none did); `median_days` is over `stays`
    completed stays (None: none).
    """

    stage: str
    reached: int
    lost: int
    conversion: float | None
    interval: tuple[float, float] | None
    cost_minor: int | None
    median_days: float | None
    stays: int

    @property
    def name(self) -> str:
        """Return the stage's display name."""
        return STAGE_NAMES[self.stage]


def cost_per(spend_minor: int, n: int) -> int | None:
    """Return spend / n in whole minor units, halves rounded up (exact); None when n is 0."""
    return None if n == 0 else (2 * spend_minor + n) // (2 * n)


def funnel(counts: FunnelCounts) -> tuple[FunnelStage, ...]:
    """Return the funnel's stages, inquiry first."""
    reached = np.cumsum(counts.furthest[::-1])[::-1]
    stages = []
    for k, stage in enumerate(FUNNEL_STAGES):
        n, following = int(reached[k]), int(reached[k + 1]) if k < CUSTOMER else None
        stages.append(FunnelStage(
            stage=stage,
            reached=n,
            lost=int(counts.lost[k]),
            conversion=None if following is None else ratio(following, n),
            interval=None if following is None else wilson_interval(following, n),
            cost_minor=cost_per(counts.spend_minor, n),
            median_days=percentile_of_histogram(counts.stay_days[k], counts.stays[k], 50),
            stays=int(counts.stays[k].sum()),
        ))  # fmt: skip
    return tuple(stages)
