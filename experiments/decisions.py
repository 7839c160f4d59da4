"""The week's decisions: what the dashboard's panel and the weekly email ask the user to act on.

Pure: takes each channel's ring, status, stored health and the economics and rule results
the dashboard rows show, and returns items most severe first, then newest first.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from cohorts.economics import WEEKS_PER_MONTH, ChannelEconomics, Viability
from kernel.money import format_money

DecisionKind = Literal["burned_out_in_focus", "watch_in_focus", "fails_ltv_to_cac",
                       "fails_payback", "test_needs_decision", "iterate_without_follow_up"]
TargetPage = Literal["channel", "test"]

# Higher acts first: a burned-out focus channel spends money that no longer converts; a
# failing rule loses money on every customer; a channel to watch may still recover.
SEVERITY: dict[str, int] = {"burned_out_in_focus": 3, "fails_ltv_to_cac": 2,
                            "fails_payback": 2, "test_needs_decision": 2,
                            "iterate_without_follow_up": 1, "watch_in_focus": 1}
SEVERITY_LABELS = {3: "act now", 2: "decide", 1: "watch"}


@dataclass(frozen=True)
class Target:
    """Where an item links to: a page kind and the id of what it shows."""

    page: TargetPage
    id: int


@dataclass(frozen=True)
class Decision:
    """One item to act on: its kind, channel, a sentence with numbers, severity and link.

    severity: higher acts first (see SEVERITY); since: when the situation arose, if known.
    """

    kind: str
    channel_id: int
    channel_name: str
    sentence: str
    severity: int
    since: date | None
    target: Target

    @property
    def severity_label(self) -> str:
        """Return the severity in words ("act now", "decide", "watch")."""
        return SEVERITY_LABELS.get(self.severity, "decide")


@dataclass(frozen=True)
class ChannelSituation:
    """What the decisions read about one channel.

    health: the stored health status (None while it is being computed); health_since: the
    day the channel entered that status, if a change is on record.
    """

    channel_id: int
    name: str
    ring: str
    status: str
    economics: ChannelEconomics
    rules: Viability
    health: str | None = None
    health_reason: str = ""
    health_since: date | None = None
    # The projected LTV:CAC interval the rule was judged on (None: judged on the point).
    ltv_to_cac_interval: tuple[float, float] | None = None


@dataclass(frozen=True)
class ChannelTestSituation:
    """What the decisions read about one channel test.

    needs_decision: why it needs one (None: it does not); has_follow_up: an iterate
    decision's follow-up test exists.
    """

    test_id: int
    name: str
    channel_id: int
    channel_name: str
    needs_decision: str | None
    verdict: str = ""
    end_date: date | None = None
    decision: str | None = None
    decided_on: date | None = None
    has_follow_up: bool = False


@dataclass(frozen=True)
class RuleSettings:
    """The viability thresholds of the install's settings, and its currency."""

    ltv_to_cac_min: float = 3.0
    payback_max_months: float = 6.0
    currency: str = "USD"


def _where(situation: ChannelSituation) -> str:
    """Return how the channel is still backed: inner ring, status focus, or both."""
    inner, focus = situation.ring == "inner", situation.status == "focus"
    if inner and focus:
        return "in the inner ring with status focus"
    return "in the inner ring" if inner else "on status focus"


def _health_item(s: ChannelSituation) -> Decision | None:
    """Return the item for a burned-out or watch channel still in the inner ring or on focus."""
    if s.health not in ("burned_out", "watch") or not (s.ring == "inner" or s.status == "focus"):
        return None
    kind = "burned_out_in_focus" if s.health == "burned_out" else "watch_in_focus"
    state = "is burned out" if s.health == "burned_out" else "is on watch"
    sentence = f"{s.name} {state} but still {_where(s)}: {s.health_reason}."
    return Decision(kind, s.channel_id, s.name, sentence, SEVERITY[kind], s.health_since,
                    Target("channel", s.channel_id))


def _money(minor: float | None, currency: str) -> str:
    return format_money(None if minor is None else round(minor), currency)


