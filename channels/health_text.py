"""One-sentence reasons with numbers for channel health statuses (SPEC §5)."""

from channels.trends import BinomialTrend


def percent(rate: float) -> str:
    """Return a rate as a percentage with enough digits to read small rates ("1.3 %")."""
    value = 100 * rate
    return f"{value:.2f} %" if abs(value) < 1 else f"{value:.1f} %"


def p_text(p: float) -> str:
    """Return a p-value as text: three decimals, or "p < 0.001"."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def too_little_data(name: str, weeks: int, needed: int) -> str:
    """Return why a signal has no status: how many mature weeks it has and needs."""
    noun = "week" if weeks == 1 else "weeks"
    return f"only {weeks} mature {noun} with {name} data ({needed} needed)"


def level_sentence(last: float, best: float) -> str:
    """Return the last-4-weeks level against the best 4 weeks ("at 45 % of the best …")."""
    share = last / best if best > 0 else 1.0
    return (f"the last 4 weeks ({percent(last)}) are at {100 * share:.0f} % of the best 4 weeks "
            f"({percent(best)})")


def no_trend(name: str, successes: int, trials: int, weeks: int) -> str:
    """Return why no trend could be fitted (no or only successes) with the totals."""
    return f"no trend in {name}: {successes} of {trials} over {weeks} mature weeks"


def signal_reason(name: str, status: str, trend: BinomialTrend,
                  levels: tuple[float, float] | None, span_weeks: float) -> str:
    """Return the one-sentence reason for a signal's status, with rates, span and p-value."""
    weeks = round(span_weeks) + 1
    start, end = float(trend.fitted[0]), float(trend.fitted[-1])
    verb = "fell" if trend.slope < 0 else "rose"
    sentence = (f"{name} {verb} from {percent(start)} to {percent(end)} over {weeks} weeks, "
                f"{p_text(trend.p_value)}")
    if status == "healthy" and trend.p_value >= 0.10:
        sentence = (f"{name} went from {percent(start)} to {percent(end)} over {weeks} weeks, "
                    f"no clear trend ({p_text(trend.p_value)})")
    if trend.uses_spend:
        sentence += " (adjusted for spend)"
    if levels and status in ("watch", "burned_out"):
        sentence += "; " + level_sentence(levels[1], levels[0])
    return sentence
