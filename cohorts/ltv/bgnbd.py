"""BG/NBD repeat-purchase model (Fader, Hardie & Lee 2005, "Counting your customers the easy
way"): likelihood, maximum-likelihood fit and expected future purchases.

Customers are described by their frequency x (repeat purchases), recency t_x (time of the
last purchase since the first) and age T (time since the first purchase), all in weeks. The
likelihood is evaluated on distinct (x, t_x, T) triples weighted by how many customers share
them, so its cost grows with the number of distinct triples, not of customers.

Parameters are fitted in log space within `LOG_BOUNDS` (every parameter lies in
[e^-9, e^9]). A penalised fit adds a Gaussian prior on the log parameters (`Prior`): that is
how a channel's fit is shrunk toward the fit pooled over all channels.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

FloatArray = npt.NDArray[np.float64]
LOG_BOUNDS = (-9.0, 9.0)
FLAT_INFORMATION = 1.0  # least curvature kept: a standard deviation of at most 1 in log space


@dataclass(frozen=True)
class Triples:
    """Distinct (frequency, recency, age) triples and how many customers share each."""

    frequency: FloatArray
    recency: FloatArray
    age: FloatArray
    count: FloatArray

    @property
    def customers(self) -> float:
        """Return the number of customers the triples describe."""
        return float(self.count.sum())


def triples_of(frequency: npt.ArrayLike, recency: npt.ArrayLike, age: npt.ArrayLike) -> Triples:
    """Return the distinct triples of per-customer arrays with their counts."""
    stacked = np.column_stack([np.asarray(frequency, np.float64), np.asarray(recency, np.float64),
                               np.asarray(age, np.float64)])
    unique, count = np.unique(stacked, axis=0, return_counts=True)
    return Triples(unique[:, 0], unique[:, 1], unique[:, 2], count.astype(np.float64))


@dataclass(frozen=True)
class Prior:
    """A Gaussian prior on log parameters: mean and precision matrix (penalised likelihood)."""

    mean: FloatArray
    precision: FloatArray

    def log_density(self, log_params: FloatArray) -> float:
        """Return the prior's log density at `log_params`, up to a constant."""
        gap = log_params - self.mean
        return float(-0.5 * gap @ self.precision @ gap)

    def gradient(self, log_params: FloatArray) -> FloatArray:
        """Return the gradient of `log_density` at `log_params`."""
        return -(self.precision @ (log_params - self.mean))


@dataclass(frozen=True)
class Fit:
    """A maximum (penalised) likelihood fit: log parameters and their covariance."""

    log_params: FloatArray
    covariance: FloatArray  # of the log parameters, from the curvature at the optimum
    log_likelihood: float
    customers: float

    @property
    def params(self) -> FloatArray:
        """Return the parameters on their natural scale."""
        return np.exp(self.log_params)


Objective = Callable[[FloatArray], tuple[float, FloatArray]]


def log_likelihood(log_params: FloatArray, data: Triples) -> tuple[float, FloatArray]:
    """Return the BG/NBD log-likelihood of `data` at log (r, α, a, b) and its gradient in the
    log parameters."""
    from scipy import special  # here, not at import: the app starts without scipy
    r, alpha, a, b = np.exp(log_params)
    x, t_x, age, count = data.frequency, data.recency, data.age, data.count
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b)
          - special.gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    b_x = np.where(repeat, b + x - 1, 1.0)
    a4[repeat] = (np.log(a) - np.log(b_x[repeat])
                  - (r + x[repeat]) * np.log(alpha + t_x[repeat]))
    total = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - total), np.exp(a4 - total)
    psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + x)
    d_r = (special.digamma(r + x) - special.digamma(r) + np.log(alpha)
           - w3 * np.log(alpha + age) - w4 * np.log(alpha + t_x))
    d_alpha = r / alpha - w3 * (r + x) / (alpha + age) - w4 * (r + x) / (alpha + t_x)
    d_a = psi_ab - psi_abx + w4 / a
    d_b = psi_ab + special.digamma(b + x) - special.digamma(b) - psi_abx - w4 / b_x
    gradient = np.array([count @ d_r * r, count @ d_alpha * alpha, count @ d_a * a,
                         count @ d_b * b])
    return float(count @ (a1 + a2 + total)), gradient


def curvature(objective: Objective, at: FloatArray, step: float = 1e-4) -> FloatArray:
    """Return minus the Hessian of `objective` at `at`, by central differences of its gradient."""
    size = len(at)
    result = np.empty((size, size))
    for i in range(size):
        shift = np.zeros(size)
        shift[i] = step
        result[i] = -(objective(at + shift)[1] - objective(at - shift)[1]) / (2 * step)
    return (result + result.T) / 2


def maximise(objective: Objective, start: FloatArray, customers: float) -> Fit | None:
    """Return the bounded maximum of `objective` (value and gradient over log parameters) with
    its curvature, or None when the optimiser fails."""
    from scipy import optimize  # here, not at import: the app starts without scipy
    def negative(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = objective(log_params)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e300, np.zeros_like(log_params)
        return -value, -gradient

    with np.errstate(all="ignore"), threadpool_limits(1):
        found = optimize.minimize(negative, start, jac=True, method="L-BFGS-B",
                                  bounds=[LOG_BOUNDS] * len(start))
        if not np.isfinite(found.fun) or found.fun >= 1e300:
            return None
        information = curvature(objective, found.x)
    if not np.all(np.isfinite(information)):
        return None
    eigenvalues, vectors = np.linalg.eigh(information)
    # A direction the data leaves flat (e.g. a and b growing together toward a constant dropout
    # probability) barely moves the predictions; its spread is capped at one unit of log
    # parameter so intervals stay finite.
    covariance = (vectors / np.maximum(eigenvalues, FLAT_INFORMATION)) @ vectors.T
    return Fit(log_params=found.x, covariance=covariance, log_likelihood=-float(found.fun),
               customers=customers)


def fit(data: Triples, prior: Prior | None = None) -> Fit | None:
    """Return the maximum-likelihood BG/NBD fit of `data` (penalised by `prior` if given)."""
    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = log_likelihood(log_params, data)
        if prior is None:
            return value, gradient
        return value + prior.log_density(log_params), gradient + prior.gradient(log_params)

    start = prior.mean if prior is not None else np.zeros(4)
    return maximise(objective, start, data.customers)


def expected_purchases(params: FloatArray, data: Triples, horizon: FloatArray) -> FloatArray:
    """Return, per triple, a customer's expected purchases in (T, T + horizon] given its
    history (Fader, Hardie & Lee 2005, eq. 10); 0 where the horizon is 0."""
    from scipy import special  # here, not at import: the app starts without scipy
    r, alpha, a, b = params
    x, t_x, age = data.frequency, data.recency, data.age
    horizon = np.broadcast_to(np.asarray(horizon, np.float64), x.shape)
    with np.errstate(all="ignore"):
        z = horizon / (alpha + age + horizon)
        hyper = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1)
        growth = 1 - ((alpha + age) / (alpha + age + horizon)) ** (r + x) * hyper
        alive_odds = np.where(x > 0, a / np.maximum(b + x - 1, 1e-300)
                              * ((alpha + age) / (alpha + t_x)) ** (r + x), 0.0)
        expected = head * growth / (1 + alive_odds)
    return np.where(horizon > 0, expected, 0.0)