def _ltv_item(s: ChannelSituation, rules: RuleSettings) -> Decision | None:
    """Return the item for an inner-ring channel whose LTV is below the threshold × CAC.

    The rule is the row's: on the projected interval when there is one (its whole interval
    below the threshold), else on the point estimate."""
    e = s.economics
    if s.ring != "inner" or s.rules.ltv_to_cac != "fail" or e.ltv_to_cac is None:
        return None
    projected = ""
    if s.ltv_to_cac_interval is not None:
        low, high = s.ltv_to_cac_interval
        projected = f"; projected LTV:CAC {low:.2f}–{high:.2f} (80 % interval)"
    sentence = (f"{s.name} fails LTV ≥ {rules.ltv_to_cac_min:g} × CAC: LTV "
                f"{_money(e.ltv_minor, rules.currency)} is {e.ltv_to_cac:.2f} × CAC "
                f"{_money(e.cac_minor, rules.currency)} ({e.customers:,} customers{projected}).")
    return Decision("fails_ltv_to_cac", s.channel_id, s.name, sentence,
                    SEVERITY["fails_ltv_to_cac"], None, Target("channel", s.channel_id))


def _payback_item(s: ChannelSituation, rules: RuleSettings) -> Decision | None:
    """Return the item for an inner-ring channel that did not pay back within the months."""
    e = s.economics
    if s.ring != "inner" or s.rules.payback != "fail":
        return None
    limit = (f"within {rules.payback_max_months:g} months "
             f"({rules.payback_max_months * WEEKS_PER_MONTH:.0f} weeks)")
    if e.payback_week is None:
        roi = "—" if e.roi is None else f"{e.roi * 100:.1f} %"
        paid = f"its cohorts have not paid back their spend yet (ROI to date {roi})"
    else:
        paid = f"its cohorts paid back their spend after {e.payback_week} weeks"
    sentence = f"{s.name} fails payback {limit}: {paid}."
    return Decision("fails_payback", s.channel_id, s.name, sentence, SEVERITY["fails_payback"],
                    None, Target("channel", s.channel_id))


def _order(item: Decision) -> tuple[int, int, str, str]:
    """Sort key: most severe first, then newest, then by channel name and kind."""
    newest = -item.since.toordinal() if item.since is not None else 0
    return (-item.severity, newest, item.channel_name, item.kind)


def sort_decisions(items: Iterable[Decision]) -> list[Decision]:
    """Return items most severe first, then newest first (undated last), then by name."""
    return sorted(items, key=_order)


def _test_items(t: ChannelTestSituation) -> list[Decision]:
    """Return the items of one test: it needs a decision, or its iterate has no follow-up."""
    items = []
    if t.needs_decision:
        since = t.end_date if t.needs_decision == "past its end date" else None
        sentence = f"Test “{t.name}” on {t.channel_name} needs a decision ({t.needs_decision})"
        sentence += f": {t.verdict}" if t.verdict else "."
        items.append(Decision("test_needs_decision", t.channel_id, t.channel_name, sentence,
                              SEVERITY["test_needs_decision"], since, Target("test", t.test_id)))
    if t.decision == "iterate" and not t.has_follow_up:
        on = f" on {t.decided_on}" if t.decided_on else ""
        sentence = (f"Test “{t.name}” on {t.channel_name} was decided: iterate{on}, but it has no "
                    "follow-up test yet.")
        items.append(Decision("iterate_without_follow_up", t.channel_id, t.channel_name,
                              sentence, SEVERITY["iterate_without_follow_up"], t.decided_on,
                              Target("test", t.test_id)))
    return items


def channel_decisions(situations: Sequence[ChannelSituation], rules: RuleSettings,
                      tests: Sequence[ChannelTestSituation] = ()) -> list[Decision]:
    """Return the decisions the channels and tests ask for this week, most severe and newest
    first."""
    items = [item for s in situations
             for item in (_health_item(s), _ltv_item(s, rules), _payback_item(s, rules))
             if item is not None]
    items += [item for t in tests for item in _test_items(t)]
    return sort_decisions(items)
