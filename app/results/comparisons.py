"""What the compare API and view share: parse groups, load them (cached), run the statistics."""

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TypeVar

from flask import current_app

from app.db import get_session
from app.results.cache import cached, current_channel_versions, metrics_cache
from app.settings import load_settings
from cohorts.queries import AsOf
from experiments.groups import GroupSpec, GroupSpecError, parse_group
from experiments.matrix import ConversionMatrix, conversion_matrix
from experiments.queries import GroupLeads, UnknownGroupError, channel_conversions, group_leads
from experiments.segments.insights import SegmentRule, segment_insights
from experiments.segments.limits import SegmentLimits, SegmentReport
from experiments.segments.queries import segment_moments
from experiments.significance import (
    ChannelCount,
    LookRule,
    SignificanceChanges,
    significance_changes,
)
from experiments.stats import (
    ADJUSTMENTS,
    METRICS,
    SEQUENTIAL_METRICS,
    Comparison,
    Group,
    GroupResult,
    Guard,
    compare,
)
from kernel.money import MINOR_PER_UNIT

T = TypeVar("T")


class CompareInputError(ValueError):
    """A compare request parameter that cannot be used; `parameter` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class CompareRequest:
    """A validated compare request."""

    a: GroupSpec
    b: GroupSpec
    metric: str
    as_of: AsOf
    age: int | None = None
    sequential: bool = False


MAX_AGE_WEEKS = 5200


def parse_age(text: str | None, metric: str) -> int | None:
    """Return the ROI age in whole weeks (None when absent); raise CompareInputError."""
    if text is None or not text.strip():
        return None
    if not re.fullmatch(r"[0-9]+", text.strip()) or int(text) > MAX_AGE_WEEKS:
        raise CompareInputError("age", f"use a whole number of weeks from 0 to {MAX_AGE_WEEKS}, "
                                f"not {text!r}")
    if metric != "roi":
        raise CompareInputError("age", "an age only applies to metric roi (ROI at age k)")
    return int(text)


def parse_sequential(text: str | None, metric: str) -> bool:
    """Return whether a sequential test is asked for ('true'/'1'/'on'); raise CompareInputError."""
    chosen = (text or "").strip().lower()
    if chosen not in ("", "true", "1", "on", "false", "0", "off"):
        raise CompareInputError("sequential", f"use true or false, not {text!r}")
    if chosen not in ("true", "1", "on"):
        return False
    if metric not in SEQUENTIAL_METRICS:
        raise CompareInputError("sequential", "a sequential test covers conversion and "
                                "revenue per lead only")
    return True


def parse_request(a: str | None, b: str | None, metric: str | None,
                  as_of: AsOf, age: str | None = None,
                  sequential: str | None = None) -> CompareRequest:
    """Return the validated request; raise CompareInputError naming the bad parameter."""
    specs = []
    for name, text in (("a", a), ("b", b)):
        try:
            specs.append(parse_group(text or ""))
        except GroupSpecError as exc:
            raise CompareInputError(name, str(exc)) from exc
    chosen = metric or "conversion"
    if chosen not in METRICS:
        raise CompareInputError("metric", f"use one of {', '.join(METRICS)}, not {chosen!r}")
    return CompareRequest(specs[0], specs[1], chosen, as_of, parse_age(age, chosen),
                          parse_sequential(sequential, chosen))


def cached_for_groups(specs: tuple[GroupSpec, ...], key: Hashable,
                      compute: Callable[[], T]) -> T:
    """Return `compute()` cached until the data of the groups' channels changes.

    Groups limited to a channel (and not to a test, whose edits are not versioned by
    channel) depend on that channel's data only; any other group on all data.
    """
    channels = {None if spec.experiment_id is not None else spec.channel_id for spec in specs}
    if None in channels:
        return cached(key, compute)
    versions = current_channel_versions()
    version = tuple((c, versions.get(c, -1)) for c in sorted(c for c in channels if c))
    return metrics_cache().get_or_compute(("channels", version), key, compute)


def load_group(parameter: str, spec: GroupSpec, as_of: AsOf,
               age: int | None = None) -> GroupLeads:
    """Return a group's per-lead arrays (at ages 0..age if given), cached until data changes."""
    try:
        return cached_for_groups((spec,), ("compare_group", str(spec), as_of, age),
                                 lambda: group_leads(session=get_session(), spec=spec,
                                                     as_of=as_of, age=age))
    except UnknownGroupError as exc:
        raise CompareInputError(parameter, str(exc)) from exc


def as_stats_group(leads: GroupLeads, margin: float = 1.0) -> Group:
    """Return the pure-core group: money in currency units, revenue × margin."""
    spend = None if leads.spend_minor is None else leads.spend_minor / MINOR_PER_UNIT
    return Group(leads.name, leads.converted, leads.revenue_minor * margin / MINOR_PER_UNIT,
                 spend)


def guard() -> Guard:
    """Return the minimum-sample guard from the settings."""
    settings = load_settings()
    return Guard(settings.min_leads_per_group, settings.min_customers_total)


