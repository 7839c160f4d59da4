"""Boschloo's exact test of two proportions, vectorised (the same p-value as scipy's, faster).

scipy.stats.boschloo_exact maximises, over the nuisance success rate π, the probability of
every table whose Fisher one-sided p-value is at most the observed one, calling a global
optimiser that evaluates the whole table grid many times (6 s at 500 leads per arm). Here
the tables are grouped by their total successes s, which turns that probability into one
polynomial f(π) = Σ_s w_s π^s (1 − π)^(N − s): the grid is built once (O(N·n_a)), then f is
evaluated on a grid of π and refined around its best points with Brent's method.
"""

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
# Points of the first pass over π ∈ [0, 1], and how many of its local maxima are refined.
_PI_GRID = 513
_REFINED_PEAKS = 4
# scipy's tolerance for tables "as extreme as" the observed one (relative, on Fisher's p).
_TIE_TOLERANCE = 1e-13


def _log_choose(n: int) -> FloatArray:
    """Return log C(n, k) for k = 0..n."""
    from scipy import special
    k = np.arange(n + 1, dtype=np.float64)
    return special.gammaln(n + 1.0) - special.gammaln(k + 1.0) - special.gammaln(n - k + 1.0)


def _log_weights(x_a: int, n_a: int, x_b: int, n_b: int) -> tuple[FloatArray, FloatArray]:
    """Return log w_s of f(π) for the one-sided tests 'less' (p_A < p_B side) and 'greater'.

    Tables are indexed by (s, x_A) with x_B = s − x_A. Their conditional (hypergeometric)
    probabilities give Fisher's one-sided p-values by cumulative sums along x_A; a table is
    in the rejection region when its p-value is ≤ the observed one (scipy's tolerance).
    """
    from scipy import special
    total = n_a + n_b
    s = np.arange(total + 1)[:, None]
    x1 = np.arange(n_a + 1)[None, :]
    x2 = s - x1
    valid = (x2 >= 0) & (x2 <= n_b)
    lc_a, lc_b, lc_total = _log_choose(n_a), _log_choose(n_b), _log_choose(total)
    log_pmf = np.where(valid, lc_a[x1] + lc_b[np.clip(x2, 0, n_b)] - lc_total[s], -np.inf)
    pmf = np.exp(log_pmf)
    lower = np.cumsum(pmf, axis=1)  # P(X_A ≤ x_A | s): Fisher's 'less' p-value
    upper = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # P(X_A ≥ x_A | s): 'greater'
    weights = []
    for tail in (lower, upper):
        observed = tail[x_a + x_b, x_a]
        region = valid & (tail <= observed * (1 + _TIE_TOLERANCE))
        in_region = special.logsumexp(np.where(region, log_pmf, -np.inf), axis=1)
        weights.append(in_region + lc_total)
    return weights[0], weights[1]


def _log_power(log_w: FloatArray, pi: FloatArray) -> FloatArray:
    """Return log f(π) = log Σ_s w_s π^s (1 − π)^(N − s) for each π in `pi` (shape (m,))."""
    from scipy import special
    s = np.arange(log_w.size, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = (log_w[None, :] + special.xlogy(s[None, :], pi[:, None])
                 + special.xlog1py(log_w.size - 1 - s[None, :], -pi[:, None]))
    return np.asarray(special.logsumexp(terms, axis=1), dtype=np.float64)


def _max_power(log_w: FloatArray) -> float:
    """Return max over π ∈ [0, 1] of f(π): a grid pass, then Brent around the best peaks."""
    from scipy import optimize
    if not np.isfinite(log_w).any():
        return 0.0
    grid = np.linspace(0.0, 1.0, _PI_GRID)
    values = _log_power(log_w, grid)
    best = float(values.max())
    interior = np.flatnonzero((values[1:-1] >= values[:-2]) & (values[1:-1] >= values[2:])) + 1
    for i in interior[np.argsort(values[interior])[::-1][:_REFINED_PEAKS]]:
        found = optimize.minimize_scalar(
            lambda p: -float(_log_power(log_w, np.array([p]))[0]),
            bounds=(grid[i - 1], grid[i + 1]), method="bounded",
            options={"xatol": 1e-12})
        best = max(best, -float(found.fun))
    return float(np.exp(best))


def boschloo_p_value(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """Return Boschloo's two-sided exact p-value for x_a/n_a against x_b/n_b.

    As scipy.stats.boschloo_exact(alternative='two-sided'): twice the smaller one-sided
    p-value, at most 1. Needs n_a, n_b ≥ 1 and 0 ≤ x ≤ n (raise ValueError otherwise).
    Time and memory grow as (n_a + n_b)·n_a: 0.4–0.8 s at 500 leads per arm.
    """
    if n_a < 1 or n_b < 1 or not (0 <= x_a <= n_a and 0 <= x_b <= n_b):
        raise ValueError(f"not a 2×2 table of counts: {x_a}/{n_a} and {x_b}/{n_b}")
    less, greater = _log_weights(x_a, n_a, x_b, n_b)
    p = min(_max_power(less), _max_power(greater))
    return float(min(1.0, max(0.0, 2 * p)))
