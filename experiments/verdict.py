"""One plain sentence a founder understands, from a two-group comparison (SPEC §4)."""

from dataclasses import dataclass

from kernel.numbers import format_p

# How a metric reads when B beats A; CAC is better when lower.
METRIC_PHRASES: dict[str, str] = {
    "conversion": "converts better than",
    "revenue_per_lead": "earns more per lead than",
    "cac": "acquires customers more cheaply than",
    "roi": "returns more on spend than",
}
LOWER_IS_BETTER: frozenset[str] = frozenset({"cac"})
# What each test (TestResult.name, the API's `test`) is called on screen.
TEST_LABELS: dict[str, str] = {
    "z_test": "Two-proportion z-test (pooled)",
    "boschloo_exact": "Boschloo's exact test",
    "fisher_exact": "Fisher's exact test (Boschloo's would take too long at this size)",
    "confidence_sequence": "Sequential test (always-valid confidence sequence)",
    "welch_t": "Welch's t-test",
    "poisson_rate_exact": "Exact Poisson rate test (customers per unit of spend)",
}
OBSERVATIONAL_CAVEAT = (
    "These groups were not randomised, so a difference may come from who each group "
    "reaches rather than from the channel itself."
)


@dataclass(frozen=True)
class VerdictFacts:
    """What a verdict needs: names, formatted values, the decision inputs."""

    metric: str
    name_a: str
    name_b: str
    shown_a: str
    shown_b: str
    b_is_better: bool | None
    p_value: float | None
    significant: bool
    enough_data: bool
    leads_needed: int | None
    shortfall: str = ""


def about(n: int) -> str:
    """Return a count rounded to two significant digits with thousands separators."""
    if n < 100:
        return f"{n:,}"
    digits = len(str(n)) - 2
    return f"{round(n, -digits):,}"


def verdict(facts: VerdictFacts) -> str:
    """Return the verdict sentence: identical, not enough data, significant or not yet."""
    values = f"({facts.shown_a} vs {facts.shown_b})"
    if facts.b_is_better is None:
        if facts.shown_a == "—" or facts.shown_b == "—":
            return f"{facts.name_a} and {facts.name_b} cannot be compared on this metric yet."
        return f"{facts.name_a} and {facts.name_b} perform the same {values}; there is no winner."
    winner, loser = (facts.name_b, facts.name_a) if facts.b_is_better else (
        facts.name_a, facts.name_b)
    if facts.b_is_better:
        values = f"({facts.shown_b} vs {facts.shown_a})"
    lead = f"{winner} {METRIC_PHRASES[facts.metric]} {loser} {values}"
    if not facts.enough_data:
        return f"{lead} so far, but there is not enough data to call a winner{facts.shortfall}."
    p = "" if facts.p_value is None else f" ({format_p(facts.p_value)})"
    if facts.significant:
        return f"{lead}, and the difference is significant{p}."
    sentence = f"{lead}, but the difference is not significant yet{p}"
    if facts.leads_needed:
        sentence += f"; about {about(facts.leads_needed)} more leads per group would settle it"
    return sentence + "."


def b_is_better(metric: str, value_a: float | None, value_b: float | None) -> bool | None:
    """Return whether B is better, or None when equal or undefined."""
    if value_a is None or value_b is None or value_a == value_b:
        return None
    return (value_b < value_a) if metric == "cac" else (value_b > value_a)


def show(metric: str, value: float | None) -> str:
    """Return a metric value as the verdict prints it: '12.0 %', '1,234.50', '+35 %', '—'."""
    if value is None:
        return "—"
    if metric == "conversion":
        return f"{value * 100:.1f} %"
    if metric == "roi":
        return f"{value * 100:+.0f} %"
    return f"{value:,.2f}"


def show_difference(metric: str, value: float | None) -> str:
    """Return a difference B − A: rates (conversion, ROI) in signed percentage points ("pp")."""
    if value is None:
        return "—"
    if metric in ("conversion", "roi"):
        digits = 1 if metric == "conversion" else 0
        shown = round(value * 100, digits)
        return f"{shown:+.{digits}f} pp" if shown != 0 else f"{0:.{digits}f} pp"
    return f"{value:+,.2f}"
