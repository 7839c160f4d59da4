"""The success criteria of a channel test and how each is judged (pure); see evaluation."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from kernel.money import format_money

Judgement = Literal["met", "not_met", "not_enough_data"]
JUDGEMENT_WORDS = {"met": "met", "not_met": "not met", "not_enough_data": "not enough data"}


@dataclass(frozen=True)
class Criteria:
    """A test's success criteria; None: not a criterion of this test."""

    max_cac_minor: int | None = None
    min_leads: int | None = None
    min_customers: int | None = None
    min_conversion: float | None = None  # a fraction
    min_ltv_to_cac: float | None = None
    payback_weeks: int | None = None


@dataclass(frozen=True)
class ChannelTestData:
    """What the evaluation reads: the test's plan and its data as of a date.

    revenue_per_lead: each lead's revenue to date (minor units, refunds netted);
    purchases: (day, amount) of every purchase of its leads to date, for payback.
    """

    status: str
    start_date: date
    end_date: date | None
    budget_cap_minor: int | None
    criteria: Criteria
    spend_minor: int
    leads: int
    customers: int
    revenue_per_lead: npt.NDArray[np.float64] = field(
        default_factory=lambda: np.zeros(0, dtype=np.float64))
    purchases: tuple[tuple[date, int], ...] = ()
    channel_id: int | None = None


@dataclass(frozen=True)
class Rules:
    """The install's settings the evaluation uses."""

    min_leads: int = 30  # settings.min_leads_per_group
    min_customers: int = 5  # settings.min_customers_total
    margin: float = 1.0
    currency: str = "USD"
    # Projected LTV per customer by channel id (minor units, margin applied): (value, 80 %
    # low, 80 % high). A channel found here is judged on its projection, else on observed LTV.
    projected_ltv: Mapping[int, tuple[float, float | None, float | None]] = field(
        default_factory=dict)


@dataclass(frozen=True)
class CriterionResult:
    """One criterion: its key, the rule in words, the judgement and the numbers behind it."""

    key: str
    label: str
    judgement: Judgement
    detail: str

    @property
    def words(self) -> str:
        """Return the judgement in words."""
        return JUDGEMENT_WORDS[self.judgement]


@dataclass(frozen=True)
class Numbers:
    """A test's metrics and their 95 % intervals; None where undefined."""

    cac_minor: float | None
    cac_interval: tuple[float, float] | None
    conversion: float | None
    conversion_interval: tuple[float, float] | None
    ltv_minor: float | None
    ltv_to_cac: float | None
    ltv_to_cac_interval: tuple[float, float] | None
    paid_back_on: date | None
    ltv_projected: bool = False  # the LTV is the channel's projection (cohorts.ltv), not observed


def _interval_judgement(interval: tuple[float, float] | None, threshold: float,
                        higher_is_better: bool) -> Judgement:
    """Met when the whole interval is on the right side, not met when wholly on the wrong."""
    if interval is None:
        return "not_enough_data"
    low, high = interval
    good, bad = (low >= threshold, high < threshold) if higher_is_better else (
        high <= threshold, low > threshold)
    return "met" if good else "not_met" if bad else "not_enough_data"


def _pct(x: float) -> str:
    return f"{x * 100:.1f} %"


class Judge:
    """Judges one test's criteria from its numbers."""

    def __init__(self, data: ChannelTestData, rules: Rules, numbers: Numbers, ended: bool,
                 as_of: date) -> None:
        self.data, self.rules, self.n, self.ended, self.as_of = data, rules, numbers, ended, as_of

    def money(self, minor: float | None) -> str:
        return format_money(None if minor is None else round(minor), self.rules.currency)

    def count(self, key: str, label: str, have: int, want: int) -> CriterionResult:
        judgement: Judgement = ("met" if have >= want else
                                "not_met" if self.ended else "not_enough_data")
        return CriterionResult(key, f"{label} ≥ {want:,}", judgement, f"{have:,} so far")

    def _too_few_customers(self, key: str, label: str) -> CriterionResult | None:
        have, need = self.data.customers, self.rules.min_customers
        if have >= need:
            return None
        return CriterionResult(key, label, "not_enough_data",
                               f"{have:,} of {need} customers needed for a call")

    def cac(self, limit: int) -> CriterionResult:
        label = f"CAC ≤ {self.money(limit)}"
        if short := self._too_few_customers("max_cac", label):
            return short
        interval = self.n.cac_interval
        detail = f"CAC {self.money(self.n.cac_minor)}"
        if interval is not None:
            detail += f" (95 % {self.money(interval[0])}–{self.money(interval[1])})"
        return CriterionResult("max_cac", label, _interval_judgement(interval, limit, False),
                               detail)

    def conversion(self, floor: float) -> CriterionResult:
        leads, label = self.data.leads, f"conversion ≥ {_pct(floor)}"
        if leads < self.rules.min_leads or self.n.conversion_interval is None:
            return CriterionResult("min_conversion", label, "not_enough_data",
                                   f"{leads:,} of {self.rules.min_leads} leads needed for a call")
        low, high = self.n.conversion_interval
        detail = f"{_pct(self.data.customers / leads)} (95 % {_pct(low)}–{_pct(high)})"
        return CriterionResult("min_conversion", label,
                               _interval_judgement((low, high), floor, True), detail)

    def ltv_to_cac(self, floor: float) -> CriterionResult:
        label = f"LTV ≥ {floor:g} × CAC"
        if short := self._too_few_customers("min_ltv_to_cac", label):
            return short
        point, interval = self.n.ltv_to_cac, self.n.ltv_to_cac_interval
        if point is None:
            return CriterionResult("min_ltv_to_cac", label, "not_enough_data", "no spend yet")
        detail = f"LTV:CAC {point:.2f}"
        if interval is not None:
            detail += f" (95 % {interval[0]:.2f}–{interval[1]:.2f})"
        return CriterionResult("min_ltv_to_cac", label,
                               _interval_judgement(interval, floor, True), detail)

    def payback(self, weeks: int) -> CriterionResult:
        deadline = self.data.start_date + timedelta(weeks=weeks)
        label = f"payback within {weeks} weeks"
        paid = self.n.paid_back_on
        if paid is not None and paid <= deadline:
            return CriterionResult("payback_weeks", label, "met", f"paid back on {paid}")
        if self.as_of > deadline or paid is not None:
            return CriterionResult("payback_weeks", label, "not_met",
                                   f"not paid back by {deadline}")
        return CriterionResult("payback_weeks", label, "not_enough_data",
                               f"not paid back yet; {(deadline - self.as_of).days} days to go")

    def all(self) -> tuple[CriterionResult, ...]:
        c, d = self.data.criteria, self.data
        results = []
        if c.max_cac_minor is not None:
            results.append(self.cac(c.max_cac_minor))
        if c.min_leads is not None:
            results.append(self.count("min_leads", "leads", d.leads, c.min_leads))
        if c.min_customers is not None:
            results.append(self.count("min_customers", "customers", d.customers,
                                      c.min_customers))
        if c.min_conversion is not None:
            results.append(self.conversion(c.min_conversion))
        if c.min_ltv_to_cac is not None:
            results.append(self.ltv_to_cac(c.min_ltv_to_cac))
        if c.payback_weeks is not None:
            results.append(self.payback(c.payback_weeks))
        return tuple(results)
