"""Calibration by seeded simulation (issue 13): weekly looks for 26 weeks under the null.

Bounded to a few seconds; `python -m benchmarks sequential_looks` runs more and prints power.
"""

import numpy as np
import pytest

from benchmarks.sequential_looks import Scenario, ever_called, significant_weeks
from experiments.means import welch_interval

NULLS = [
    (Scenario(50, 0.05), 2000), (Scenario(50, 0.30), 2000),
    (Scenario(500, 0.05), 600), (Scenario(500, 0.30), 600),
    (Scenario(50, 0.20, sigma=1.2), 1500), (Scenario(500, 0.20, sigma=1.2), 300),
]


@pytest.mark.parametrize(("scenario", "runs"), NULLS)
def test_sequential_test_rarely_calls_a_false_winner_over_26_weekly_looks(
        scenario: Scenario, runs: int) -> None:
    share, upper = ever_called(significant_weeks(scenario, runs, seed=2026, sequential=True))
    assert share <= 0.05 and upper <= 0.06


def test_the_simulation_sees_the_weekly_peeking_problem() -> None:
    # The same runs judged by the fixed-horizon z-test at every look: far above 5 % (issue 13).
    share, _ = ever_called(significant_weeks(Scenario(50, 0.30), 1000, 2026, sequential=False))
    assert share > 0.15


@pytest.mark.parametrize("leads", [100, 400])
def test_revenue_difference_interval_covers_the_true_difference(leads: int) -> None:
    rng = np.random.default_rng(leads)
    runs, covered = 1000, 0
    for _ in range(runs):
        a, b = (np.where(rng.random(leads) < 0.2, rng.lognormal(3.0, 1.2, leads), 0.0)
                for _ in range(2))
        low, high = welch_interval(a, b)  # type: ignore[misc]
        covered += low <= 0.0 <= high
    assert covered / runs >= 0.94
