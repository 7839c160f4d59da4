"""CAC and ROI statistics with spend treated as fixed (SPEC §4)."""

import math

from experiments.proportions import TestResult


def poisson_interval(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """Return the exact (Garwood) interval for a Poisson mean given an observed count ≥ 0."""
    from scipy import stats
    tail = (1 - confidence) / 2
    lower = 0.0 if count == 0 else float(stats.chi2.ppf(tail, 2 * count)) / 2
    upper = float(stats.chi2.ppf(1 - tail, 2 * count + 2)) / 2
    return lower, upper


def cac(spend: float, customers: int) -> float | None:
    """Return spend per customer (spend's unit); None when there is no customer."""
    return None if customers <= 0 else spend / customers


def cac_interval(
    spend: float, customers: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Return the exact interval of CAC = spend / customers, inverting Garwood's interval.

    Spend is fixed, customers Poisson. None without spend or without customers (the
    interval would be unbounded above).
    """
    if spend <= 0 or customers <= 0:
        return None
    lower, upper = poisson_interval(customers, confidence)
    return spend / upper, spend / lower


def cac_test(
    spend_a: float, customers_a: int, spend_b: float, customers_b: int
) -> TestResult | None:
    """Return the exact conditional test of equal customers per unit spend (equal CAC).

    Given the total customers k, B's count is Binomial(k, spend_b / (spend_a + spend_b))
    under equal CAC; None without spend in both groups or without any customer.
    """
    from scipy import stats
    if spend_a <= 0 or spend_b <= 0 or customers_a + customers_b == 0:
        return None
    share = spend_b / (spend_a + spend_b)
    result = stats.binomtest(customers_b, customers_a + customers_b, share)
    return TestResult("poisson_rate_exact", None, float(min(1.0, result.pvalue)))


def roi_weight(spend: float, leads: int, margin: float = 1.0) -> float | None:
    """Return w with ROI = w·mean(revenue per lead) − 1; None without spend."""
    if spend <= 0 or math.isnan(spend):
        return None
    return margin * leads / spend