def run(request: CompareRequest) -> Comparison:
    """Return the comparison of group B against A (ROI uses the gross margin, at age k if set),
    cached until the groups' data changes (the results are deterministic).

    A sequential request gets always-valid results tuned by the settings' expected leads,
    and `since`: the oldest cohort week of either group, from when it was looked at weekly.
    """
    settings = load_settings()
    margin = settings.gross_margin if request.metric == "roi" else 1.0
    rule = guard()
    expected = settings.sequential_expected_leads if request.sequential else None

    def compute() -> Comparison:
        leads_a = load_group("a", request.a, request.as_of, request.age)
        leads_b = load_group("b", request.b, request.as_of, request.age)
        a, b = as_stats_group(leads_a, margin), as_stats_group(leads_b, margin)
        if expected is None:
            return compare(request.metric, a, b, rule)
        result = compare(request.metric, a, b, rule, expected)
        weeks = [w for w in (leads_a.first_week, leads_b.first_week) if w is not None]
        return replace(result, since=min(weeks) if weeks else None)

    return cached_for_groups((request.a, request.b),
                             ("comparison", request, margin, rule, expected), compute)


def comparison_json(result: Comparison) -> dict[str, object]:
    """Return the comparison as the API's JSON body (undefined values are None)."""
    def side(g: GroupResult) -> dict[str, object]:
        return {"n": g.n, "successes": g.successes, "value": g.value,
                "ci": None if g.ci is None else list(g.ci)}

    return {
        "metric": result.metric, "test": result.test, "a": side(result.a), "b": side(result.b),
        "difference": {"estimate": result.difference,
                       "ci": None if result.difference_ci is None else list(result.difference_ci)},
        "p_value": result.p_value, "prob_b_beats_a": result.prob_b_beats_a,
        "significant": result.significant, "enough_data": result.enough_data,
        "leads_needed": result.leads_needed, "verdict": result.verdict,
        "kind": result.kind,
        "lift": None if result.lift is None else {
            "estimate": result.lift.estimate,
            "ci": None if result.lift.ci is None else list(result.lift.ci)},
        "since": None if result.since is None else result.since.isoformat(),
    }


def adjustment(text: str | None) -> str:
    """Return the requested multiple-testing correction ('holm' unless 'bh' is asked for)."""
    return text if text in ADJUSTMENTS else "holm"


def channel_matrix(as_of: AsOf, method: str) -> ConversionMatrix:
    """Return the all-channels conversion matrix, cached until the data changes."""
    rule = guard()

    def build() -> ConversionMatrix:
        rows = channel_conversions(session=get_session(), as_of=as_of)
        return conversion_matrix(rows, method, rule.min_leads, rule.min_customers, rule.alpha)

    return cached(("conversion_matrix", as_of, method, rule), build)


def significance_since_last_week(as_of: AsOf, method: str = "holm") -> SignificanceChanges:
    """Return the channel pairs whose conversion comparison became (or stopped being)
    significant between the look a week before `as_of` and the look on it: always-valid
    p-values tuned by the settings' expected leads, corrected across each look's pairs, with
    the settings' minimum sample (experiments.significance); cached until the data changes."""
    settings = load_settings()
    rule = LookRule(guard(), method, settings.sequential_expected_leads)
    before = replace(as_of, day=as_of.day - timedelta(days=7))

    def build() -> SignificanceChanges:
        session = get_session()
        now, then = (
            [ChannelCount(*row) for row in channel_conversions(session=session, as_of=day)]
            for day in (as_of, before))
        return significance_changes(now, then, rule)

    return cached(("significance_changes", as_of, rule), build)


def segment_limits() -> tuple[SegmentLimits, tuple[int, int]]:
    """Return the segments page's bounds and Boschloo's (table limit, page budget)."""
    config = current_app.config
    limits = SegmentLimits(config.get("SEGMENT_TOP_VALUES", 20),
                           config.get("SEGMENT_MAX_VALUES", 1000),
                           config.get("SEGMENT_MAX_ATTRIBUTES", 25))
    return limits, (config.get("SEGMENT_EXACT_MAX_TABLE", 2500),
                    config.get("SEGMENT_EXACT_BUDGET", 20000))


def segment_report(as_of: AsOf, channel_id: int | None, method: str) -> SegmentReport:
    """Return the compared attribute values against the rest (one channel or all); cached.

    Bounded by segment_limits(): the most used attributes, their most frequent values and
    an "other" row each; attributes with too many values are listed as skipped.
    """
    g = guard()
    limits, exact = segment_limits()
    rule = SegmentRule(g.min_leads, g.min_customers, g.alpha, method, *exact)

    def build() -> SegmentReport:
        values, totals, plan = segment_moments(session=get_session(), as_of=as_of,
                                               channel_id=channel_id, limits=limits)
        return SegmentReport(segment_insights(values, totals, rule), plan, limits, rule)

    return cached(("segment_insights", as_of, channel_id, rule, limits), build)
