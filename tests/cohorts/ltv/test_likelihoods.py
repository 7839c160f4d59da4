"""The indexed log-likelihoods equal the papers' formulas per customer, and their analytic
gradients equal finite differences of them (on the CDNOW sample, at points off the optimum)."""

import numpy as np
import pytest
from scipy import special

from cohorts.ltv import bgnbd, gamma_gamma
from tests.cohorts.ltv.test_published_fits import DATA

X, T_X, AGE, M = DATA[:, 1], DATA[:, 2], DATA[:, 3], DATA[:, 4]


def paper_bgnbd(log_params: np.ndarray) -> float:
    # Fader, Hardie & Lee (2005), eq. 6, one term per customer, nothing grouped.
    r, alpha, a, b = np.exp(log_params)
    total = 0.0
    for x, t_x, age in zip(X, T_X, AGE, strict=True):
        head = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
                + special.betaln(a, b + x) - special.betaln(a, b))
        alive = -(r + x) * np.log(alpha + age)
        dead = (np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + t_x)) if x > 0 \
            else -np.inf
        total += head + np.logaddexp(alive, dead)
    return float(total)


def paper_gamma_gamma(log_params: np.ndarray, x: np.ndarray, m: np.ndarray) -> float:
    # Fader, Hardie & Lee (2005b), eq. 3's density of the mean of x spends, per customer.
    p, q, gamma = np.exp(log_params)
    return float(np.sum(special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q)
                        + q * np.log(gamma) + (p * x - 1) * np.log(m) + p * x * np.log(x)
                        - (p * x + q) * np.log(gamma + m * x)))


def _differences(function, at: np.ndarray, step: float = 1e-6) -> np.ndarray:
    return np.array([(function(at + step * e) - function(at - step * e)) / (2 * step)
                     for e in np.eye(len(at))])


@pytest.mark.parametrize("point", [[-1.4, 1.5, -0.2, 0.9], [0.3, -0.5, 1.0, -1.0]])
def test_bgnbd_likelihood_and_gradient_match_the_paper_per_customer(point: list[float]) -> None:
    at = np.array(point)
    value, gradient = bgnbd.log_likelihood(at, bgnbd.triples_of(X, T_X, AGE))
    assert value == pytest.approx(paper_bgnbd(at), rel=1e-10)
    np.testing.assert_allclose(gradient, _differences(paper_bgnbd, at), rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("point", [[1.8, 1.3, 2.7], [0.5, 2.0, 0.0]])
def test_gamma_gamma_likelihood_and_gradient_match_the_paper(point: list[float]) -> None:
    at = np.array(point)
    repeat = X > 0
    x, m = X[repeat], M[repeat]
    value, gradient = gamma_gamma.log_likelihood(at, gamma_gamma.Spends(x, m, np.ones(len(x))))
    assert value == pytest.approx(paper_gamma_gamma(at, x, m), rel=1e-10)
    np.testing.assert_allclose(gradient, _differences(lambda v: paper_gamma_gamma(v, x, m), at),
                               rtol=1e-5, atol=1e-3)
