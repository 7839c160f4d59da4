"""One-sentence reasons with numbers for channel health statuses (SPEC §5)."""

from channels.trends import BinomialTrend
from kernel.numbers import format_p


def percent(rate: float) -> str:
    """Return a rate as a percentage with enough digits to read small rates ("1.3 %")."""
    value = 100 * rate
    return f"{value:.2f} %" if abs(value) < 1 else f"{value:.1f} %"


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
                f"{format_p(trend.p_value)}")
    if status == "healthy" and trend.p_value >= 0.10:
        sentence = (f"{name} went from {percent(start)} to {percent(end)} over {weeks} weeks, "
                    f"no clear trend ({format_p(trend.p_value)})")
    if trend.uses_spend:
        sentence += " (adjusted for spend)"
    if levels and status in ("watch", "burned_out"):
        sentence += "; " + level_sentence(levels[1], levels[0])
    return sentence


def capacity_sentence(model: str, per_month: float | None,
                      interval: tuple[float, float | None] | None, p_value: float | None,
                      up_to: str, linear_cac: str) -> str:
    """Return what the capacity model says: a capacity with its interval, or no limit yet.

    `up_to` and `linear_cac` are preformatted money (largest weekly spend, spend/customers);
    `interval` is the 90 % interval per month (upper None: no upper end).
    """
    p = format_p(1.0 if p_value is None else p_value)
    if model == "saturating" and per_month is not None:
        band = ""
        if interval is not None:
            low, high = interval
            band = (f" (90 % interval {low:.1f}–{high:.1f})" if high is not None
                    else f" (90 % interval from {low:.1f}, no upper end)")
        return (f"customers level off at about {per_month:.1f} per month{band}; the saturating "
                f"curve fits better than a straight line ({p})")
    if model == "no_limit_seen":
        return (f"no limit seen yet up to a weekly spend of {up_to}: customers grew in step "
                f"with spend, at about {linear_cac} each (a saturating curve fits no better "
                f"than a straight line, {p})")
    return ("capacity model: not enough data (needs ≥ 6 mature weeks with spend varying by "
            "more than 25 % and customers that follow spend)")


def capacity_disagreement(observed: float | None, modelled: float | None,
                          interval: tuple[float, float | None] | None) -> str | None:
    """Return which capacity to believe when the fit and the best 4 weeks differ by > 15 %.

    Both figures are customers per month; None when either is missing or they agree.
    """
    if observed is None or modelled is None or modelled <= 0:
        return None
    if abs(observed - modelled) <= 0.15 * modelled:
        return None
    seen, fitted = f"{observed:.1f}", f"{modelled:.1f}"
    high = None if interval is None else interval[1]
    if observed > modelled and high is not None and observed > high:
        return (f"the best 4 weeks observed ({seen} per month) lie above the model's 90 % "
                f"interval, so the curve underestimates this channel: believe the observed "
                f"{seen} until a refit with more weeks catches up")
    if observed > modelled:
        return (f"believe the modelled {fitted} per month for planning: the observed {seen} is "
                "the best of many noisy 4-week windows, which runs above the level customers "
                "settle at")
    return (f"believe the observed {seen} per month: the modelled {fitted} extrapolates the "
            "curve beyond the spend tried so far, which no week has confirmed yet")
