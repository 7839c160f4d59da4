"""The models reproduce the published CDNOW fits (Fader, Hardie & Lee 2005).

Data: `cdnow_summary.csv`, the CDNOW sample's summary (2,357 customers who first bought in
the first 12 weeks of 1997, followed for 39 weeks; time in weeks), copied from the `lifetimes`
0.11.3 wheel on PyPI (`lifetimes/datasets/cdnow_customers_summary_with_transactions.csv`).
"""

from pathlib import Path

import numpy as np
import pytest

from cohorts.ltv import bgnbd, gamma_gamma

DATA = np.loadtxt(Path(__file__).with_name("cdnow_summary.csv"), delimiter=",", comments="#",
                  skiprows=4)


def test_the_sample_is_the_published_one() -> None:
    assert DATA.shape == (2357, 5)
    assert int((DATA[:, 1] > 0).sum()) == 946


def test_bgnbd_reproduces_counting_your_customers_the_easy_way() -> None:
    found = bgnbd.fit(bgnbd.triples_of(DATA[:, 1], DATA[:, 2], DATA[:, 3]))
    assert found is not None
    np.testing.assert_allclose(found.params, [0.243, 4.414, 0.793, 2.426], rtol=0.01)
    assert found.log_likelihood == pytest.approx(-9582.4, abs=0.1)  # the paper's LL


def test_gamma_gamma_reproduces_rfm_and_clv() -> None:
    repeat = DATA[:, 1] > 0
    spends = gamma_gamma.Spends(DATA[repeat, 1], DATA[repeat, 4], np.ones(int(repeat.sum())))
    found = gamma_gamma.fit(spends)
    assert found is not None
    np.testing.assert_allclose(found.params, [6.25, 3.74, 15.44], rtol=0.01)


def test_expected_purchases_match_the_papers_worked_example() -> None:
    # Fader, Hardie & Lee (2005), section 4: a customer with x = 2, t_x = 30.43, T = 38.86
    # is expected to make 1.226 purchases in the next 39 weeks.
    params = np.array([0.243, 4.414, 0.793, 2.426])
    one = bgnbd.Triples(np.array([2.0]), np.array([30.43]), np.array([38.86]), np.ones(1))
    assert bgnbd.expected_purchases(params, one, np.array([39.0]))[0] == pytest.approx(
        1.226, abs=0.001)
