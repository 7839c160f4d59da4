"""Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005, "RFM and CLV: using
iso-value curves for customer base analysis"): likelihood, fit and conditional mean spend.

It is fitted on the customers with at least one repeat purchase and a positive mean value of
their repeat purchases, x and m. Spend is divided by its mean before fitting (γ scales with the
money unit, p and q do not) and γ is scaled back, so the bounds of `LOG_BOUNDS` hold whatever the
currency's minor unit.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cohorts.ltv.bgnbd import Fit, Prior, maximise

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Spends:
    """Repeat customers: frequency x ≥ 1, mean repeat spend m > 0, and a weight (count)."""

    frequency: FloatArray
    mean_spend: FloatArray
    count: FloatArray

    @property
    def customers(self) -> float:
        """Return the number of customers described."""
        return float(self.count.sum())


def log_likelihood(log_params: FloatArray, data: Spends) -> tuple[float, FloatArray]:
    """Return the Gamma-Gamma log-likelihood of `data` at log (p, q, γ) and its gradient in the
    log parameters."""
    return _log_likelihood(log_params, _Indexed.of(data))


@dataclass(frozen=True)
class _Indexed:
    """`Spends` reduced for the likelihood: the special functions are evaluated once per
    distinct x, the terms linear in p and q are sums fixed by the data, and only log(γ + m x)
    is evaluated per row."""

    xs: FloatArray  # distinct frequencies
    x_count: FloatArray  # customers per distinct frequency
    mx: FloatArray  # per row: m x
    px_weight: FloatArray  # per row: count x
    count: FloatArray
    linear_p: float  # Σ count x (log m + log x)
    constant: float  # −Σ count log m

    @classmethod
    def of(cls, data: Spends) -> "_Indexed":
        """Return `data` reduced."""
        x, m, count = data.frequency, data.mean_spend, data.count
        xs, x_of = np.unique(x, return_inverse=True)
        log_m = np.log(m)
        per_x = np.bincount(x_of.ravel(), weights=count, minlength=len(xs))
        return cls(xs, per_x.astype(np.float64), m * x,
                   count * x, count, float(count @ (x * (log_m + np.log(x)))),
                   -float(count @ log_m))


def _log_likelihood(log_params: FloatArray, s: _Indexed) -> tuple[float, FloatArray]:
    from scipy import special  # here, not at import: the app starts without scipy
    p, q, gamma = np.exp(log_params)
    xs, x_count = s.xs, s.x_count
    customers = float(x_count.sum())
    pxs = p * xs
    psi = special.digamma(pxs + q)
    log_total = np.log(gamma + s.mx)
    over_total = 1 / (gamma + s.mx)
    log_gamma = np.log(gamma)
    value = (x_count @ (special.gammaln(pxs + q) - special.gammaln(pxs))
             + customers * (q * log_gamma - special.gammaln(q)) + p * s.linear_p + s.constant
             - (p * s.px_weight + q * s.count) @ log_total)
    d_p = (x_count @ (xs * (psi - special.digamma(pxs))) + s.linear_p
           - s.px_weight @ log_total)
    d_q = (x_count @ psi - customers * (special.digamma(q) - log_gamma)
           - s.count @ log_total)
    d_gamma = customers * q / gamma - (p * s.px_weight + q * s.count) @ over_total
    return float(value), np.array([d_p * p, d_q * q, d_gamma * gamma])


def scale_of(data: Spends) -> float:
    """Return the money scale the fit works in (the customers' weighted mean spend)."""
    return float(np.dot(data.count, data.mean_spend) / data.count.sum())


def fit(data: Spends, prior: Prior | None = None) -> Fit | None:
    """Return the maximum-likelihood fit of log (p, q, γ) on `data`, γ in `data`'s money unit.

    A `prior` is on the same log parameters (γ in the money unit); it penalises the fit.
    """
    scale = scale_of(data)
    shift = np.array([0.0, 0.0, np.log(scale)])
    scaled = _Indexed.of(Spends(data.frequency, data.mean_spend / scale, data.count))

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = _log_likelihood(log_params, scaled)
        if prior is None:
            return value, gradient
        return (value + prior.log_density(log_params + shift),
                gradient + prior.gradient(log_params + shift))

    start = prior.mean - shift if prior is not None else np.array([1.0, 1.0, 0.0])
    found = maximise(objective, start, data.customers)
    if found is None:
        return None
    # The scaled likelihood differs from the unscaled one by a constant only.
    return Fit(log_params=found.log_params + shift, covariance=found.covariance,
               log_likelihood=found.log_likelihood, customers=found.customers)


def expected_spend(params: FloatArray, frequency: FloatArray, total_spend: FloatArray,
                   customers: FloatArray) -> FloatArray:
    """Return the summed expected spend per future purchase of groups of customers.

    Each group holds `customers` customers with the same frequency x whose mean repeat spends
    sum to `total_spend`. Per customer E[Z | x, m] = (p γ + p x m) / (p x + q − 1), the
    population mean p γ / (q − 1) for x = 0 (requires q > 1).
    """
    p, q, gamma = params
    return (customers * p * gamma + p * frequency * total_spend) / (p * frequency + q - 1)
