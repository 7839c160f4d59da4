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
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController

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


_CONTROLLER: list[ThreadpoolController] = []


def _one_thread() -> Any:
    """Return a context limiting BLAS to one thread (its libraries are looked up once per
    process: finding them took longer than a channel's fit)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1)


Objective = Callable[[FloatArray], tuple[float, FloatArray]]


def log_likelihood(log_params: FloatArray, data: Triples) -> tuple[float, FloatArray]:
    """Return the BG/NBD log-likelihood of `data` at log (r, α, a, b) and its gradient in the
    log parameters."""
    return _log_likelihood(log_params, Sufficient.of(data))


@dataclass(frozen=True)
class Sufficient:
    """`Triples` indexed for the likelihood: the terms that depend on x alone are evaluated once
    per distinct x (weighted by its customers), log(α + t) once per distinct time, so each
    evaluation calls the special functions on a few hundred values, not on every triple."""

    xs: FloatArray  # distinct frequencies
    x_count: FloatArray  # customers per distinct frequency
    x_of: npt.NDArray[np.intp]  # each triple's index into xs
    times: FloatArray  # distinct recencies and ages
    age_of: npt.NDArray[np.intp]  # each triple's age's index into times
    recency_of: npt.NDArray[np.intp]  # each repeat triple's recency's index into times
    repeat: npt.NDArray[np.bool_]  # triples with x > 0
    data: Triples

    @classmethod
    def of(cls, data: Triples) -> "Sufficient":
        """Return `data` indexed."""
        xs, x_of = np.unique(data.frequency, return_inverse=True)
        times, time_of = np.unique(np.concatenate([data.age, data.recency]), return_inverse=True)
        size = len(data.age)
        repeat = data.frequency > 0
        per_x = np.bincount(x_of.ravel(), weights=data.count, minlength=len(xs))
        return cls(xs, per_x.astype(np.float64), x_of.ravel(), times, time_of[:size],
                   time_of[size:][repeat], repeat, data)


def _log_likelihood(log_params: FloatArray, s: Sufficient) -> tuple[float, FloatArray]:
    from scipy import special  # here, not at import: the app starts without scipy
    r, alpha, a, b = np.exp(log_params)
    xs, x_count, count = s.xs, s.x_count, s.data.count
    # Terms of x alone, per distinct x.
    psi_rx, psi_bx, psi_abx = (special.digamma(r + xs), special.digamma(b + xs),
                               special.digamma(a + b + xs))
    by_x = (special.gammaln(r + xs) - special.gammaln(r) + r * np.log(alpha)
            + special.gammaln(a + b) + special.gammaln(b + xs) - special.gammaln(b)
            - special.gammaln(a + b + xs))
    log_time = np.log(alpha + s.times)
    over_time = 1 / (alpha + s.times)
    x = s.data.frequency
    rx = r + x
    a3 = -rx * log_time[s.age_of]
    total = a3.copy()
    w4 = np.zeros_like(x)
    rep = s.repeat
    b_x = b + xs - 1  # per distinct x; only used where x > 0
    a4 = (np.log(a) - np.log(np.maximum(b_x, 1e-300))[s.x_of[rep]]
          - rx[rep] * log_time[s.recency_of])
    total[rep] = np.logaddexp(a3[rep], a4)
    w4[rep] = np.exp(a4 - total[rep])
    w3 = 1 - w4
    log_age, log_recency = log_time[s.age_of], np.zeros_like(x)
    log_recency[rep] = log_time[s.recency_of]
    inv_age, inv_recency = over_time[s.age_of], np.zeros_like(x)
    inv_recency[rep] = over_time[s.recency_of]
    psi_ab = special.digamma(a + b)
    customers = x_count.sum()
    d_r = (x_count @ (psi_rx - special.digamma(r)) + customers * np.log(alpha)
           - count @ (w3 * log_age + w4 * log_recency))
    d_alpha = customers * r / alpha - count @ (rx * (w3 * inv_age + w4 * inv_recency))
    cw4 = count @ w4
    d_a = x_count @ (psi_ab - psi_abx) + cw4 / a
    inv_b_x = np.where(xs > 0, 1 / np.where(xs > 0, b_x, 1.0), 0.0)
    d_b = (x_count @ (psi_ab + psi_bx - special.digamma(b) - psi_abx)
           - count[rep] @ (w4[rep] * inv_b_x[s.x_of[rep]]))
    gradient = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return float(x_count @ by_x + count @ total), gradient


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

    with np.errstate(all="ignore"), _one_thread():
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
    indexed = Sufficient.of(data)

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = _log_likelihood(log_params, indexed)
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
