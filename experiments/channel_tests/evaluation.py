"""Live evaluation of one channel test as of a date (pure: plain values in, values out).

Each success criterion is judged *met*, *not met* or *not enough data*:

- counts (min leads, min customers) are observed, not estimated: met once reached; not met
  when the test has ended (completed or past its end date) short of them;
- rates wait for the minimum sample (settings `min_leads_per_group` leads for conversion,
  `min_customers_total` customers for CAC and LTV:CAC), then are judged by their 95 %
  interval: met only when the whole interval is on the right side of the threshold, not met
  when it is wholly on the wrong side, else not enough data (CAC: exact interval of SPEC §4;
  conversion: Wilson; LTV:CAC: Student's t interval of revenue per lead, scaled);
- payback within N weeks: met when the test's margin revenue reached its spend by start + N
  weeks; not met when it had not by then; not enough data before.
"""

from dataclasses import dataclass
from datetime import date

from experiments.channel_tests.criteria import (
    JUDGEMENT_WORDS,
    ChannelTestData,
    CriterionResult,
    Judge,
    Numbers,
    Rules,
)
from experiments.costs import cac_interval
from experiments.means import mean_interval
from experiments.proportions import wilson_interval
from kernel.money import format_money


@dataclass(frozen=True)
class Evaluation:
    """A test's live evaluation as of a date; every undefined number is None."""

    as_of: date
    spend_minor: int
    budget_cap_minor: int | None
    budget_share: float | None  # spend ÷ cap (may exceed 1)
    over_budget: bool
    leads: int
    customers: int
    cac_minor: float | None
    cac_interval: tuple[float, float] | None
    conversion: float | None
    conversion_interval: tuple[float, float] | None
    ltv_minor: float | None
    ltv_to_cac: float | None
    ltv_to_cac_interval: tuple[float, float] | None
    paid_back_on: date | None
    days_left: int | None  # None: no end date
    past_end: bool
    criteria: tuple[CriterionResult, ...]
    verdict: str
    ltv_projected: bool = False  # LTV and LTV:CAC are the channel's projection (80 % interval)

    @property
    def all_decided(self) -> bool:
        """Return whether the test has criteria and every one is met or not met."""
        return bool(self.criteria) and all(
            c.judgement != "not_enough_data" for c in self.criteria)


def _projection(data: ChannelTestData,
                rules: Rules) -> tuple[float, float | None, float | None] | None:
    return None if data.channel_id is None else rules.projected_ltv.get(data.channel_id)


def ltv_of_test(data: ChannelTestData, rules: Rules) -> float | None:
    """Return the LTV per customer the test is judged by (minor units); None without customers.

    The channel's projected LTV at the install's horizon (the repeat-purchase model) when it
    has one, else observed: margin × revenue to date ÷ customers.
    """
    if data.customers <= 0:
        return None
    projected = _projection(data, rules)
    if projected is not None:
        return projected[0]
    return rules.margin * float(data.revenue_per_lead.sum()) / data.customers


def _paid_back_on(data: ChannelTestData, margin: float) -> date | None:
    """Return the first day the test's margin revenue reached its spend; None if not yet."""
    if data.spend_minor <= 0:
        return None
    total = 0.0
    for day, amount in sorted(data.purchases):
        total += margin * amount
        if total >= data.spend_minor:
            return day
    return None


def _numbers(data: ChannelTestData, rules: Rules) -> Numbers:
    """Return the test's metrics and their intervals; None where undefined."""
    spend, customers, leads = data.spend_minor, data.customers, data.leads
    cac = spend / customers if customers > 0 else None
    ltv = ltv_of_test(data, rules)
    ltv_to_cac = None if ltv is None or not cac else ltv / cac
    ratio_interval = None
    revenue = data.revenue_per_lead
    mean = float(revenue.mean()) if revenue.size else 0.0
    projected = _projection(data, rules) if ltv is not None else None
    if projected is not None and cac and projected[1] is not None and projected[2] is not None:
        ratio_interval = (projected[1] / cac, projected[2] / cac)  # the model's 80 % interval
    elif projected is None and ltv_to_cac is not None and mean > 0:
        # LTV:CAC = margin·leads·mean(revenue per lead)/spend for the observed LTV; the
        # relative uncertainty of that mean carries over to whichever LTV ltv_of_test returns.
        interval = mean_interval(revenue)
        if interval is not None:
            ratio_interval = (max(0.0, ltv_to_cac * interval[0] / mean),
                              ltv_to_cac * interval[1] / mean)
    return Numbers(
        cac_minor=cac,
        cac_interval=cac_interval(spend, customers),
        conversion=customers / leads if leads > 0 else None,
        conversion_interval=wilson_interval(customers, leads),
        ltv_minor=ltv,
        ltv_to_cac=ltv_to_cac,
        ltv_to_cac_interval=ratio_interval,
        paid_back_on=_paid_back_on(data, rules.margin),
        ltv_projected=projected is not None,
    )


