"""Channel comparisons that became (or stopped being) significant since last week.

Pure. The dashboard's decisions panel and the weekly email both list them (SPEC §4, §7).
Each week's look compares every pair of channels on conversion the way a re-evaluated result
must be judged (SPEC §4, "Repeated looks"): the always-valid p-value of the confidence
sequence of B − A (experiments.sequential, the test of compare with sequential=true), Holm-
corrected (or Benjamini–Hochberg) across that week's testable pairs ("more than two groups"),
and significant only with the minimum sample (min leads per channel, min customers of the
two together). A pair is listed when it is significant at this week's look and was not at
the look a week earlier, or the reverse.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from experiments.families import adjust_p_values
from experiments.sequential import DEFAULT_EXPECTED_LEADS, Summary, sequential_difference
from experiments.stats import Guard
from experiments.verdict import show, show_difference
from kernel.numbers import format_p


@dataclass(frozen=True)
class ChannelCount:
    """One channel's leads and customers as of a look (cumulative)."""

    id: int
    name: str
    leads: int
    customers: int

    @property
    def conversion(self) -> float | None:
        """Return customers / leads; None without leads."""
        return self.customers / self.leads if self.leads else None

    def summary(self) -> Summary:
        """Return the 0/1 per-lead values as sufficient statistics."""
        return Summary(self.leads, float(self.customers), float(self.customers))


@dataclass(frozen=True)
class PairLook:
    """Two channels compared at one look: B − A in conversion with its always-valid p-value,
    its confidence sequence, the p-value corrected across the look's pairs, and the call."""

    a: ChannelCount
    b: ChannelCount
    difference: float
    ci: tuple[float, float] | None
    p_value: float | None
    adjusted_p: float | None
    enough_data: bool
    significant: bool

    @property
    def key(self) -> frozenset[int]:
        """Return the pair's identity (its two channel ids, in any order)."""
        return frozenset((self.a.id, self.b.id))


@dataclass(frozen=True)
class SignificanceChange:
    """A pair whose call changed since the previous look: `now` and `before` (None: the pair
    was not testable then). In `now`, B is the channel converting better."""

    now: PairLook
    before: PairLook | None
    became: bool  # True: became significant; False: stopped being significant
    method: str = "holm"  # the correction across each look's pairs

    @property
    def sentence(self) -> str:
        """Return the item's sentence with its numbers (see change_sentence)."""
        return change_sentence(self, self.method)


@dataclass(frozen=True)
class SignificanceChanges:
    """The pairs that became significant and those that stopped, strongest first."""

    became: list[SignificanceChange]
    stopped: list[SignificanceChange]


@dataclass(frozen=True)
class LookRule:
    """How a look is judged: minimum sample and α, correction, and the expected total leads
    that tune the confidence sequence (the settings' sequential_expected_leads)."""

    guard: Guard = Guard()
    method: str = "holm"
    expected_leads: int = DEFAULT_EXPECTED_LEADS


CORRECTIONS = {"holm": "Holm", "bh": "Benjamini–Hochberg"}


def _p(value: float | None) -> str:
    return format_p(value).removeprefix("p = ")


def change_sentence(change: SignificanceChange, method: str = "holm") -> str:
    """Return the item's sentence with its numbers: both rates and their difference, the
    always-valid p-value and the corrected one, and the corrected one a week before."""
    look, before = change.now, change.before
    correction = CORRECTIONS.get(method, method)
    rates = (f"{show('conversion', look.b.conversion)} vs {show('conversion', look.a.conversion)}"
             f" ({show_difference('conversion', look.difference)})")
    earlier = "not testable" if before is None else _p(before.adjusted_p)
    facts = (f"{rates}; always-valid {format_p(look.p_value)}, {correction}-corrected "
             f"{format_p(look.adjusted_p)} (a week before: {earlier})")
    if change.became:
        return f"{look.b.name} now converts better than {look.a.name}: {facts}."
    return (f"{look.b.name} no longer converts significantly better than {look.a.name}: "
            f"{facts}.")


def pairwise_looks(channels: Sequence[ChannelCount], rule: LookRule = LookRule()
                   ) -> dict[frozenset[int], PairLook]:
    """Return every testable pair of channels at one look, keyed by its two ids.

    B is the channel with the higher conversion (ties: the later in `channels`); a pair is
    testable when each channel has at least two leads and the difference has a variance.
    """
    found = []
    groups = [c for c in channels if c.leads > 0]
    for first, second in combinations(groups, 2):
        a, b = (second, first) if (first.conversion or 0) > (second.conversion or 0) \
            else (first, second)
        result = sequential_difference(a.summary(), b.summary(), True, rule.expected_leads,
                                       rule.guard.alpha)
        if result is not None and result.p_value is not None:
            found.append((a, b, result.estimate, result.ci, result.p_value))
    adjusted = adjust_p_values([p for *_, p in found], rule.method)
    looks = {}
    for (a, b, difference, ci, p), q in zip(found, adjusted, strict=True):
        enough = (min(a.leads, b.leads) >= rule.guard.min_leads
                  and a.customers + b.customers >= rule.guard.min_customers)
        significant = enough and difference != 0 and float(q) < rule.guard.alpha
        look = PairLook(a, b, difference, ci, p, float(q), enough, significant)
        looks[look.key] = look
    return looks


def _strength(change: SignificanceChange) -> tuple[float, float, str, str]:
    look = change.now
    return (look.adjusted_p if look.adjusted_p is not None else 1.0, -abs(look.difference),
            look.b.name, look.a.name)


def significance_changes(now: Sequence[ChannelCount], week_before: Sequence[ChannelCount],
                         rule: LookRule = LookRule()) -> SignificanceChanges:
    """Return the pairs significant at this week's look that were not a week before, and
    those significant a week before that are not any more (each ordered by corrected p)."""
    looks_now, looks_before = pairwise_looks(now, rule), pairwise_looks(week_before, rule)
    became, stopped = [], []
    for key, look in looks_now.items():
        before = looks_before.get(key)
        was = before is not None and before.significant
        if look.significant and not was:
            became.append(SignificanceChange(look, before, True, rule.method))
        elif was and not look.significant:
            stopped.append(SignificanceChange(look, before, False, rule.method))
    return SignificanceChanges(sorted(became, key=_strength), sorted(stopped, key=_strength))
