"""What the weekly email says about one complete week: pure, from the dashboard's numbers.

Weekly series are calendar weeks, oldest first, whose last item is the digest's week (the
same arrays the dashboard's sparklines read); to-date figures are the dashboard's
economics as of the week's last day.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from cohorts.economics import ChannelEconomics, Viability, ratio
from experiments.decisions import Decision
from experiments.goals.progress import ScopeProgress
from experiments.significance import SignificanceChange, SignificanceChanges

AVERAGE_WEEKS = 4
Tone = Literal["good", "bad", "neutral"]


@dataclass(frozen=True)
class ChannelWeeks:
    """One channel as the email reads it: identity, weekly series, economics to date, health.

    Series (calendar weeks, oldest first, last = the digest's week): spend and revenue in
    minor units, leads by cohort week, customers by week of their first purchase.
    """

    channel_id: int
    name: str
    ring: str
    spend_minor: Sequence[int]
    leads: Sequence[int]
    customers: Sequence[int]
    revenue_minor: Sequence[int]
    economics: ChannelEconomics
    rules: Viability
    health: str | None = None  # stored burnout status; None while not computed
    ltv_projected_minor: float | None = None  # the repeat-purchase model's LTV per customer
    ltv_low_minor: float | None = None  # its 80 % interval (None without one)
    ltv_high_minor: float | None = None


@dataclass(frozen=True)
class WeekFigures:
    """All channels' totals of one calendar week; money in minor units."""

    spend_minor: float
    leads: float
    customers: float
    revenue_minor: float

    @property
    def cac_minor(self) -> float | None:
        """Return the blended CAC of the week: its spend over its new customers (None: none)."""
        return ratio(self.spend_minor, self.customers)


@dataclass(frozen=True)
class Headline:
    """One headline number of the week against the previous week and the 4-week average.

    change / change_vs_average: relative changes (0.1 = +10 %), None when undefined.
    tone: whether the week's move is good news ("neutral" for spend).
    """

    key: str
    label: str
    money: bool
    week: float | None
    previous: float | None
    average: float | None
    change: float | None
    change_vs_average: float | None
    tone: Tone


@dataclass(frozen=True)
class HealthFlag:
    """A channel's burnout status change: `previous` → `status` on the day `on`."""

    channel_id: int
    name: str
    previous: str
    status: str
    on: date
    reason: str


FLAGGED = ("watch", "burned_out")


def new_flags(changes: Sequence[HealthFlag], week: date) -> list[HealthFlag]:
    """Return the changes to watch or burned out dated within the 7 days from `week`,
    newest first."""
    end = week + timedelta(days=6)
    found = [c for c in changes if c.status in FLAGGED and week <= c.on <= end]
    return sorted(found, key=lambda c: (c.on, c.name), reverse=True)


@dataclass(frozen=True)
class Digest:
    """The weekly email's content for the week starting `week` (as of its last day)."""

    week: date
    as_of: date
    currency: str
    headlines: list[Headline]
    channels: list[ChannelWeeks]
    decisions: list[Decision]
    tests_needing_decision: list[Decision]
    goals: list[ScopeProgress]  # the goals page's progress, as of the week's last day
    flags: list[HealthFlag]
    # Channel comparisons that became (or stopped being) significant since the week before,
    # as the dashboard's decisions panel lists them for the week's last day.
    became_significant: list[SignificanceChange] = field(default_factory=list)
    stopped_significant: list[SignificanceChange] = field(default_factory=list)

    @property
    def cac(self) -> Headline:
        """Return the blended CAC headline."""
        return next(h for h in self.headlines if h.key == "cac")


def _at(values: Sequence[int], back: int) -> int:
    """Return the value `back` weeks before the last one (0 when the series is shorter)."""
    return int(values[-1 - back]) if back < len(values) else 0


def week_figures(channels: Sequence[ChannelWeeks], back: int = 0) -> WeekFigures:
    """Return all channels' totals `back` weeks before the digest's week (0: that week)."""
    return WeekFigures(
        spend_minor=sum(_at(c.spend_minor, back) for c in channels),
        leads=sum(_at(c.leads, back) for c in channels),
        customers=sum(_at(c.customers, back) for c in channels),
        revenue_minor=sum(_at(c.revenue_minor, back) for c in channels),
    )


def average_figures(channels: Sequence[ChannelWeeks]) -> WeekFigures:
    """Return the mean of the AVERAGE_WEEKS weeks before the digest's week (CAC: their
    spend over their customers, not a mean of weekly CACs)."""
    weeks = [week_figures(channels, back) for back in range(1, AVERAGE_WEEKS + 1)]
    return WeekFigures(
        spend_minor=sum(w.spend_minor for w in weeks) / AVERAGE_WEEKS,
        leads=sum(w.leads for w in weeks) / AVERAGE_WEEKS,
        customers=sum(w.customers for w in weeks) / AVERAGE_WEEKS,
        revenue_minor=sum(w.revenue_minor for w in weeks) / AVERAGE_WEEKS,
    )


def relative_change(value: float | None, reference: float | None) -> float | None:
    """Return (value − reference) / reference; None when either is undefined or it is 0."""
    if value is None or reference is None or reference == 0:
        return None
    return (value - reference) / reference


def _tone(change: float | None, higher_is_better: bool | None) -> Tone:
    if change is None or change == 0 or higher_is_better is None:
        return "neutral"
    return "good" if (change > 0) == higher_is_better else "bad"


# key, label, money, whether more is better (None: neither)
HEADLINES: tuple[tuple[str, str, bool, bool | None], ...] = (
    ("spend_minor", "Spend", True, None),
    ("leads", "Leads", False, True),
    ("customers", "New customers", False, True),
    ("revenue_minor", "Revenue", True, True),
    ("cac", "Blended CAC", True, False),
)


def _value(figures: WeekFigures, key: str) -> float | None:
    value: float | None = figures.cac_minor if key == "cac" else getattr(figures, key)
    return value


def headlines(channels: Sequence[ChannelWeeks]) -> list[Headline]:
    """Return the week's headline numbers against the previous week and the 4-week average."""
    week, previous, average = (week_figures(channels), week_figures(channels, 1),
                               average_figures(channels))
    rows = []
    for key, label, money, higher_is_better in HEADLINES:
        now, before, usual = _value(week, key), _value(previous, key), _value(average, key)
        change = relative_change(now, before)
        rows.append(Headline(key, label, money, now, before, usual, change,
                             relative_change(now, usual), _tone(change, higher_is_better)))
    return rows


def build_digest(*, week: date, currency: str, channels: Sequence[ChannelWeeks],
                 decisions: Sequence[Decision], goals: Sequence[ScopeProgress],
                 changes: Sequence[HealthFlag] = (),
                 significance: SignificanceChanges | None = None) -> Digest:
    """Return the email's content for the week starting `week`: test items apart, the
    channels newly flagged watch or burned out during the week, and the comparisons that
    became or stopped being significant since the week before."""
    return Digest(
        week=week, as_of=week + timedelta(days=6), currency=currency,
        headlines=headlines(channels), channels=list(channels),
        decisions=[d for d in decisions if d.target.page != "test"],
        tests_needing_decision=[d for d in decisions if d.target.page == "test"],
        goals=list(goals), flags=new_flags(changes, week),
        became_significant=[] if significance is None else list(significance.became),
        stopped_significant=[] if significance is None else list(significance.stopped),
    )


def _whole_units(minor: float) -> str:
    return f"{round(minor / 100):,}"


def percent_text(change: float | None) -> str:
    """Return a signed percentage like "+12 %" or "−8 %" (typographic minus); "—" if None."""
    if change is None:
        return "—"
    value = round(change * 100)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{abs(value)} %"


def subject(digest: Digest) -> str:
    """Return the subject: week, number of decisions, blended CAC and its weekly change."""
    count = len(digest.decisions) + len(digest.tests_needing_decision)
    noun = "decision" if count == 1 else "decisions"
    cac = digest.cac
    if cac.week is None:
        cac_text = "CAC —"
    else:
        cac_text = f"CAC {_whole_units(cac.week)}"
        if cac.change is not None:
            cac_text += f" ({percent_text(cac.change)})"
    return f"Bullseye weekly — week of {digest.week.isoformat()}: {count} {noun}, {cac_text}"
