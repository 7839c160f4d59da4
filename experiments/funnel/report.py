"""The funnel page's content, assembled from per-channel counts: pure, no database."""

from dataclasses import dataclass, field

from experiments.funnel.cycle import QuarterCycle, overall_change, quarterly_cycles
from experiments.funnel.grades import GradeTest, grade_test
from experiments.funnel.stages import FunnelCounts, FunnelStage, add_counts, empty_counts, funnel
from kernel.vocabulary import GRADES


@dataclass(frozen=True)
class FunnelData:
    """Per channel: the funnel's counts, and leads and customers per grade on the as-of date."""

    counts: dict[int, FunnelCounts] = field(default_factory=dict)
    grade_leads: dict[int, dict[str, int]] = field(default_factory=dict)
    grade_customers: dict[int, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class FunnelReport:
    """The funnel of the leads in scope, each channel's, the grade test and the sales cycle."""

    stages: tuple[FunnelStage, ...]
    channels: tuple[tuple[int, tuple[FunnelStage, ...]], ...]
    grades: GradeTest
    cycles: tuple[QuarterCycle, ...]
    cycle_change_pct: float | None


def funnel_report(
    data: FunnelData, cycle_rows: list[tuple[int, int, int]], *, min_leads: int = 30,
    min_customers: int = 5,
) -> FunnelReport:
    """Return the report of every channel in `data` together and of each one.

    `cycle_rows`: (quarter key, days to first purchase, customers), see `quarterly_cycles`.
    """
    total = empty_counts()
    leads, customers = dict.fromkeys(GRADES, 0), dict.fromkeys(GRADES, 0)
    for channel, counts in sorted(data.counts.items()):
        total = add_counts(total, counts)
        for grade in GRADES:
            leads[grade] += data.grade_leads.get(channel, {}).get(grade, 0)
            customers[grade] += data.grade_customers.get(channel, {}).get(grade, 0)
    cycles = quarterly_cycles(*zip(*cycle_rows, strict=True)) if cycle_rows else ()
    return FunnelReport(
        stages=funnel(total),
        channels=tuple((c, funnel(counts)) for c, counts in sorted(data.counts.items())),
        grades=grade_test(leads, customers, min_leads=min_leads, min_customers=min_customers),
        cycles=cycles,
        cycle_change_pct=overall_change(cycles),
    )
