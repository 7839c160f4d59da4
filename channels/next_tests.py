"""What to test next (the Bullseye loop): a ranked list with one reason each, from the data.

Pure: plain values in, `NextTest` items out. The rules, most urgent first:

1. a focus channel (inner ring or status `focus`) that is burned out or on watch, or runs
   at ≥ 80 % of its modelled capacity: the team needs its next channel soon;
2. the outer-ring idea with the best ICE score (impact × confidence × ease, 1–1000);
3. a Traction kind no channel has tried yet (the first in Traction's order);
4. each *iterate* decision on a channel test that has no follow-up test yet (oldest first).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from channels.health import Capacity
from kernel.vocabulary import CHANNEL_KINDS

NEAR_CAPACITY = 0.8  # a focus channel at this share of its modelled capacity needs a successor
BURNING = ("burned_out", "watch")
HEALTH_WORDS = {"burned_out": "burned out", "watch": "on watch"}
TRACTION_KINDS = tuple(kind for kind in CHANNEL_KINDS if kind != "other")


@dataclass(frozen=True)
class ChannelSituation:
    """What the ranking reads of one channel; `health` None: its fit is still being computed."""

    name: str
    kind: str
    ring: str
    status: str
    health: str | None = None
    health_reason: str = ""
    capacity: Capacity | None = None
    impact: int | None = None
    confidence: int | None = None
    ease: int | None = None
    launch_days: int | None = None


@dataclass(frozen=True)
class NextTest:
    """One suggestion: the rule that chose it, what it is about, a reason, and its numbers."""

    rule: str  # "burnout", "capacity", "best_idea", "untried_kind" or "iterate"
    subject: str
    reason: str
    numbers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PendingIteration:
    """A channel test decided *iterate* that has no follow-up test yet."""

    test_id: int
    test_name: str
    channel_name: str
    decided_on: date | None = None
    note: str = ""


def ice_score(impact: int | None, confidence: int | None, ease: int | None) -> int | None:
    """Return impact × confidence × ease (1–1000); None when any score is missing."""
    if impact is None or confidence is None or ease is None:
        return None
    return impact * confidence * ease


def idea_order(channel: ChannelSituation) -> tuple[bool, int, bool, int, str]:
    """Return a sort key: best ICE score first (unscored last), then fewest launch days."""
    score = ice_score(channel.impact, channel.confidence, channel.ease)
    days = channel.launch_days
    return (score is None, -(score or 0), days is None, days or 0, channel.name.casefold())


def capacity_share(capacity: Capacity | None) -> tuple[float, float] | None:
    """Return (modelled customers/month at recent spend ÷ modelled capacity, capacity/month).

    None unless the model saw saturation and the channel has recent spend.
    """
    if capacity is None or capacity.model != "saturating" or capacity.fit is None:
        return None
    fit, monthly = capacity.fit, capacity.modelled_per_month
    spend = capacity.recent_weekly_spend_minor
    if fit.b is None or not fit.b > 0 or not fit.c > 0 or not spend or monthly is None:
        return None
    return math.tanh(spend / (fit.b * fit.c)), monthly


def _is_focus(channel: ChannelSituation) -> bool:
    return channel.ring == "inner" or channel.status == "focus"


def _focus_item(channel: ChannelSituation) -> tuple[float, NextTest] | None:
    """Return (urgency, item) for a focus channel that is burning out or near capacity."""
    share = capacity_share(channel.capacity)
    numbers: list[tuple[str, str]] = [("health", (channel.health or "being computed")
                                       .replace("_", " "))]
    if share is not None:
        numbers += [("share of modelled capacity", f"{share[0]:.0%}".replace("%", " %")),
                    ("modelled capacity", f"{share[1]:.1f} customers/month")]
    if channel.health in BURNING:
        urgency = 3.0 if channel.health == "burned_out" else 2.0
        reason = f"{channel.name} is {HEALTH_WORDS[channel.health]}: {channel.health_reason}"
        return urgency, NextTest("burnout", channel.name, reason, tuple(numbers))
    if share is not None and share[0] >= NEAR_CAPACITY:
        reason = (f"{channel.name} is at {share[0]:.0%} of its modelled capacity "
                  f"({share[1]:.1f} customers/month)").replace("%", " %")
        return 1.0 + share[0], NextTest("capacity", channel.name, reason, tuple(numbers))
    return None


def _best_idea(channels: Sequence[ChannelSituation]) -> NextTest | None:
    """Return the outer-ring idea with the best ICE score (ties: fewer launch days, name)."""
    scored = [c for c in channels if c.ring == "outer"
              and ice_score(c.impact, c.confidence, c.ease) is not None]
    if not scored:
        return None
    best = min(scored, key=idea_order)
    score = ice_score(best.impact, best.confidence, best.ease)
    days = "unknown" if best.launch_days is None else f"{best.launch_days} days"
    reason = (f"{best.name} is the outer-ring idea with the best ICE score: {score} "
              f"(impact {best.impact} × confidence {best.confidence} × ease {best.ease}), "
              f"launch time {days}")
    numbers = (("ICE score", str(score)), ("impact", str(best.impact)),
               ("confidence", str(best.confidence)), ("ease", str(best.ease)),
               ("launch days", "—" if best.launch_days is None else str(best.launch_days)))
    return NextTest("best_idea", best.name, reason, numbers)


def untried_kinds(channels: Sequence[ChannelSituation]) -> list[str]:
    """Return the Traction kinds (not `other`) with no channel yet, in Traction's order."""
    tried = {c.kind for c in channels}
    return [kind for kind in TRACTION_KINDS if kind not in tried]


def _untried(channels: Sequence[ChannelSituation]) -> NextTest | None:
    kinds = untried_kinds(channels)
    if not kinds:
        return None
    name = CHANNEL_KINDS[kinds[0]]
    reason = (f"{name} has never been tried: no channel of this kind "
              f"({len(kinds)} of {len(TRACTION_KINDS)} Traction kinds untried)")
    numbers = (("untried kinds", f"{len(kinds)} of {len(TRACTION_KINDS)}"),)
    return NextTest("untried_kind", name, reason, numbers)


def _iteration(pending: PendingIteration) -> NextTest:
    on = f" on {pending.decided_on}" if pending.decided_on else ""
    reason = (f"Test “{pending.test_name}” on {pending.channel_name} was decided: "
              f"iterate{on}, and has no follow-up test yet")
    numbers = (("test", pending.test_name),
               ("decided on", "—" if pending.decided_on is None else str(pending.decided_on)))
    return NextTest("iterate", pending.channel_name, reason, numbers)


def next_tests(channels: Sequence[ChannelSituation],
               iterations: Sequence[PendingIteration] = ()) -> list[NextTest]:
    """Return what to test next, most urgent first: focus channels burning out (burned out,
    then watch) or near capacity (fullest first), the best outer idea, an untried kind, then
    iterate decisions without a follow-up test (oldest decision first)."""
    focus = [found for c in channels if _is_focus(c) and (found := _focus_item(c))]
    focus.sort(key=lambda pair: (-pair[0], pair[1].subject.casefold()))
    items = [item for _, item in focus]
    items += [item for item in (_best_idea(channels), _untried(channels)) if item is not None]
    oldest = sorted(iterations, key=lambda p: (p.decided_on or date.max, p.test_id))
    items += [_iteration(p) for p in oldest]
    return items