def _verdict(data: ChannelTestData, rules: Rules, numbers: Numbers,
             criteria: tuple[CriterionResult, ...], days_left: int | None,
             over_budget: bool) -> str:
    """Return one sentence with the numbers: criteria tally, spend, customers, CAC, time."""
    def money(minor: float | None) -> str:
        return format_money(None if minor is None else round(minor), rules.currency)

    tally = {j: sum(c.judgement == j for c in criteria) for j in JUDGEMENT_WORDS}
    if not criteria:
        head = "No success criteria set"
    elif tally["not_met"]:
        head = f"{tally['not_met']} of {len(criteria)} criteria not met"
    elif tally["met"] == len(criteria):
        head = f"All {len(criteria)} criteria met"
    else:
        head = (f"{tally['met']} of {len(criteria)} criteria met, "
                f"{tally['not_enough_data']} without enough data yet")
    spent = f"{money(data.spend_minor)} spent"
    if data.budget_cap_minor is not None:
        spent += f" of a {money(data.budget_cap_minor)} cap" + (
            " (over budget)" if over_budget else "")
    cac = "no customer yet" if numbers.cac_minor is None else f"CAC {money(numbers.cac_minor)}"
    if days_left is None:
        when = ""
    elif days_left > 0:
        when = f"; {days_left} days left"
    else:
        when = "; ends today" if days_left == 0 else "; past its end date"
    return (f"{head}: {spent}, {data.leads:,} leads, {data.customers:,} customers, "
            f"{cac}{when}.")


DEFAULT_RULES = Rules()


def evaluate(data: ChannelTestData, as_of: date, rules: Rules = DEFAULT_RULES) -> Evaluation:
    """Return the test's evaluation as of `as_of` (counts and money to that date)."""
    numbers = _numbers(data, rules)
    cap = data.budget_cap_minor
    past_end = data.end_date is not None and as_of > data.end_date
    ended = past_end or data.status == "completed"
    days_left = None if data.end_date is None else (data.end_date - as_of).days
    over = cap is not None and data.spend_minor > cap
    criteria = Judge(data, rules, numbers, ended, as_of).all()
    return Evaluation(
        as_of=as_of,
        spend_minor=data.spend_minor,
        budget_cap_minor=cap,
        budget_share=None if not cap else data.spend_minor / cap,
        over_budget=over,
        leads=data.leads,
        customers=data.customers,
        cac_minor=numbers.cac_minor,
        cac_interval=numbers.cac_interval,
        conversion=numbers.conversion,
        conversion_interval=numbers.conversion_interval,
        ltv_minor=numbers.ltv_minor,
        ltv_to_cac=numbers.ltv_to_cac,
        ltv_to_cac_interval=numbers.ltv_to_cac_interval,
        paid_back_on=numbers.paid_back_on,
        days_left=days_left,
        past_end=past_end,
        criteria=criteria,
        verdict=_verdict(data, rules, numbers, criteria, days_left, over),
        ltv_projected=numbers.ltv_projected,
    )


def needs_decision(status: str, decision: str | None, evaluation: Evaluation | None) -> str | None:
    """Return why a test needs a decision (None if it does not).

    Undecided running or completed tests do when past their end date, over budget, or every
    criterion is decided; a completed test without a decision always does.
    """
    if decision is not None or status == "planned" or evaluation is None:
        return None
    if evaluation.past_end:
        return "past its end date"
    if evaluation.over_budget:
        return "over budget"
    if evaluation.all_decided:
        return "every criterion is decided"
    if status == "completed":
        return "completed without a decision"
    return None
